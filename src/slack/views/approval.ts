import type { KnownBlock, ModalView } from '@slack/types';
import type { Approval, ProposedChange } from '../../adapters/store/types.js';
import { formatPhone } from '../../domain/phone.js';
import {
  actions,
  button,
  context,
  describeCard,
  type Message,
  mentionAll,
  message,
  section,
} from './blocks.js';
import { ids } from './ids.js';
import { escapeMrkdwn, limits, plain, slackDate, truncate } from './text.js';

// Each detailed number is one block; a message holds 50, with room for the rest.
const detailedNumbers = 10;
export const maxPendingShown = 10;
export const REJECT_REASON_MAX = 500;

function asked(approval: Approval): string {
  const [first] = approval.changes;
  const count = approval.changes.length;
  switch (approval.kind) {
    case 'set':
      return `set the contact card of *${formatPhone(first?.number ?? '')}*`;
    case 'delete':
      return `delete the contact card of *${formatPhone(first?.number ?? '')}*`;
    case 'bulk':
      return `apply one card to *${count} number${count === 1 ? '' : 's'}*`;
    case 'import':
      return `import *${count} card${count === 1 ? '' : 's'}* from a file`;
  }
}

/** One sentence naming the request: "<@U1> asks to set the contact card of +1 …". */
export function requestSummary(approval: Approval): string {
  return `<@${approval.requesterId}> asks to ${asked(approval)}`;
}

const shown = (value: string | null) => (value ? escapeMrkdwn(value) : '_none_');

function fieldDiff(label: string, before: string | null, after: string | null): string {
  return before === after
    ? `${label}: ${shown(after)}`
    : `${label}: ${shown(before)} → *${after ? escapeMrkdwn(after) : 'none'}*`;
}

/** Before → after, field by field; a deleted card says what it was. */
function changeText(change: ProposedChange): string {
  const phone = `*${formatPhone(change.number)}*`;
  const { before, after } = change;
  if (after === null) return `${phone}: the card is removed (it was ${describeCard(before)})`;
  const photo =
    before?.photoUrl === after.photoUrl
      ? 'Photo: unchanged'
      : after.photoUrl
        ? `Photo: *new* (<${after.photoUrl}|view>)`
        : 'Photo: *removed*';
  return [
    phone,
    fieldDiff('First name', before?.firstName ?? null, after.firstName),
    fieldDiff('Last name', before?.lastName ?? null, after.lastName),
    fieldDiff('Display name', before?.displayName ?? null, after.displayName),
    photo,
  ].join('\n');
}

function bodyBlocks(approval: Approval, withImage: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [section(`:raised_hand: *Approval needed.* ${requestSummary(approval)}.`)];
  for (const change of approval.changes.slice(0, detailedNumbers)) {
    const photoUrl = change.after?.photoUrl;
    const image =
      withImage && approval.changes.length === 1 && photoUrl
        ? ({ type: 'image', image_url: photoUrl, alt_text: 'The new photo' } as const)
        : undefined;
    blocks.push(section(changeText(change), image));
  }
  const rest = approval.changes.slice(detailedNumbers);
  if (rest.length > 0) {
    const list = rest.map((change) => formatPhone(change.number)).join(', ');
    blocks.push(context(truncate(`…and ${rest.length} more: ${list}`, limits.contextText)));
  }
  return blocks;
}

function decisionText(approval: Approval, outcome: string | undefined): string {
  const by = approval.decidedBy ? `<@${approval.decidedBy}>` : 'an admin';
  const when = approval.decidedAt ? ` ${slackDate(approval.decidedAt)}` : '';
  const after = outcome ? ` ${outcome}` : '';
  switch (approval.state) {
    case 'waiting':
      return `Requested ${slackDate(approval.createdAt)}; expires ${slackDate(approval.expiresAt)} if nobody decides.`;
    case 'approved':
      return `:white_check_mark: *Approved* by ${by}${when}.${after}`;
    case 'rejected':
      return `:no_entry_sign: *Rejected* by ${by}${when}: ${escapeMrkdwn(approval.reason ?? 'no reason given')}`;
    case 'superseded':
      return `:fast_forward: *Superseded* by a newer request (#${approval.supersededBy ?? '?'}); nothing was changed.`;
    case 'expired':
      return `:hourglass: *Expired* ${slackDate(approval.expiresAt)}: nobody decided in time; nothing was changed.`;
  }
}

/** The request as approvers see it: while it waits, with Approve and Reject; after, who decided and the outcome. */
export function approvalRequestMessage(
  approval: Approval,
  options: { withImage?: boolean; outcome?: string } = {},
): Message {
  const blocks = bodyBlocks(approval, options.withImage ?? true);
  blocks.push(context(decisionText(approval, options.outcome)));
  if (approval.state === 'waiting') blocks.push(approvalButtons(approval));
  const text =
    approval.state === 'waiting'
      ? `Approval needed: ${requestSummary(approval)}`
      : `${requestSummary(approval)}: ${approval.state}`;
  return message(text.replaceAll('*', ''), blocks);
}

function approvalButtons(approval: Approval) {
  const value = String(approval.id);
  return actions(
    button('Approve', ids.actions.approve, value, { style: 'primary' }),
    button('Reject…', ids.actions.reject, value, { style: 'danger' }),
  );
}

/** A private note about a request: its text is mrkdwn the builders made (mentions, dates), never escaped again. */
export function approvalNote(mrkdwn: string): Message {
  return message(mrkdwn.replaceAll('*', ''), [section(mrkdwn)]);
}

/** What the requester (and the modal) is told when a change waits. */
export function heldText(approval: Approval, approvers: readonly string[], duplicate: boolean): string {
  const who = approvers.length > 0 ? mentionAll(approvers) : 'an admin';
  return duplicate
    ? `:hourglass: This request (#${approval.id}) is already waiting for approval by ${who}; it was not asked again.`
    : `:hourglass: *Waiting for approval* by ${who} (request #${approval.id}). Nothing was sent to Sendblue yet; you will be told here when it is decided.`;
}

/** The bulk or import form's answer when the job must be approved first. */
export function jobHeldNotice(count: number, approvers: readonly string[]): string {
  return `:hourglass: *${count} number${count === 1 ? '' : 's'} will wait for approval* by ${mentionAll(approvers)}. Nothing is sent to Sendblue until an admin approves; you will be told where you ran the command. You can close this window.`;
}

/** What the requester is told when their waiting request ends without being applied. */
export function endedText(approval: Approval): string {
  const what = `Your request #${approval.id} to ${asked(approval)}`;
  switch (approval.state) {
    case 'rejected':
      return `:no_entry_sign: ${what} was rejected by <@${approval.decidedBy ?? '?'}>: ${escapeMrkdwn(approval.reason ?? 'no reason given')}`;
    case 'superseded':
      return `:fast_forward: ${what} was superseded by a newer request (#${approval.supersededBy ?? '?'}), and will not be applied.`;
    case 'expired':
      return `:hourglass: ${what} expired: no admin decided in time. Nothing was changed; ask again if it is still wanted.`;
    default:
      return `${what} was ${approval.state}.`;
  }
}

/** Told to an admin who clicks on a request that is no longer waiting. */
export function alreadyDecidedText(approval: Approval | undefined): string {
  if (approval === undefined) return 'That request for approval no longer exists.';
  if (approval.state === 'waiting') return `Request #${approval.id} is still waiting.`;
  return `Request #${approval.id} was already decided. ${decisionText(approval, undefined)}`;
}

/** `/contactcard pending`: what waits; admins get the buttons. */
export function pendingMessage(options: {
  approvals: readonly Approval[];
  total: number;
  asAdmin: boolean;
}): Message {
  if (options.total === 0) {
    const none = options.asAdmin
      ? 'Nothing is waiting for approval.'
      : 'None of your changes is waiting for approval.';
    return message(none, [section(`:white_check_mark: ${none}`)]);
  }
  const title = `${options.total} change${options.total === 1 ? '' : 's'} waiting for approval`;
  const blocks: KnownBlock[] = [section(`*${title}*`)];
  for (const approval of options.approvals.slice(0, maxPendingShown)) {
    const numbers = approval.changes.map((change) => formatPhone(change.number));
    const list = numbers.length > 3 ? `${numbers.slice(0, 3).join(', ')}, …` : numbers.join(', ');
    blocks.push(
      section(
        `*#${approval.id}* ${requestSummary(approval)} (${list}). Requested ${slackDate(approval.createdAt)}; expires ${slackDate(approval.expiresAt)}.`,
      ),
    );
    if (options.asAdmin) blocks.push(approvalButtons(approval));
  }
  if (options.total > maxPendingShown) {
    blocks.push(context(`…and ${options.total - maxPendingShown} newer ones; decide these first.`));
  }
  return message(title, blocks);
}

/** One history line for a request that touched this number. */
export function approvalHistoryLine(approval: Approval): string {
  const icon = {
    waiting: ':hourglass:',
    approved: ':ballot_box_with_check:',
    rejected: ':no_entry_sign:',
    superseded: ':fast_forward:',
    expired: ':hourglass:',
  }[approval.state];
  const decided = {
    waiting: 'waiting for approval',
    approved: `approved by <@${approval.decidedBy ?? '?'}>`,
    rejected: `rejected by <@${approval.decidedBy ?? '?'}>: ${escapeMrkdwn(approval.reason ?? '')}`,
    superseded: `superseded by request #${approval.supersededBy ?? '?'}`,
    expired: 'expired: nobody decided in time',
  }[approval.state];
  return `${icon} ${slackDate(approval.createdAt)} <@${approval.requesterId}> requested approval to ${asked(approval).replaceAll('*', '')} — ${decided}`;
}

/** Reject…: the reason the requester will be told. */
export function rejectModalView(metadata: { approvalId: number; channel: string }): ModalView {
  return {
    type: 'modal',
    callback_id: ids.rejectModal,
    title: plain('Reject the change', limits.modalTitle),
    submit: plain('Reject', limits.modalButton),
    close: plain('Cancel', limits.modalButton),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section(`Request #${metadata.approvalId}: the requester is told privately, with your reason.`),
      {
        type: 'input',
        block_id: ids.rejectReason.block,
        label: plain('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: ids.rejectReason.input,
          multiline: true,
          max_length: REJECT_REASON_MAX,
          placeholder: plain('For example: the photo is not our current logo'),
        },
      },
    ],
  };
}
