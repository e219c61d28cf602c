import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { CardSnapshot } from '../../adapters/store/types.js';
import { formatPhone } from '../../domain/phone.js';
import { ids } from './ids.js';
import { escapeMrkdwn, limits, plain, truncate } from './text.js';

/** A chat message: `text` is the notification and screen-reader fallback for `blocks`. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}

/** Small builders shared by every message; each keeps its text within Slack's limits. */

export function message(text: string, blocks: KnownBlock[]): Message {
  return { text: truncate(text, limits.sectionText), blocks };
}

export function section(text: string, accessory?: SectionBlock['accessory']): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) },
    ...(accessory ? { accessory } : {}),
  };
}

export function context(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, limits.contextText) }] };
}

export function button(text: string, actionId: string, value: string, extra: Partial<Button> = {}): Button {
  return { type: 'button', text: plain(text, limits.buttonText), action_id: actionId, value, ...extra };
}

export function editButton(number: string): Button {
  return button('Edit', ids.actions.edit, number);
}

export function deleteButton(number: string): Button {
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

export function actions(...elements: Button[]): ActionsBlock {
  return { type: 'actions', elements };
}

const field = (value: string | null | undefined) => (value ? escapeMrkdwn(value) : '_none_');

export function cardFields(card: {
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

/** People as mentions, or "nobody yet". */
export const mentionAll = (users: readonly string[]) =>
  users.length === 0 ? 'nobody yet' : users.map((user) => `<@${user}>`).join(', ');

/** A card in a few words: "Jane Smith (“Jane at Acme”)", or "no card". */
export function describeCard(card: CardSnapshot | null): string {
  if (card === null) return 'no card';
  const names = [card.firstName, card.lastName].filter(Boolean).join(' ');
  return escapeMrkdwn(card.displayName ? `${names} (“${card.displayName}”)` : names || 'no name');
}
