import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { NumberRecord } from '../../adapters/store/types.js';
import { pictureOf } from '../../domain/card/picture.js';
import { noteMessage } from '../../slack/views/messages.js';
import { manageable } from './numbers.js';
import type { Audience, Delivery, Deps } from './ports.js';

/** The columns of an export; an import reads the first five (any order). */
export const exportColumns = [
  'number',
  'first_name',
  'last_name',
  'display_name',
  'photo_url',
  'status',
  'seen_at',
  'last_changed',
  'changed_by',
] as const;

// A cell a spreadsheet would run as a formula starts with one of these: a leading apostrophe keeps
// it text (as spreadsheets themselves write it). A value starting with an apostrophe and one of
// them gets one more, so reading takes exactly one off and nothing is lost; any other apostrophe
// is the value's own.
const needsApostrophe = /^'*[=+\-@\t\r]/;

export function spreadsheetSafe(value: string): string {
  return needsApostrophe.test(value) ? `'${value}` : value;
}

export function unescapeSpreadsheet(value: string): string {
  return value.startsWith("'") && needsApostrophe.test(value.slice(1)) ? value.slice(1) : value;
}

/**
 * Writes CSV records to a file as they come, so that only the record being written is in memory,
 * never the file: a BOM so that spreadsheets read it as UTF-8, CRLF as RFC 4180 has it, every cell
 * spreadsheet-safe. Resolves to the number of records written (the header is one).
 */
async function writeCsv(
  path: string,
  records: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
): Promise<number> {
  let written = 0;
  async function* safe() {
    for await (const record of records) {
      written += 1;
      yield record.map((cell) => spreadsheetSafe(cell));
    }
  }
  await pipeline(
    safe(),
    stringify({ bom: true, record_delimiter: 'windows', quoted_match: /[",\r\n]/ }),
    createWriteStream(path),
  );
  return written;
}

/**
 * A CSV file only this person gets, in their DM with the app: written to a temporary file record by
 * record, uploaded from it, then removed. Resolves to the upload's delivery and the data rows
 * (the header not counted).
 */
export async function sendCsvPrivately(
  deps: Pick<Deps, 'slack'>,
  userId: string,
  file: {
    filename: string;
    records: AsyncIterable<readonly string[]> | Iterable<readonly string[]>;
    comment: (rows: number) => string;
  },
): Promise<{ delivery: Delivery; rows: number }> {
  const folder = await mkdtemp(join(tmpdir(), 'contactcard-csv-'));
  try {
    const path = join(folder, file.filename);
    const rows = (await writeCsv(path, file.records)) - 1;
    const delivery = await deps.slack.uploadPrivately(userId, {
      filename: file.filename,
      path,
      comment: file.comment(rows),
    });
    return { delivery, rows };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// Numbers read from the store at once: a few hundred kilobytes of facts whatever the fleet's size.
const exportPageSize = 500;

const exportRow = ({ owners: _, ...facts }: NumberRecord): string[] => {
  const { card, status, seen } = pictureOf(facts);
  return [
    facts.number,
    card?.firstName ?? '',
    card?.lastName ?? '',
    card?.displayName ?? '',
    card?.photoUrl ?? '',
    status,
    seen?.at.toISOString() ?? '',
    facts.latest?.startedAt.toISOString() ?? '',
    facts.latest?.actorId ?? '',
  ];
};

/** The header, then the card of each number this person may manage, read a page at a time. */
async function* exportRecords(
  deps: Pick<Deps, 'access' | 'lines' | 'store'>,
  userId: string,
): AsyncGenerator<readonly string[]> {
  // Sorted and each once: every page is the next slice, read like a Home tab page.
  const numbers = await manageable(deps, userId);
  yield exportColumns;
  for (let start = 0; start < numbers.length; start += exportPageSize) {
    const page = numbers.slice(start, start + exportPageSize);
    for (const record of await deps.store.fleetPage(page, { offset: 0, limit: page.length }))
      yield exportRow(record);
  }
}

/** `/contactcard export`: the CSV goes only to the person who asked, in their DM with the app. */
export async function sendExport(deps: Deps, userId: string, audience: Audience): Promise<void> {
  const plural = (rows: number) => `${rows} number${rows === 1 ? '' : 's'}`;
  const { delivery, rows } = await sendCsvPrivately(deps, userId, {
    filename: `contactcards-${new Date().toISOString().slice(0, 10)}.csv`,
    records: exportRecords(deps, userId),
    comment: (rows) => `The cards of the ${plural(rows)} you may manage.`,
  });
  const text = delivery.ok
    ? `Your export of ${plural(rows)} is in your direct messages with contactcard.`
    : `The export could not be uploaded (${delivery.error}). Is the files:write scope granted? Ask an admin.`;
  await deps.slack.tellPrivately(audience, noteMessage(text), { replaceOriginal: true });
}
