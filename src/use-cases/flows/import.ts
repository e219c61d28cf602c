import { CsvError, parse } from 'csv-parse/sync';
import type { CountryCode } from 'libphonenumber-js';
import { downloadSlackFile, type SlackFile } from '../../adapters/slack-files.js';
import { type ProfileInput, profileInputSchema } from '../../domain/card/rules.js';
import { parsePhone } from '../../domain/phone.js';
import { refusalText } from '../../slack/views/access-messages.js';
import {
  type ImportProblemKind,
  importPreviewView,
  problemHeadings,
  problemsOverflowPreview,
} from '../../slack/views/bulk.js';
import { sendCsvPrivately, unescapeSpreadsheet } from './csv.js';
import type { Deps } from './ports.js';

export interface ImportRow {
  /** The line of the file the row ends on (the header is line 1). */
  line: number;
  card: ProfileInput;
}

export interface ImportProblem {
  line: number;
  kind: ImportProblemKind;
  reason: string;
}

const required = ['number', 'first_name', 'last_name', 'photo_url'] as const;
const known = new Set<string>([
  ...required,
  'display_name',
  'status',
  'seen_at',
  'last_changed',
  'changed_by',
]);

/**
 * Reads an import file: a header naming the columns (any order; an export's extra columns are
 * ignored), UTF-8 with or without BOM, CRLF or LF, quoted fields. Every row is checked with the
 * card rules before anything is applied; a bad row is reported by its line, with the reason.
 */
export function readImport(
  text: string,
  region: CountryCode,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  let header: string[] = [];
  let missing: string[] = [];
  let records = 0;
  const rows: ImportRow[] = [];
  const rowProblems: ImportProblem[] = [];
  const firstLine = new Map<string, number>();
  try {
    // Each row is checked as it is parsed and then dropped: a file of thousands of rows never
    // holds all its parsed records at once (they would outlive young-generation GCs, by megabytes).
    parse(text, {
      bom: true,
      columns: (names: string[]) => {
        const columns = names.map((name) => name.trim().toLowerCase());
        header = [...new Set(columns)];
        missing = required.filter((column) => !header.includes(column));
        return columns;
      },
      skip_empty_lines: true,
      trim: true,
      on_record: (record: Record<string, string>, { lines }) => {
        records += 1;
        if (missing.length === 0) checkRow(record, lines, region, { rows, problems: rowProblems, firstLine });
        return null;
      },
    });
  } catch (error) {
    const line = error instanceof CsvError ? Number((error as CsvError & { lines?: number }).lines ?? 1) : 1;
    return {
      rows: [],
      problems: [
        {
          line,
          kind: 'file',
          reason: `The file cannot be read as CSV: ${(error as Error).message.split('\n')[0]}`,
        },
      ],
    };
  }
  if (records === 0)
    return {
      rows: [],
      problems: [{ line: 1, kind: 'file', reason: 'The file has no rows under its header.' }],
    };
  if (missing.length > 0) {
    return {
      rows: [],
      problems: [
        {
          line: 1,
          kind: 'file',
          reason: `The header lacks ${missing.join(', ')} (it needs number, first_name, last_name, photo_url and may have display_name).`,
        },
      ],
    };
  }
  const unknown = header.filter((column) => !known.has(column));
  const problems: ImportProblem[] =
    unknown.length > 0
      ? [
          {
            line: 1,
            kind: 'file',
            reason: `Unknown column${unknown.length > 1 ? 's' : ''} ignored: ${unknown.join(', ')}.`,
          },
        ]
      : [];
  return { rows, problems: [...problems, ...rowProblems] };
}

/** One row of an import, checked with the card rules: a row to apply, or a problem on its line. */
function checkRow(
  record: Record<string, string>,
  line: number,
  region: CountryCode,
  into: { rows: ImportRow[]; problems: ImportProblem[]; firstLine: Map<string, number> },
): void {
  const cell = (column: string) => unescapeSpreadsheet(record[column] ?? '');
  const phone = parsePhone(cell('number'), region);
  if (!phone.ok) {
    into.problems.push({ line, kind: 'number', reason: phone.error });
    return;
  }
  const parsed = profileInputSchema.safeParse({
    fromNumber: phone.e164,
    firstName: cell('first_name'),
    lastName: cell('last_name'),
    photoUrl: cell('photo_url'),
    displayName: cell('display_name'),
  });
  if (!parsed.success) {
    into.problems.push({
      line,
      kind: 'card',
      reason: parsed.error.issues.map((issue) => issue.message).join('; '),
    });
    return;
  }
  const earlier = into.firstLine.get(phone.e164);
  if (earlier !== undefined) {
    into.problems.push({
      line,
      kind: 'duplicate',
      reason: `${phone.e164} is already on line ${earlier}: one card a number.`,
    });
    return;
  }
  into.firstLine.set(phone.e164, line);
  into.rows.push({ line, card: parsed.data });
}

/**
 * After the import form's ack: the CSV downloaded from Slack (bot token, Slack's host only), read,
 * each row's rights checked, a draft job recorded, and the open modal turned into the preview.
 */
export async function previewImport(
  deps: Deps,
  request: { file: SlackFile; userId: string; channel: string; viewId: string },
): Promise<void> {
  const downloaded = await downloadSlackFile(
    request.file,
    deps.config.slack.botToken,
    deps.config.slack.apiUrl,
  );
  const { rows, problems } = downloaded.ok
    ? readImport(downloaded.bytes.toString('utf8'), deps.config.defaultRegion)
    : { rows: [], problems: [{ line: 1, kind: 'file' as const, reason: downloaded.reason }] };
  const allowed: ImportRow[] = [];
  for (const row of rows) {
    const decision = await deps.access.decide('set', request.userId, row.card.fromNumber);
    if (decision.allowed) allowed.push(row);
    else problems.push({ line: row.line, kind: 'refused', reason: refusalText(decision.refusal) });
  }
  problems.sort((a, b) => a.line - b.line);
  const job =
    allowed.length > 0
      ? await deps.bulk.prepare({
          actorId: request.userId,
          channel: request.channel,
          cards: Object.fromEntries(
            allowed.map(({ card }) => [
              card.fromNumber,
              {
                firstName: card.firstName,
                lastName: card.lastName,
                displayName: card.displayName ?? null,
                photoUrl: card.photoUrl,
              },
            ]),
          ),
        })
      : undefined;
  const wholeList = problemsOverflowPreview(problems)
    ? await sendProblems(deps, request.userId, problems)
    : undefined;
  const view = importPreviewView({ jobId: job?.id, valid: allowed.length, problems, wholeList });
  const delivery = await deps.slack.updateModal(request.viewId, view);
  if (!delivery.ok) deps.log.info(`import preview not shown (${delivery.error})`);
}

/** Every bad row of an import, by line, as a CSV file in the person's DM: the preview shows only the first of each kind. */
async function sendProblems(
  deps: Deps,
  userId: string,
  problems: readonly ImportProblem[],
): Promise<{ sent: true } | { sent: false; error: string }> {
  const { delivery } = await sendCsvPrivately(deps, userId, {
    filename: `import-problems-${new Date().toISOString().slice(0, 10)}.csv`,
    records: [
      ['line', 'problem', 'reason'],
      ...problems.map((problem) => [String(problem.line), problemHeadings[problem.kind], problem.reason]),
    ],
    comment: (rows) => `The ${rows} rows of your import file that cannot be applied, and why.`,
  });
  return delivery.ok ? { sent: true } : { sent: false, error: delivery.error };
}
