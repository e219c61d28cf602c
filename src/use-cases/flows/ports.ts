import type { Logger } from '@slack/logger';
import type { HomeView, ModalView } from '@slack/types';
import type { PhotoHost } from '../../adapters/photo/hosting.js';
import type { PhotoChecker } from '../../adapters/photo/index.js';
import type { SendblueClient } from '../../adapters/sendblue/client.js';
import type { Approval, BulkJob, CardSnapshot, ChangeEntry, Store } from '../../adapters/store/types.js';
import type { Access } from '../../domain/access/access.js';
import type { CardStatus } from '../../domain/card/picture.js';
import type { ProfileInput } from '../../domain/card/rules.js';
import type { Config } from '../../runtime/config.js';
import type { InFlight } from '../../runtime/operations.js';
import type { Message } from '../../slack/views/blocks.js';
import type { ChangePipeline, Held } from '../changes/pipeline.js';

// The ports the use cases are handed, declared here below them so that nothing a flow imports
// imports the flows back (the flow classes implement the ports of one another; services.ts wires them).

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

/** The account's numbers (LinesDirectory), refreshed in the background. */
export interface Lines {
  /** Undefined while the list is unknown (endpoint missing, failing, or empty): typed numbers are accepted. */
  numbers(): string[] | undefined;
  mayHave(number: string): boolean;
}

/** The Home tabs people have open (HomeTabs). */
export interface Homes {
  /** `looked`: the person opened or paged the tab (a re-publish after a change is not a look). */
  publish(
    userId: string,
    change?: { page?: number; filter?: CardStatus | 'all' },
    looked?: boolean,
  ): Promise<void>;
  /** After a change: every Home tab opened recently that shows the number again. */
  changed(number: string): Promise<void>;
  /** After many numbers were read at once (the sync): every Home tab opened recently, once. */
  refreshOpen(): Promise<void>;
}

/** A set to watch until Sendblue shows it: its entry, its card, and the announcement to update. */
export interface LiveRequest {
  entry: ChangeEntry;
  card: ProfileInput;
  audience: Audience;
  delivered: Delivery;
  announcement: (confirmation: 'live' | 'not yet') => Message;
}

/** After a set, the reads that turn "submitted" into "live" (LiveChecks). */
export interface LiveWatch {
  watch(request: LiveRequest): void;
}

/** Four-eyes approval (ApprovalDesk): held changes told to their requesters and posted to the approvers. */
export interface Approvals {
  ask(held: Held, requester: Audience, options?: { replaceOriginal?: boolean }): Promise<void>;
  /** Replaces every request message of `approval` with its current state and, once decided, the outcome. */
  show(approval: Approval, outcome?: string): Promise<void>;
  ended(approval: Approval): Promise<void>;
  expireDue(): Promise<number>;
}

/** How a bulk job ended: how many of its numbers got their card. */
export interface BulkSummary {
  total: number;
  done: number;
}

/** Bulk changes (BulkJobs): one card for many numbers, or an import's card for each. */
export interface BulkChanges {
  start(request: {
    actorId: string;
    audience: Audience;
    numbers: readonly string[];
    card: CardSnapshot;
    cards?: Record<string, CardSnapshot> | null;
  }): Promise<void>;
  prepare(request: {
    actorId: string;
    channel: string;
    cards: Record<string, CardSnapshot>;
  }): Promise<BulkJob>;
  startPrepared(jobId: number, userId: string, audience: Audience): Promise<boolean>;
  runApproved(approval: Approval): Promise<BulkSummary | undefined>;
  cancel(jobId: number, userId: string): Promise<boolean>;
  unfinished(job: BulkJob): Promise<string[]>;
}

/**
 * Everything the flows and listeners use, built once by `openServices` (or a test) and handed
 * to `createApp`. Nothing here is a Bolt type: Slack is reached through `slack`.
 */
export interface Deps {
  config: Config;
  /** Bolt's logger interface, so the receiver logs through the same one. */
  log: Logger;
  /** True when Sendblue is the built-in simulator; only the Slack outbox labels output with it. */
  sandbox: boolean;
  sendblue: SendblueClient;
  store: Store;
  lines: Lines;
  /** Checks photo links before Sendblue downloads them (SSRF-safe, cached). */
  photos: PhotoChecker;
  /** Processed photos the app serves itself; undefined without CONTACTCARD_PUBLIC_URL (no uploads). */
  photoHost: PhotoHost | undefined;
  /** Who may do what: the one authorization step. */
  access: Access;
  /** The one way a number's history is written. */
  changes: ChangePipeline;
  slack: SlackOutbox;
  homes: Homes;
  live: LiveWatch;
  approvals: Approvals;
  bulk: BulkChanges;
  /** Work that continues after an ack, so a shutdown can wait for it. */
  operations: InFlight;
  now: () => Date;
  /** For /healthz: whether the app can serve requests that need the store. */
  health: () => Promise<{ ok: true } | { ok: false; problem: string }>;
}
