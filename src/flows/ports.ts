import type { ModalView } from '@slack/types';
import type { SendblueClient } from '../sendblue/client.js';
import type { Message } from '../views/messages.js';

/** Who acted and where: the conversation to answer in, and the interaction's response_url if any. */
export interface Audience {
  userId: string;
  channelId: string;
  responseUrl: string | undefined;
}

export type Delivery = { ok: true; route: string } | { ok: false; error: string };

/** How the flows reach people in Slack; implemented over the Web API and response_url. */
export interface SlackOutbox {
  /** Visible to everyone in the audience's conversation; `withoutImages` is used if Slack cannot fetch an image. */
  announce(to: Audience, message: Message, withoutImages?: Message): Promise<Delivery>;
  /** Only the acting person sees it; `replaceOriginal` replaces the message whose button they clicked. */
  tellPrivately(to: Audience, message: Message, options?: { replaceOriginal?: boolean }): Promise<Delivery>;
  post(channel: string, message: Message): Promise<Delivery>;
  updateModal(viewId: string, view: ModalView, hash?: string): Promise<Delivery>;
}

export type CardApi = Pick<SendblueClient, 'getState' | 'upsertProfile' | 'deleteProfile'>;
