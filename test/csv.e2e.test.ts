import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportColumns, spreadsheetSafe, unescapeSpreadsheet } from '../src/use-cases/flows/csv.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// /contactcard export through the real app: a CSV of the caller's numbers, uploaded privately
// (files.getUploadURLExternal, the upload, files.completeUploadExternal to their DM), safe to open in
// a spreadsheet and lossless.

const admin = 'U0ADMIN';
const owner = 'U0OWNER';
const numbers = ['+14155551234', '+14155550100'];
const tricky = {
  firstName: '=HYPERLINK("http://evil")',
  lastName: 'Smith, "Jr."',
  displayName: '+1 line\nbreak',
  photoUrl: 'https://example.com/a.jpg',
};

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: admin }, lines: numbers });
  await app.services.store.rememberCard(numbers[0] as string, tricky, admin);
  await app.services.store.rememberCard(
    numbers[1] as string,
    { firstName: '@ana', lastName: '-dash', displayName: null, photoUrl: 'https://example.com/b.jpg' },
    admin,
  );
  await app.services.store.assign(numbers[1] as string, owner, admin);
});
afterAll(() => app.stop());

async function exportAs(user: string) {
  const upload = await app.exportAs(user);
  return {
    upload,
    rows: parse(upload?.bytes?.toString('utf8') ?? '', { bom: true, columns: true }) as Array<
      Record<string, string>
    >,
  };
}

describe('export', () => {
  it('uploads a CSV of every number an admin manages to their DM, safe in a spreadsheet, and lossless', async () => {
    const { upload, rows } = await exportAs(admin);
    expect(upload?.channel).toBe('D0ADMIN');
    expect(upload?.filename).toMatch(/^contactcards-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(Object.keys(rows[0] ?? {})).toEqual([...exportColumns]);
    // E.164 numbers start with + and so are kept as text too.
    expect(rows.map((row) => unescapeSpreadsheet(row.number ?? ''))).toEqual([...numbers].sort());
    const first = rows.find((row) => unescapeSpreadsheet(row.number ?? '') === numbers[0]);
    // No cell starts with what a spreadsheet would run as a formula…
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@]/);
    // …and taking the apostrophe off gives back exactly what was stored.
    expect(unescapeSpreadsheet(first?.first_name ?? '')).toBe(tricky.firstName);
    expect(first?.last_name).toBe(tricky.lastName);
    expect(unescapeSpreadsheet(first?.display_name ?? '')).toBe(tricky.displayName);
    const told = app.slack.responsePosts.filter((post) => post.path === '/response/export-U0ADMIN');
    expect(JSON.stringify(told)).toContain('is in your direct messages');
  });

  it('gives an owner only their numbers', async () => {
    const { rows } = await exportAs(owner);
    expect(rows.map((row) => unescapeSpreadsheet(row.number ?? ''))).toEqual([numbers[1]]);
    expect(unescapeSpreadsheet(rows[0]?.first_name ?? '')).toBe('@ana');
  });

  it('escapes and unescapes any text exactly', () => {
    for (const value of ['=1+1', '+x', '-y', '@z', '\tt', "'=kept", "''+x", "'plain", 'plain', '', "'"]) {
      expect(unescapeSpreadsheet(spreadsheetSafe(value))).toBe(value);
    }
  });
});

describe('an export of a large fleet', () => {
  // More numbers than a dozen pages of the store hold, so that the page boundaries are crossed.
  const fleet = Array.from({ length: 6_000 }, (_, i) => `+1628555${String(i).padStart(4, '0')}`);
  let large: TestApp;
  beforeAll(async () => {
    large = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_SYNC_CONCURRENCY: '0', LOG_LEVEL: 'error' },
      lines: fleet,
    });
    for (const [i, number] of fleet.entries()) {
      if (i % 7 === 0)
        await large.services.store.rememberCard(
          number,
          { firstName: `First${i}`, lastName: 'Fleet', displayName: null, photoUrl: null },
          admin,
        );
    }
  }, 60_000);
  afterAll(() => large?.stop());

  it('lists every number once, in number order, each with its own card', async () => {
    const upload = await large.exportAs(admin);
    const rows = parse(upload?.bytes?.toString('utf8') ?? '', { bom: true, columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((row) => unescapeSpreadsheet(row.number ?? ''))).toEqual(fleet);
    for (const [i, row] of rows.entries()) {
      expect(row.first_name).toBe(i % 7 === 0 ? `First${i}` : '');
      expect(row.status).toBe(i % 7 === 0 ? 'submitted' : 'not read yet');
    }
    const told = large.slack.responsePosts.filter((post) => post.path === `/response/export-${admin}`);
    expect(JSON.stringify(told)).toContain(`Your export of ${fleet.length} numbers`);
  }, 60_000);
});
