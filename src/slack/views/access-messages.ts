import type { KnownBlock } from '@slack/types';
import { type Approval, type ChangeEntry, OUTSIDE_ACTOR } from '../../adapters/store/types.js';
import type { Refusal } from '../../domain/access/access.js';
import type { ProfileState } from '../../domain/card/records.js';
import { formatPhone } from '../../domain/phone.js';
import { approvalHistoryLine } from './approval.js';
import {
  button,
  cardFields,
  context,
  describeCard,
  editButton,
  type Message,
  mentionAll,
  message,
  section,
} from './blocks.js';
import { ids } from './ids.js';
import { escapeMrkdwn, limits, slackDate } from './text.js';

/** Every refusal in one sentence pair: why, and who can help. */
export function refusalText(refusal: Refusal): string {
  const help =
    refusal.helpers.length > 0
      ? `Ask ${mentionAll(refusal.helpers)}.`
      : 'No admin is configured: set CONTACTCARD_ADMINS.';
  return `${escapeMrkdwn(refusal.reason)} ${help}`;
}

/** A private refusal that names who can help. */
export function refusalMessage(refusal: Refusal): Message {
  return message(refusalText(refusal), [section(`:no_entry: ${refusalText(refusal)}`)]);
}

export function assignmentMessage(options: {
  number: string;
  actorId: string;
  userIds: readonly string[];
  assigned: boolean;
  at: Date;
}): Message {
  const phone = formatPhone(options.number);
  const whom = mentionAll(options.userIds);
  const text = options.assigned
    ? `<@${options.actorId}> assigned ${phone} to ${whom}`
    : `<@${options.actorId}> removed ${whom} from ${phone}`;
  const detail = options.assigned
    ? `${whom} can now change its contact card.`
    : 'They can no longer change its card.';
  return message(text, [section(`:busts_in_silhouette: ${text} ${slackDate(options.at)}. ${detail}`)]);
}

export interface ListedNumber {
  number: string;
  owners: readonly string[];
  /** The card as Sendblue reports it, or why it could not be read. */
  state: { ok: true; card: ProfileState } | { ok: false; error: string };
}

// Each number takes two blocks; a message holds 50, with room for the header and sandbox notice.
export const maxListedNumbers = 20;

export function listMessage(options: {
  numbers: readonly ListedNumber[];
  showOwners: boolean;
  total: number;
}): Message {
  if (options.total === 0) {
    return message('You manage no number yet', [
      section('You manage no number yet. An admin can assign one: `/contactcard assign <number> @you`.'),
    ]);
  }
  const blocks: KnownBlock[] = [section(`*Numbers you can manage* (${options.total})`)];
  for (const listed of options.numbers.slice(0, maxListedNumbers)) {
    const phone = formatPhone(listed.number);
    const { state } = listed;
    const card = !state.ok
      ? `_could not read the card: ${escapeMrkdwn(state.error)}_`
      : state.card.hasProfile
        ? cardFields(state.card).replaceAll('\n', ' · ')
        : '_no contact card_';
    const owners = options.showOwners ? `\nOwners: ${mentionAll(listed.owners)}` : '';
    blocks.push(section(`*${phone}*\n${card}${owners}`, editButton(listed.number)));
  }
  if (options.total > maxListedNumbers) {
    blocks.push(
      context(`…and ${options.total - maxListedNumbers} more. Use \`/contactcard show <number>\`.`),
    );
  }
  return message(`Numbers you can manage (${options.total})`, blocks);
}

const outcomeIcon = {
  ok: ':white_check_mark:',
  failed: ':x:',
  pending: ':hourglass:',
  unknown: ':grey_question:',
};

function describeEntry(entry: ChangeEntry): string {
  const what = {
    set: `set the card to ${describeCard(entry.after)}`,
    delete: 'deleted the card',
    assign: `assigned it to <@${entry.subject ?? '?'}>`,
    unassign: entry.subject ? `removed <@${entry.subject}>` : 'removed every owner',
  }[entry.action];
  const result =
    entry.outcome === 'failed'
      ? ` — failed${entry.status ? ` (${entry.status})` : ''}: ${escapeMrkdwn(entry.message ?? '')}`
      : entry.outcome === 'unknown'
        ? ' — outcome unknown: the app stopped before Sendblue answered; check the card'
        : entry.outcome === 'pending'
          ? ' — in progress'
          : '';
  const took = entry.durationMs === null ? '' : ` in ${(entry.durationMs / 1000).toFixed(1)} s`;
  const who = entry.actorId === OUTSIDE_ACTOR ? 'Someone outside contactcard' : `<@${entry.actorId}>`;
  return `${outcomeIcon[entry.outcome]} ${slackDate(entry.startedAt)} ${who} ${what}${result}${took}`;
}

/** A change whose card can be put back with one submission: a successful set. */
function restorable(entry: ChangeEntry): boolean {
  return entry.action === 'set' && entry.outcome === 'ok' && entry.after !== null;
}

/** The Restore button's value: the number and the change, both checked again when clicked. */
function encodeRestore(entry: ChangeEntry): string {
  return JSON.stringify({ number: entry.number, change: entry.id });
}

export function historyMessage(options: {
  number: string;
  entries: readonly ChangeEntry[];
  /** Requests for approval that touched the number (CONTACTCARD_APPROVAL). */
  approvals?: readonly Approval[];
}): Message {
  const phone = formatPhone(options.number);
  const approvals = options.approvals ?? [];
  if (options.entries.length === 0 && approvals.length === 0) {
    return message(`No recorded changes for ${phone}`, [section(`No recorded changes for *${phone}*.`)]);
  }
  // Newest first, changes and requests together; each card that can be put back has its own Restore button.
  const lines = [
    ...options.entries.map((entry) => ({ at: entry.startedAt, block: entryBlock(entry) })),
    ...approvals.map((approval) => ({
      at: approval.createdAt,
      block: section(approvalHistoryLine(approval)),
    })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());
  const blocks: KnownBlock[] = [section(`*Last ${options.entries.length} changes to ${phone}*`)];
  for (const line of lines.slice(0, limits.messageBlocks - 2)) blocks.push(line.block);
  return message(`Last changes to ${phone}`, blocks);
}

function entryBlock(entry: ChangeEntry): KnownBlock {
  const restore = restorable(entry)
    ? button('Restore', ids.actions.restore, encodeRestore(entry), {
        accessibility_label: 'Open the editor with this card filled in',
      })
    : undefined;
  return section(describeEntry(entry), restore);
}
