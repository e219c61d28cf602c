import { stringify } from 'csv-stringify/sync';
import type { Deps } from '../deps.js';
import { noteMessage } from '../views/messages.js';
import { manageable } from './numbers.js';
import { picturesOf } from './pictures.js';
import type { Audience } from './ports.js';

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

/** The CSV of the cards of the numbers this person may manage. */
export async function exportCsv(
  deps: Pick<Deps, 'access' | 'lines' | 'store'>,
  userId: string,
): Promise<{ csv: string; rows: number }> {
  const pictures = await picturesOf(deps, await manageable(deps, userId));
  const rows = pictures.map(({ number, card, status, seen, latest }) =>
    [
      number,
      card?.firstName ?? '',
      card?.lastName ?? '',
      card?.displayName ?? '',
      card?.photoUrl ?? '',
      status,
      seen?.at.toISOString() ?? '',
      latest?.startedAt.toISOString() ?? '',
      latest?.actorId ?? '',
    ].map((cell) => spreadsheetSafe(cell)),
  );
  // A BOM so that spreadsheets read the file as UTF-8; CRLF as RFC 4180 has it.
  const csv = `\ufeff${stringify([[...exportColumns], ...rows], { record_delimiter: 'windows', quoted_match: /[",\r\n]/ })}`;
  return { csv, rows: rows.length };
}

/** `/contactcard export`: the CSV goes only to the person who asked, in their DM with the app. */
export async function sendExport(deps: Deps, userId: string, audience: Audience): Promise<void> {
  const { csv, rows } = await exportCsv(deps, userId);
  const uploaded = await deps.slack.uploadPrivately(userId, {
    filename: `contactcards-${new Date().toISOString().slice(0, 10)}.csv`,
    content: csv,
    comment: `The cards of the ${rows} number${rows === 1 ? '' : 's'} you may manage.`,
  });
  const text = uploaded.ok
    ? `Your export of ${rows} number${rows === 1 ? '' : 's'} is in your direct messages with contactcard.`
    : `The export could not be uploaded (${uploaded.error}). Is the files:write scope granted? Ask an admin.`;
  await deps.slack.tellPrivately(audience, noteMessage(text), { replaceOriginal: true });
}
