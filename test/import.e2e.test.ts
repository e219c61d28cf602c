import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { unescapeSpreadsheet } from '../src/use-cases/flows/csv.js';
import { readImport } from '../src/use-cases/flows/import.js';
import { viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// CSV import: the reader on its own (a property over whole generated files, every kind of mistake
// by line, an export read back), then through the real app: file → preview → Apply → one job.

const pool = Array.from({ length: 40 }, (_, i) => `+1415555${String(3000 + i).padStart(4, '0')}`);
const columns = ['number', 'first_name', 'last_name', 'photo_url', 'display_name'] as const;
// Names as people type them: any text but control characters, no padding, 1 to 64 characters.
// (An apostrophe before =, +, - or @ is the spreadsheet text marker, as spreadsheets read it.)
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .map((text) => text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim())
  .filter((text) => text.length > 0 && text.length <= 64 && !/^'+[=+\-@]/.test(text));

describe('readImport', () => {
  it('reads back exactly any table of valid rows a CSV writer wrote, in any column order, BOM or not, CRLF or LF', () => {
    const row = fc.record({
      first: name,
      last: name,
      photo: fc.webPath().map((path) => `https://example.com/p${path}`.slice(0, 2000)),
      display: fc.option(name, { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 15 }),
        fc.array(row, { minLength: 15, maxLength: 15 }),
        fc.shuffledSubarray([...columns], { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom('windows', 'unix') as fc.Arbitrary<'windows' | 'unix'>,
        (numbers, rows, order, bom, endings) => {
          const records = numbers.map((number, i) => {
            const r = rows[i] ?? {
              first: 'A',
              last: 'B',
              photo: 'https://example.com/x',
              display: undefined,
            };
            const cells: Record<string, string> = {
              number,
              first_name: r.first,
              last_name: r.last,
              photo_url: r.photo,
              display_name: r.display ?? '',
            };
            return order.map((column) => cells[column] ?? '');
          });
          const text = `${bom ? '\ufeff' : ''}${stringify([order, ...records], { record_delimiter: endings })}`;
          const read = readImport(text, 'US');
          expect(read.problems).toEqual([]);
          expect(read.rows.map((r) => r.card)).toEqual(
            numbers.map((number, i) => {
              const r = rows[i];
              return {
                fromNumber: number,
                firstName: r?.first,
                lastName: r?.last,
                photoUrl: r?.photo,
                ...(r?.display ? { displayName: r.display } : {}),
              };
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports each bad row by its line (the header is line 1) with the reason', () => {
    const text = [
      'first_name,number,last_name,photo_url',
      'Ada,+14155553000,Lovelace,https://example.com/a.jpg',
      'Bad,12,Number,https://example.com/b.jpg',
      'No,+14155553001,Photo,',
      'Plain,+14155553002,Http,http://example.com/c.jpg',
      'Again,(415) 555-3000,Ada,https://example.com/d.jpg',
      ',+14155553003,Nameless,https://example.com/e.jpg',
    ].join('\n');
    const { rows, problems } = readImport(text, 'US');
    expect(rows.map((row) => row.line)).toEqual([2]);
    expect(problems.map((problem) => problem.line)).toEqual([3, 4, 5, 6, 7]);
    expect(problems.map((problem) => problem.kind)).toEqual(['number', 'card', 'card', 'duplicate', 'card']);
    expect(problems[0]?.reason).toMatch(/not a valid phone number/);
    expect(problems[1]?.reason).toMatch(/photo's link/);
    expect(problems[2]?.reason).toMatch(/https/);
    expect(problems[3]?.reason).toMatch(/already on line 2/);
    expect(problems[4]?.reason).toMatch(/First name is required/);
  });

  it('refuses a file without the required columns on line 1, and a file that is not CSV', () => {
    expect(readImport('number,first_name\n+14155553000,Ada\n', 'US').problems).toEqual([
      { line: 1, kind: 'file', reason: expect.stringContaining('lacks last_name, photo_url') },
    ]);
    expect(
      readImport('number,first_name,last_name,photo_url\n"unclosed,Ada,B,https://x.example/a\n', 'US')
        .problems[0],
    ).toMatchObject({
      reason: expect.stringContaining('cannot be read as CSV'),
    });
  });
});

describe('import through the app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { CONTACTCARD_ADMINS: 'U0ALICE' }, lines: pool });
  });
  afterAll(() => app.stop());

  it('an export reads back through the importer with the same cards', async () => {
    const tricky = {
      firstName: '=SUM(A1)',
      lastName: "'quoted",
      displayName: '@here, "x"',
      photoUrl: 'https://example.com/t.jpg',
    };
    await app.services.store.rememberCard(pool[0] as string, tricky, 'U0ALICE');
    const exported = await app.exportAs('U0ALICE');
    const read = readImport(exported?.bytes?.toString('utf8') ?? '', 'US');
    expect(read.rows.find((row) => row.card.fromNumber === pool[0])?.card).toEqual({
      fromNumber: pool[0],
      ...tricky,
    });
  });

  it('file → preview with each bad line → Apply → the valid rows applied as one job, each its own card', async () => {
    await app.command('import');
    await app.settle();
    expect(JSON.stringify(app.slack.callsTo('views.open').at(-1)?.args.view)).toContain(ids.importModal);
    const uploadsBefore = app.slack.uploads.size;

    const csv = [
      'number,first_name,last_name,photo_url,display_name',
      `${pool[1]},Ada,One,https://example.com/1.jpg,`,
      `${pool[2]},Bea,Two,https://example.com/2.jpg,Bea at Acme`,
      'oops,Cy,Three,https://example.com/3.jpg,',
    ].join('\r\n');
    const file = app.slack.addFile('F0CSV', Buffer.from(csv), 'cards.csv', 'text/csv');
    const metadata = encodeMetadata({ channel: 'C0CHANNEL', responseUrl: app.slack.responseUrl('import') });
    const submit = (callback: string, privateMetadata: string, values: Record<string, unknown>) =>
      app.interact(
        viewSubmission({ id: 'VIMPORT', callback_id: callback, private_metadata: privateMetadata }, values),
      );
    const ack = await submit(ids.importModal, metadata, {
      [ids.importFile.block]: { [ids.importFile.input]: { type: 'file_input', files: [file] } },
    });
    expect(ack.text).toContain('Checking every row');
    await app.settle();
    const preview = app.slack.callsTo('views.update').at(-1)?.args.view as {
      private_metadata: string;
      submit?: { text: string };
    };
    expect(JSON.stringify(preview)).toContain('2 rows can be applied');
    expect(JSON.stringify(preview)).toContain('Line 4:');
    expect(preview.submit?.text).toBe('Apply 2 cards');
    // Every bad row is in the preview: no file of them is sent.
    expect(JSON.stringify(preview)).not.toContain('whole list');
    expect(app.slack.uploads.size).toBe(uploadsBefore);

    const before = app.sendblue.requests.length;
    await submit(ids.importPreview, preview.private_metadata, {});
    await app.settle();
    const posted = app.sendblue.requests
      .slice(before)
      .filter((r) => r.method === 'POST')
      .map((r) => r.body as Record<string, string>);
    expect(posted.map((body) => [body.fromNumber, body.firstName]).sort()).toEqual([
      [pool[1], 'Ada'],
      [pool[2], 'Bea'],
    ]);
    // Applying the same preview twice does nothing more.
    const again = await submit(ids.importPreview, preview.private_metadata, {});
    expect(again.text).toContain('already applied');
  });
  it('sums up thousands of bad rows by kind, the first lines of each, in a preview Slack accepts', async () => {
    const good = pool.slice(0, 3);
    const csv = [
      'number,first_name,last_name,photo_url',
      ...good.map((number, i) => `${number},Good,${i},https://example.com/${i}.jpg`),
      ...Array.from({ length: 2_000 }, (_, i) => `not-a-number-${i},Bad,Number,https://example.com/x.jpg`),
      ...Array.from({ length: 1_000 }, (_, i) => `${good[i % 3]},Twice,${i},https://example.com/y.jpg`),
      ...Array.from({ length: 500 }, () => `${good[0]},,Nameless,https://example.com/z.jpg`),
    ].join('\n');
    const uploadsBefore = app.slack.uploads.size;
    const file = app.slack.addFile('F0BIG', Buffer.from(csv), 'big.csv', 'text/csv');
    const metadata = encodeMetadata({ channel: 'C0CHANNEL', responseUrl: app.slack.responseUrl('big') });
    await app.interact(
      viewSubmission(
        { id: 'VIMPORTBIG', callback_id: ids.importModal, private_metadata: metadata },
        { [ids.importFile.block]: { [ids.importFile.input]: { type: 'file_input', files: [file] } } },
      ),
    );
    await app.settle();
    const call = app.slack.callsTo('views.update').at(-1);
    expect(call?.refusedFor).toBeUndefined();
    const preview = JSON.stringify(call?.args.view);
    expect(preview).toContain('3 rows can be applied.* 3500 cannot');
    expect(preview).toContain('Not a phone number: 2000');
    expect(preview).toContain('…and 1995 more lines');
    expect(preview).toContain('A number already on an earlier line: 1000');
    expect(preview).toContain('The card breaks a rule: 500');
    // The first lines of each kind, by their line in the file.
    expect(preview).toContain('*Line 5:*');
    expect(preview).not.toContain('*Line 10:*');
    expect(preview).toContain('*Line 2005:*');

    // The whole list, every bad row by line with its kind and reason, as a file in the submitter's DM.
    expect(preview).toContain('The whole list of rows that cannot be applied is in your direct messages');
    const sent = [...app.slack.uploads.values()].slice(uploadsBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.channel).toBe('D0ALICE');
    expect(sent[0]?.filename).toMatch(/^import-problems-\d{4}-\d{2}-\d{2}\.csv$/);
    const listed = parse(sent[0]?.bytes?.toString('utf8') ?? '', { bom: true, columns: true }) as Array<
      Record<string, string>
    >;
    expect(listed).toHaveLength(3_500);
    expect(listed.map((row) => Number(row.line))).toEqual(Array.from({ length: 3_500 }, (_, i) => i + 5));
    expect(listed[0]).toMatchObject({ line: '5', problem: 'Not a phone number' });
    expect(listed[2_000]).toMatchObject({ line: '2005', problem: 'A number already on an earlier line' });
    // A reason that starts like a formula (+1…) stays text in a spreadsheet, and reads back whole.
    expect(unescapeSpreadsheet(listed[2_000]?.reason ?? '')).toBe(
      `${good[0]} is already on line 2: one card a number.`,
    );
    expect(listed.at(-1)).toMatchObject({ problem: 'The card breaks a rule' });
  });
});
