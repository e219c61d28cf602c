import type { KnownBlock, ModalView } from '@slack/types';
import { type CardStatus, statuses } from '../../domain/card/picture.js';
import { DISPLAY_NAME_MAX_LENGTH } from '../../domain/card/rules.js';
import { formatPhone } from '../../domain/phone.js';
import { actions, button, context, type Message, message, section } from './blocks.js';
import { textInput } from './card-modal.js';
import { ids } from './ids.js';
import { encodeMetadata, type ModalMetadata } from './metadata.js';
import { capitalised, escapeMrkdwn, limits, plain, truncate } from './text.js';

/** Where a number of a bulk job is: not started, running, or how it ended. */
export type BulkItem =
  | { status: 'waiting' | 'running' | 'done' | 'cancelled' | 'not applied' }
  | { status: 'failed'; reason: string };

// A multi_static_select holds at most 100 options; larger fleets paste numbers, or take all of
// them (of one status, if chosen).
const maxChoices = 100;
// Slack's longest plain_text_input: about 200 pasted numbers.
const maxPasted = 3000;
// The numbers named in an error, so that it stays short.
const namedInError = 5;
// Failures listed in the final message, in sections of at most 3000 characters, within 50 blocks.
const maxListedFailures = 200;

/** Which numbers, and one card for all of them (the editor's fields and rules). */
export function bulkModalView(options: { metadata: ModalMetadata; choices: readonly string[] }): ModalView {
  const { choices } = options;
  const blocks: KnownBlock[] = [
    section(`One card for many numbers: each number is checked, recorded and applied on its own.`),
  ];
  if (choices.length > 0 && choices.length <= maxChoices) {
    blocks.push({
      type: 'input',
      block_id: ids.bulk.numbersBlock,
      optional: true,
      label: plain('Numbers'),
      element: {
        type: 'multi_static_select',
        action_id: ids.bulk.numbers,
        placeholder: plain('Choose numbers'),
        options: choices.map((number) => ({ text: plain(formatPhone(number), 75), value: number })),
      },
    });
  } else if (choices.length > maxChoices) {
    blocks.push({
      type: 'input',
      block_id: ids.bulk.pasteBlock,
      optional: true,
      label: plain('Numbers'),
      hint: plain(`Paste numbers, one a line or separated by commas (too many to list: ${choices.length}).`),
      element: {
        type: 'plain_text_input',
        action_id: ids.bulk.paste,
        multiline: true,
        max_length: maxPasted,
        placeholder: plain('+1 415 555 1234'),
      },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: ids.bulk.allBlock,
      optional: true,
      label: plain('Or'),
      element: {
        type: 'checkboxes',
        action_id: ids.bulk.all,
        options: [{ text: plain(`All the numbers you may manage (${choices.length})`, 75), value: 'all' }],
      },
    },
    {
      type: 'input',
      block_id: ids.bulk.statusBlock,
      optional: true,
      label: plain('Of all of them, only'),
      hint: plain('Leave empty for every number; a status takes only the numbers that have it now.'),
      element: {
        type: 'static_select',
        action_id: ids.bulk.status,
        placeholder: plain('Any status'),
        options: statuses.map((status) => ({ text: plain(capitalised(status), 75), value: status })),
      },
    },
    textInput(ids.blocks.firstName, ids.inputs.firstName, 'First name', undefined),
    textInput(ids.blocks.lastName, ids.inputs.lastName, 'Last name', undefined),
    {
      type: 'input',
      block_id: ids.blocks.photoUrl,
      label: plain('Photo URL'),
      hint: plain('A public https link to a JPEG or PNG, the same for every number.'),
      element: { type: 'url_text_input', action_id: ids.inputs.photoUrl },
    },
    textInput(
      ids.blocks.displayName,
      ids.inputs.displayName,
      'Display name',
      undefined,
      'Optional, shown alongside the card',
      DISPLAY_NAME_MAX_LENGTH,
    ),
  );
  return {
    type: 'modal',
    callback_id: ids.bulkModal,
    title: plain('Bulk change', limits.modalTitle),
    submit: plain('Apply to all', limits.modalButton),
    close: plain('Cancel', limits.modalButton),
    private_metadata: encodeMetadata(options.metadata),
    blocks,
  };
}

/** Why the numbers of a bulk form cannot be taken, said where they were chosen. */
export const bulkNumberErrors = {
  none: 'Choose at least one number, or all of them.',
  noneOfStatus: (status: CardStatus) => `None of your numbers is ${status} now.`,
  unreadable: (pieces: readonly string[]) =>
    `Not phone numbers: ${namedList(pieces.map((piece) => `“${piece.slice(0, 30)}”`))}.`,
  notYours: (numbers: readonly string[]) =>
    `Not numbers you may manage: ${namedList(numbers.map(formatPhone))}.`,
};

function namedList(items: readonly string[]): string {
  const named = items.slice(0, namedInError).join(', ');
  return items.length > namedInError ? `${named} and ${items.length - namedInError} more` : named;
}

export interface BulkProgress {
  jobId: number;
  actorId: string;
  card: { firstName: string | null; lastName: string | null; displayName: string | null };
  items: ReadonlyMap<string, BulkItem>;
  /** running, or how the job ended. */
  state: 'running' | 'done' | 'cancelled' | 'interrupted';
}

function countsOf(items: ReadonlyMap<string, BulkItem>) {
  const counts: Record<string, number> = {};
  for (const item of items.values()) counts[item.status] = (counts[item.status] ?? 0) + 1;
  return counts;
}

/** The job's one message where it was started, updated in place; the final version lists each failure. */
export function bulkProgressMessage(progress: BulkProgress): Message {
  const counts = countsOf(progress.items);
  const names = escapeMrkdwn([progress.card.firstName, progress.card.lastName].filter(Boolean).join(' '));
  const heading = {
    running: `:arrows_counterclockwise: *Bulk change by <@${progress.actorId}>*: ${names} on ${progress.items.size} numbers`,
    done: `:white_check_mark: *Bulk change by <@${progress.actorId}> finished*: ${names} on ${progress.items.size} numbers`,
    cancelled: `:octagonal_sign: *Bulk change by <@${progress.actorId}> cancelled*: ${names}`,
    interrupted: `:warning: *Bulk change by <@${progress.actorId}> interrupted by a restart*: ${names}`,
  }[progress.state];
  const tally = ['done', 'failed', 'running', 'waiting', 'cancelled', 'not applied']
    .filter((status) => counts[status])
    .map((status) => `${counts[status]} ${status}`)
    .join(' · ');
  const blocks: KnownBlock[] = [section(`${heading}\n${tally}`)];
  const failed = [...progress.items].filter(
    (entry): entry is [string, BulkItem & { status: 'failed' }] => entry[1].status === 'failed',
  );
  const skipped = [...progress.items].filter(
    ([, item]) => item.status === 'not applied' || item.status === 'cancelled',
  );
  if (progress.state !== 'running') {
    const lines = [
      ...failed.map(([number, item]) => `:x: ${formatPhone(number)}: ${escapeMrkdwn(item.reason)}`),
      ...skipped.map(([number, item]) => `:white_circle: ${formatPhone(number)}: ${item.status}`),
    ];
    let chunk = '';
    for (const line of lines.slice(0, maxListedFailures)) {
      if (chunk && chunk.length + line.length + 1 > limits.sectionText) {
        blocks.push(section(chunk));
        chunk = line;
      } else chunk = chunk ? `${chunk}\n${line}` : line;
    }
    if (chunk) blocks.push(section(chunk));
    if (lines.length > maxListedFailures)
      blocks.push(context(`…and ${lines.length - maxListedFailures} more.`));
    if (failed.length + skipped.length > 0) {
      blocks.push(
        actions(
          button('Retry the failed ones', ids.actions.bulkRetry, String(progress.jobId), {
            style: 'primary',
          }),
        ),
      );
    }
  } else {
    blocks.push(
      actions(button('Cancel', ids.actions.bulkCancel, String(progress.jobId), { style: 'danger' })),
    );
  }
  return message(`Bulk change: ${tally}`, blocks.slice(0, limits.messageBlocks));
}

/** The one notice a bulk job leaves in the notify channel. */
export function bulkNotice(progress: BulkProgress): Message {
  const counts = countsOf(progress.items);
  const text = `<@${progress.actorId}> applied one card (${escapeMrkdwn([progress.card.firstName, progress.card.lastName].filter(Boolean).join(' '))}) to ${counts.done ?? 0} of ${progress.items.size} numbers${counts.failed ? `; ${counts.failed} failed` : ''}.`;
  return message(text, [section(`:package: ${text}`)]);
}

/** `/contactcard import`: the CSV file, and what it must hold. */
export function importModalView(metadata: ModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ids.importModal,
    title: plain('Import cards', limits.modalTitle),
    submit: plain('Check the file', limits.modalButton),
    close: plain('Cancel', limits.modalButton),
    private_metadata: encodeMetadata(metadata),
    blocks: [
      section(
        'A CSV with a header row naming its columns, in any order: `number`, `first_name`, `last_name`, `photo_url` and, optionally, `display_name` (an export from `/contactcard export` works as it is). Every row is checked before anything is applied.',
      ),
      {
        type: 'input',
        block_id: ids.importFile.block,
        label: plain('CSV file'),
        element: {
          type: 'file_input',
          action_id: ids.importFile.input,
          filetypes: ['csv', 'txt'],
          max_files: 1,
        },
      },
    ],
  };
}

/** What is wrong with a row (or the file), so that thousands of bad rows can be summed up by kind. */
export type ImportProblemKind = 'file' | 'number' | 'card' | 'duplicate' | 'refused';

export const problemHeadings: Record<ImportProblemKind, string> = {
  file: 'About the file',
  number: 'Not a phone number',
  card: 'The card breaks a rule',
  duplicate: 'A number already on an earlier line',
  refused: 'Not a number you may change',
};
// The first bad rows of each kind: enough to see what to fix, short enough for any number of rows.
const shownPerKind = 5;
const maxReasonLength = 400;

/** True when the preview cannot show every bad row: the whole list is then sent as a file. */
export function problemsOverflowPreview(problems: ReadonlyArray<{ kind: ImportProblemKind }>): boolean {
  const ofKind = new Map<ImportProblemKind, number>();
  for (const { kind } of problems) ofKind.set(kind, (ofKind.get(kind) ?? 0) + 1);
  return [...ofKind.values()].some((count) => count > shownPerKind);
}

/**
 * What the file holds: how many rows are valid, and the bad ones summed up by kind (how many, and
 * the first lines of each), so that thousands of bad rows stay within Block Kit's limits.
 */
export function importPreviewView(options: {
  jobId: number | undefined;
  valid: number;
  problems: ReadonlyArray<{ line: number; kind: ImportProblemKind; reason: string }>;
  /** Where the whole list of bad rows went, when the preview shows only the first of each kind. */
  wholeList?: { sent: true } | { sent: false; error: string };
}): ModalView {
  const blocks: KnownBlock[] = [
    section(
      `*${options.valid} row${options.valid === 1 ? '' : 's'} can be applied.*${options.problems.length > 0 ? ` ${options.problems.length} cannot:` : ''}`,
    ),
  ];
  for (const kind of Object.keys(problemHeadings) as ImportProblemKind[]) {
    const ofKind = options.problems.filter((problem) => problem.kind === kind);
    if (ofKind.length === 0) continue;
    const lines = ofKind
      .slice(0, shownPerKind)
      .map((problem) => `*Line ${problem.line}:* ${escapeMrkdwn(truncate(problem.reason, maxReasonLength))}`);
    const more = ofKind.length - shownPerKind;
    if (more > 0) lines.push(`_…and ${more} more line${more === 1 ? '' : 's'}_`);
    blocks.push(section(`*${problemHeadings[kind]}: ${ofKind.length}*\n${lines.join('\n')}`));
  }
  if (options.wholeList)
    blocks.push(
      context(
        options.wholeList.sent
          ? 'The whole list of rows that cannot be applied is in your direct messages with contactcard, as a CSV file.'
          : `The whole list of rows that cannot be applied could not be sent to you (${escapeMrkdwn(options.wholeList.error)}).`,
      ),
    );
  const canApply = options.jobId !== undefined && options.valid > 0;
  return {
    type: 'modal',
    callback_id: ids.importPreview,
    title: plain('Import cards', limits.modalTitle),
    close: plain(canApply ? 'Cancel' : 'Close', limits.modalButton),
    ...(canApply
      ? { submit: plain(`Apply ${options.valid} card${options.valid === 1 ? '' : 's'}`, limits.modalButton) }
      : {}),
    private_metadata: JSON.stringify({ job: options.jobId ?? null }),
    blocks,
  };
}
