import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { Explanation } from '../flows/explain.js';
import { formatPhone } from '../phone.js';
import type { ProfileInput, ProfileState } from '../sendblue/schemas.js';
import { ids } from './ids.js';
import { escapeMrkdwn, limits, plain, sandboxNotice, slackDate, truncate } from './text.js';

/** A chat message: `text` is the notification and screen-reader fallback for `blocks`. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}

export interface CardDraft {
  number?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  photoUrl?: string | undefined;
  displayName?: string | undefined;
}

function message(sandbox: boolean, text: string, blocks: KnownBlock[]): Message {
  const labelled = sandbox ? `[Sandbox] ${text}` : text;
  return {
    text: truncate(labelled, limits.sectionText),
    blocks: sandbox ? [...blocks, sandboxNotice()] : blocks,
  };
}

function section(text: string, accessory?: SectionBlock['accessory']): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) },
    ...(accessory ? { accessory } : {}),
  };
}

function context(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, limits.contextText) }] };
}

function button(text: string, actionId: string, value: string, extra: Partial<Button> = {}): Button {
  return { type: 'button', text: plain(text, limits.buttonText), action_id: actionId, value, ...extra };
}

function editButton(number: string): Button {
  return button('Edit', ids.actions.edit, number);
}

function deleteButton(number: string): Button {
  return button('Delete', ids.actions.delete, number, {
    style: 'danger',
    confirm: {
      title: plain('Delete this card?', 100),
      text: plain(
        `iMessage recipients of ${formatPhone(number)} will no longer see its name and photo. This cannot be undone.`,
        300,
      ),
      confirm: plain('Delete', 30),
      deny: plain('Keep it', 30),
      style: 'danger',
    },
  });
}

function actions(...elements: Button[]): ActionsBlock {
  return { type: 'actions', elements };
}

const field = (value: string | null | undefined) => (value ? escapeMrkdwn(value) : '_none_');

function cardFields(card: {
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
}): string {
  return [
    `*First name:* ${field(card.firstName)}`,
    `*Last name:* ${field(card.lastName)}`,
    `*Display name:* ${field(card.displayName)}`,
  ].join('\n');
}

export function helpMessage(options: { sandbox: boolean; problem?: string }): Message {
  const usage = [
    '*`/contactcard set [number]`*: open the card editor, e.g. `/contactcard set +1 415 555 1234`',
    '*`/contactcard show [number]`* (or `status`): see a number’s current card, e.g. `/contactcard show (415) 555-1234`',
    '*`/contactcard delete [number]`* (or `remove`): remove a number’s card, e.g. `/contactcard delete +1 415 555 1234`',
    '*`/contactcard help`*: this message',
  ].join('\n');
  const blocks: KnownBlock[] = [];
  if (options.problem) blocks.push(section(`:warning: ${escapeMrkdwn(options.problem)}`));
  blocks.push(
    section(
      'contactcard manages the iMessage *Name & Photo Sharing* card of your Sendblue numbers: ' +
        'the name and photo customers see.',
    ),
    section(usage),
    context(
      'Numbers can be typed in any common form; numbers without a country code use the configured region.',
    ),
  );
  const text = options.problem ? `${options.problem} Try /contactcard help.` : 'How to use /contactcard';
  return message(options.sandbox, text, blocks);
}

/** A one-line status; the emoji says whether it is still going (the default) or done. */
export function progressMessage(sandbox: boolean, text: string, emoji = ':hourglass_flowing_sand:'): Message {
  return message(sandbox, text, [context(`${emoji} ${escapeMrkdwn(text)}`)]);
}

/** `show`: the current card, privately, with what can be done next. */
export function cardStateMessage(options: {
  sandbox: boolean;
  number: string;
  state: ProfileState;
}): Message {
  const { number, state } = options;
  const phone = formatPhone(number);
  if (!state.hasProfile) {
    return message(options.sandbox, `${phone} has no contact card`, [
      section(`*${phone}* has no contact card. iMessage recipients see only the number.`),
      actions(button('Set a card', ids.actions.edit, number, { style: 'primary' })),
    ]);
  }
  return message(options.sandbox, `Contact card of ${phone}`, [
    section(`*Contact card of ${phone}*\n${cardFields(state)}`),
    context('Sendblue does not report the photo; it is the one set with the card.'),
    actions(editButton(number), deleteButton(number)),
  ]);
}

export function deletePromptMessage(options: { sandbox: boolean; number: string }): Message {
  const phone = formatPhone(options.number);
  return message(options.sandbox, `Delete the contact card of ${phone}?`, [
    section(`Delete the contact card of *${phone}*? Recipients will see only the number.`),
    actions(deleteButton(options.number)),
  ]);
}

/** The channel announcement of a submitted card; `withPhoto: false` is the retry when Slack cannot fetch it. */
export function cardUpdatedMessage(options: {
  sandbox: boolean;
  card: ProfileInput;
  actorId: string;
  at: Date;
  withPhoto: boolean;
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
  return message(options.sandbox, `Contact card of ${phone} updated by <@${options.actorId}>`, [
    section(`:white_check_mark: *Contact card of ${phone} submitted*\n${cardFields(card)}`, photo),
    context(
      `Changed by <@${options.actorId}> ${slackDate(options.at)}. Sendblue may still be applying it; ` +
        'iMessage recipients see it at their next conversation with this number.',
    ),
    actions(editButton(card.fromNumber)),
  ]);
}

export function cardDeletedMessage(options: {
  sandbox: boolean;
  number: string;
  actorId: string;
  at: Date;
}): Message {
  const phone = formatPhone(options.number);
  return message(options.sandbox, `Contact card of ${phone} deleted by <@${options.actorId}>`, [
    section(`:wastebasket: *Contact card of ${phone} deleted*`),
    context(`Deleted by <@${options.actorId}> ${slackDate(options.at)}. Recipients now see only the number.`),
    actions(button('Set a new card', ids.actions.edit, options.number)),
  ]);
}

/** The notice for CONTACTCARD_NOTIFY_CHANNEL: who changed which number, and what it says now. */
export function changeNotice(options: {
  sandbox: boolean;
  number: string;
  actorId: string;
  at: Date;
  card: ProfileInput | undefined;
}): Message {
  const phone = formatPhone(options.number);
  const what = options.card ? 'updated the contact card of' : 'deleted the contact card of';
  const blocks: KnownBlock[] = [section(`<@${options.actorId}> ${what} *${phone}* ${slackDate(options.at)}`)];
  if (options.card) blocks.push(section(cardFields(options.card)));
  return message(options.sandbox, `<@${options.actorId}> ${what} ${phone}`, blocks);
}

/** Private to the person who acted: what failed, in Sendblue's words and ours, and a way back. */
export function failureMessage(options: {
  sandbox: boolean;
  number: string;
  action: 'set' | 'delete' | 'read';
  explanation: Explanation;
  retry: CardDraft | undefined;
}): Message {
  const { explanation } = options;
  const phone = formatPhone(options.number);
  const what = {
    set: 'set the contact card of',
    delete: 'delete the contact card of',
    read: 'read the contact card of',
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
  return message(options.sandbox, `Could not ${what} ${phone}: ${explanation.headline}`, blocks);
}

export function notifyFailedMessage(options: { sandbox: boolean; channel: string; error: string }): Message {
  const fix =
    options.error === 'not_in_channel' || options.error === 'channel_not_found'
      ? `Invite the app to <#${options.channel}> (type \`/invite @contactcard\` there), or ask an admin to fix CONTACTCARD_NOTIFY_CHANNEL.`
      : 'An admin can check the app’s log and CONTACTCARD_NOTIFY_CHANNEL.';
  return message(options.sandbox, 'The change stands, but the change notice could not be posted', [
    section(
      `:warning: The change stands, but its notice could not be posted in <#${options.channel}> (${escapeMrkdwn(options.error)}). ${fix}`,
    ),
  ]);
}

/**
 * The Try again button carries what the person typed. Button values hold 2000 characters, so an
 * extremely long photo link is left out rather than losing the whole draft.
 */
export function encodeRetry(draft: CardDraft): string {
  const full = JSON.stringify(draft);
  return full.length <= limits.buttonValue ? full : JSON.stringify({ ...draft, photoUrl: undefined });
}
