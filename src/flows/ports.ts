import type { HomeView, ModalView } from '@slack/types';
import type { Message } from '../views/blocks.js';

/** Who acted and where: the conversation to answer in, and the interaction's response_url if any. */
export interface Audience {
  userId: string;
  channelId: string;
  responseUrl: string | undefined;
}

export interface SlackProfile {
  firstName: string | undefined;
  lastName: string | undefined;
  realName: string | undefined;
  /** The largest profile image Slack offers; undefined for the default generated avatar. */
  image: string | undefined;
}

/** Where a message went; a chat.postMessage delivery carries what chat.update needs. */
export type Delivery =
  | { ok: true; route: string; channel?: string | undefined; ts?: string | undefined }
  | { ok: false; error: string };

export type Opened =
  | { ok: true; viewId: string | undefined; hash: string | undefined }
  | { ok: false; error: string };

/**
 * How the app reaches people in Slack; implemented over the Web API and response_url. Everything
 * that leaves the app passes here (acks through `labelled`), so the sandbox label is added once.
 */
export interface SlackOutbox {
  /** Visible to everyone in the audience's conversation; `withoutImages` is used if Slack cannot fetch an image. */
  announce(to: Audience, message: Message, withoutImages?: Message): Promise<Delivery>;
  /** Only the acting person sees it; `replaceOriginal` replaces the message whose button they clicked. */
  tellPrivately(to: Audience, message: Message, options?: { replaceOriginal?: boolean }): Promise<Delivery>;
  post(channel: string, message: Message): Promise<Delivery>;
  /** Replaces an announcement (as `announce` delivered it) in place: "submitted" becomes "live". */
  updateAnnouncement(to: Audience, delivered: Delivery, message: Message): Promise<Delivery>;
  /**
   * A message to update in place later (chat.postMessage); its `ts` when posted. `withoutImages`
   * (here and in updateMessage) is used if Slack cannot fetch an image of `message`.
   */
  postTracked(
    channel: string,
    message: Message,
    withoutImages?: Message,
  ): Promise<{ ok: true; ts: string } | { ok: false; error: string }>;
  /** chat.update of a message posted with postTracked. */
  updateMessage(channel: string, ts: string, message: Message, withoutImages?: Message): Promise<Delivery>;
  /** Inside a trigger's 3-second window: no retries, a short timeout. */
  openModal(triggerId: string, view: ModalView): Promise<Opened>;
  /**
   * `quick`: for an interaction the person is waiting on (a preview): no retries, a short timeout.
   * `withoutImages` is shown instead if Slack cannot fetch an image of `view`.
   */
  updateModal(
    viewId: string,
    view: ModalView,
    options?: { hash?: string | undefined; quick?: boolean; withoutImages?: ModalView },
  ): Promise<Delivery>;
  /** The file object of an upload (files.info), for its download URL; undefined when Slack has none. */
  fileInfo(fileId: string): Promise<unknown>;
  /** The file at `path`, for this person only, in their direct message with the app (files.uploadV2). */
  uploadPrivately(
    userId: string,
    file: { filename: string; path: string; comment: string },
  ): Promise<Delivery>;
  /** Publishes a person's Home tab (views.publish). */
  publishHome(userId: string, view: HomeView): Promise<Delivery>;
  /** A person's Slack profile (users.info), for "Fill from a Slack profile"; undefined when unreadable. */
  userProfile(userId: string): Promise<SlackProfile | undefined>;
  /** A message or view as it must leave the app (an ack's body): labelled in sandbox mode. */
  labelled(message: Message): Message;
  labelledView(view: ModalView): ModalView;
}
