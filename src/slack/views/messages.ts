import type { ContextBlock, KnownBlock } from '@slack/types';
import type { CardSnapshot, ObservedCard } from '../../adapters/store/types.js';
import type { ProfileState } from '../../domain/card/records.js';
import type { CardDraft, ProfileInput } from '../../domain/card/rules.js';
import { formatPhone } from '../../domain/phone.js';
import {
  actions,
  button,
  cardFields,
  context,
  deleteButton,
  describeCard,
  editButton,
  type Message,
  message,
  section,
} from './blocks.js';
import type { Explanation } from './explain.js';
import { ids } from './ids.js';
import { escapeMrkdwn, limits, slackDate, truncate } from './text.js';

export type { CardDraft, Message };

export function helpMessage(options: {
  problem?: string;
  /** Who manages every number; an empty list means open mode. Omitted for short usage replies. */
  access?: { openMode: boolean; admins: readonly string[] };
  /** Whether the editor offers photo uploads (CONTACTCARD_PUBLIC_URL is set). */
  uploads?: boolean;
}): Message {
  const usage = [
    '*`/contactcard set [number]`*: open the card editor, e.g. `/contactcard set +1 415 555 1234`',
    '*`/contactcard show [number]`* (or `status`): see a number’s current card, e.g. `/contactcard show (415) 555-1234`',
    '*`/contactcard delete [number]`* (or `remove`): remove a number’s card, e.g. `/contactcard delete +1 415 555 1234`',
    '*`/contactcard list`*: the numbers you can manage, with their cards',
    '*`/contactcard bulk`*: one card for many numbers at once, with progress and Retry',
    '*`/contactcard import`*: cards from a CSV file, checked row by row before anything is applied',
    '*`/contactcard export`*: a CSV of the cards of your numbers, sent to you privately',
    '*`/contactcard history [number]`*: the last 10 changes to a number, e.g. `/contactcard history +1 415 555 1234`',
    '*`/contactcard pending`*: changes waiting for an admin’s approval (admins: all of them, with Approve and Reject)',
    '*`/contactcard assign <number> @person`* (admins): let someone manage a number, e.g. `/contactcard assign +1 415 555 1234 @jane`',
    '*`/contactcard unassign <number> [@person]`* (admins): take it back from one person, or from everyone',
    '*`/contactcard help`*: this message',
    'In Workflow Builder: the steps *Set a contact card* and *Read a contact card* (see the README)',
  ].join('\n');
  const blocks: KnownBlock[] = [];
  if (options.problem) blocks.push(section(`:warning: ${escapeMrkdwn(options.problem)}`));
  blocks.push(
    section(
      'contactcard manages the iMessage *Name & Photo Sharing* card of your Sendblue numbers: ' +
        'the name and photo customers see.',
    ),
    section(usage),
  );
  const notes = [
    'Numbers can be typed in any common form; numbers without a country code use the configured region.',
    options.uploads
      ? 'The editor takes a photo as a link or as an uploaded file (processed into a square JPEG without its metadata).'
      : 'The editor takes a photo as a public https link. To let people upload a file instead, an admin sets CONTACTCARD_PUBLIC_URL to the app’s public address.',
  ];
  if (options.access?.openMode) {
    notes.push(
      ':unlock: *Open mode*: no admin is configured, so everyone may change every number. Set CONTACTCARD_ADMINS to restrict it.',
    );
  } else if (options.access) {
    const admins = options.access.admins.map((user) => `<@${user}>`).join(', ') || 'none listed';
    notes.push(`Admins: ${admins}. Admins manage every number; others manage the numbers assigned to them.`);
  }
  blocks.push(context(notes.join('\n')));
  const text = options.problem
    ? `${escapeMrkdwn(options.problem)} Try /contactcard help.`
    : 'How to use /contactcard';
  return message(text, blocks);
}

/** A short note in mrkdwn the app composed itself (mentions allowed; no user text inside). */
export function noteMessage(mrkdwn: string): Message {
  return message(mrkdwn, [section(`:information_source: ${mrkdwn}`)]);
}

/** A one-line status; the emoji says whether it is still going (the default) or done. */
export function progressMessage(text: string, emoji = ':hourglass_flowing_sand:'): Message {
  return message(escapeMrkdwn(text), [context(`${emoji} ${escapeMrkdwn(text)}`)]);
}

/** `show`: the current card, privately, with what can be done next. */
export function cardStateMessage(options: { number: string; state: ProfileState }): Message {
  const { number, state } = options;
  const phone = formatPhone(number);
  if (!state.hasProfile) {
    return message(`${phone} has no contact card`, [
      section(`*${phone}* has no contact card. iMessage recipients see only the number.`),
      actions(button('Set a card', ids.actions.edit, number, { style: 'primary' })),
    ]);
  }
  return message(`Contact card of ${phone}`, [
    section(`*Contact card of ${phone}*\n${cardFields(state)}`),
    context('Sendblue does not report the photo; it is the one set with the card.'),
    actions(editButton(number), deleteButton(number)),
  ]);
}

/** Under a failed read: what Sendblue showed the last time it was read, and when. */
export function lastSeenNote(observed: ObservedCard): ContextBlock {
  const shown = observed.card ? describeCard({ ...observed.card, photoUrl: null }) : 'no card';
  return context(`Sendblue last showed ${shown}, ${slackDate(observed.seenAt)}.`);
}

export function deletePromptMessage(options: { number: string }): Message {
  const phone = formatPhone(options.number);
  return message(`Delete the contact card of ${phone}?`, [
    section(`Delete the contact card of *${phone}*? Recipients will see only the number.`),
    actions(deleteButton(options.number)),
  ]);
}

/** The channel announcement of a submitted card; `withPhoto: false` is the retry when Slack cannot fetch it. */
export function cardUpdatedMessage(options: {
  card: ProfileInput;
  actorId: string;
  at: Date;
  withPhoto: boolean;
  /** What a read of Sendblue after the change found: it shows the card, or not yet after 2 minutes. */
  confirmation?: 'live' | 'not yet';
}): Message {
  const { card } = options;
  const phone = formatPhone(card.fromNumber);
  const photo = options.withPhoto
    ? ({
        type: 'image',
        image_url: card.photoUrl,
        alt_text: truncate(`Photo of ${card.firstName} ${card.lastName}`, limits.altText),
      } as const)
    : undefined;
  const state = {
    submitted: {
      heading: `:white_check_mark: *Contact card of ${phone} submitted*`,
      note: 'Sendblue may still be applying it; iMessage recipients see it at their next conversation with this number.',
    },
    live: {
      heading: `:large_green_circle: *Contact card of ${phone} is live*`,
      note: 'Sendblue shows this card now; iMessage recipients see it at their next conversation with this number.',
    },
    'not yet': {
      heading: `:white_check_mark: *Contact card of ${phone} submitted*`,
      note: 'Sendblue did not show it yet, two minutes later; check with `/contactcard show` in a while.',
    },
  }[options.confirmation ?? 'submitted'];
  return message(`Contact card of ${phone} updated by <@${options.actorId}>`, [
    section(`${state.heading}\n${cardFields(card)}`, photo),
    context(`Changed by <@${options.actorId}> ${slackDate(options.at)}. ${state.note}`),
    actions(editButton(card.fromNumber)),
  ]);
}

export function cardDeletedMessage(options: { number: string; actorId: string; at: Date }): Message {
  const phone = formatPhone(options.number);
  return message(`Contact card of ${phone} deleted by <@${options.actorId}>`, [
    section(`:wastebasket: *Contact card of ${phone} deleted*`),
    context(`Deleted by <@${options.actorId}> ${slackDate(options.at)}. Recipients now see only the number.`),
    actions(button('Set a new card', ids.actions.edit, options.number)),
  ]);
}

/** The notice for CONTACTCARD_NOTIFY_CHANNEL: who changed which number, and what changed, field by field. */
export function changeNotice(options: {
  number: string;
  actorId: string;
  at: Date;
  /** The last card this app set, if it knows one. */
  before: CardSnapshot | null;
  /** Undefined for a deletion. */
  after: CardSnapshot | undefined;
}): Message {
  const phone = formatPhone(options.number);
  const what = options.after ? 'updated the contact card of' : 'deleted the contact card of';
  const blocks: KnownBlock[] = [section(`<@${options.actorId}> ${what} *${phone}* ${slackDate(options.at)}`)];
  const changes = fieldChanges(options.before, options.after);
  if (changes.length > 0) blocks.push(section(changes.join('\n')));
  return message(`<@${options.actorId}> ${what} ${phone}`, blocks);
}

/** A card changed outside contactcard: old → new, with Restore ours and Accept (rights checked on click). */
export function driftNotice(options: {
  number: string;
  before: CardSnapshot;
  after: CardSnapshot | null;
}): Message {
  const phone = formatPhone(options.number);
  const what = options.after ? 'was changed outside contactcard' : 'was removed outside contactcard';
  const changes = fieldChanges(options.before, options.after ?? undefined).filter(
    (line) => !line.startsWith('*Photo'),
  );
  return message(`The contact card of ${phone} ${what}`, [
    section(`:warning: The contact card of *${phone}* ${what} (Sendblue's dashboard, a script…).`),
    ...(changes.length > 0 ? [section(changes.join('\n'))] : []),
    actions(
      button('Restore ours', ids.actions.driftRestore, options.number, { style: 'primary' }),
      button('Accept', ids.actions.driftAccept, options.number),
    ),
  ]);
}

const changeFields = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['displayName', 'Display name'],
  ['photoUrl', 'Photo'],
] as const;

function fieldChanges(before: CardSnapshot | null, after: CardSnapshot | undefined): string[] {
  const shown = (value: string | null | undefined) => (value ? escapeMrkdwn(value) : '_none_');
  return changeFields.flatMap(([key, label]) => {
    const old = before === null ? undefined : before[key];
    const fresh = after?.[key] ?? null;
    if (before !== null && old === fresh) return [];
    const from = before === null ? '_unknown_' : shown(old);
    return [`*${label}:* ${from} → ${shown(fresh)}`];
  });
}

/** Private to the person who acted: what failed, in Sendblue's words and ours, and a way back. */
export function failureMessage(options: {
  number: string;
  action: 'set' | 'delete' | 'read' | 'assign' | 'unassign';
  explanation: Explanation;
  retry: CardDraft | undefined;
}): Message {
  const { explanation } = options;
  const phone = formatPhone(options.number);
  const what = {
    set: 'set the contact card of',
    delete: 'delete the contact card of',
    read: 'read the contact card of',
    assign: 'change the owners of',
    unassign: 'change the owners of',
  }[options.action];
  const lines = [`:x: *Could not ${what} ${phone}.* ${escapeMrkdwn(explanation.headline)}.`];
  if (explanation.sendblueMessage)
    lines.push(`Sendblue said: “${escapeMrkdwn(explanation.sendblueMessage)}”`);
  if (explanation.meaning) lines.push(explanation.meaning);
  lines.push(`*What to do:* ${escapeMrkdwn(explanation.advice)}`);
  const blocks: KnownBlock[] = [section(lines.join('\n')), context('Nothing was changed in the channel.')];
  if (options.retry)
    blocks.push(
      actions(button('Try again', ids.actions.tryAgain, encodeRetry(options.retry), { style: 'primary' })),
    );
  return message(`Could not ${what} ${phone}: ${escapeMrkdwn(explanation.headline)}`, blocks);
}

/** A request that needed the database while it was down: nothing was done, try again, who can help. */
export function unavailableMessage(explanation: Explanation, admins: readonly string[]): Message {
  const who = admins.length > 0 ? admins.map((user) => `<@${user}>`).join(', ') : 'an admin';
  const text = `${explanation.headline}, so nothing was done. ${explanation.advice} (Ask ${who}.)`;
  return message(text, [
    section(
      `:warning: ${escapeMrkdwn(explanation.headline)}, so nothing was done. ${escapeMrkdwn(explanation.advice)} Ask ${who}.`,
    ),
  ]);
}

export function notifyFailedMessage(options: { channel: string; error: string }): Message {
  const fix =
    options.error === 'not_in_channel' || options.error === 'channel_not_found'
      ? `Invite the app to <#${options.channel}> (type \`/invite @contactcard\` there), or ask an admin to fix CONTACTCARD_NOTIFY_CHANNEL.`
      : 'An admin can check the app’s log and CONTACTCARD_NOTIFY_CHANNEL.';
  return message('The change stands, but the change notice could not be posted', [
    section(
      `:warning: The change stands, but its notice could not be posted in <#${options.channel}> (${escapeMrkdwn(options.error)}). ${fix}`,
    ),
  ]);
}

/**
 * The Try again button carries what the person typed. Button values hold 2000 characters, so the
 * most expendable fields go first (the photo link, then the names) rather than the whole draft.
 */
export function encodeRetry(draft: CardDraft): string {
  for (const candidate of [draft, { ...draft, photoUrl: undefined }, { number: draft.number }]) {
    const encoded = JSON.stringify(candidate);
    if (encoded.length <= limits.buttonValue) return encoded;
  }
  return '{}';
}
