import type { Logger } from '@slack/logger';
import type { Access } from './access/access.js';
import type { ChangePipeline } from './changes/pipeline.js';
import type { Config } from './config.js';
import type { ApprovalDesk } from './flows/approvals.js';
import type { BulkJobs } from './flows/bulk.js';
import type { DriftCheck } from './flows/drift.js';
import type { HomeTabs } from './flows/home.js';
import type { LinesDirectory } from './flows/lines.js';
import type { LiveChecks } from './flows/live.js';
import type { SlackOutbox } from './flows/ports.js';
import type { CardSync } from './flows/sync.js';
import type { InFlight } from './operations.js';
import type { PhotoHost } from './photo/hosting.js';
import type { PhotoChecker } from './photo/index.js';
import type { SendblueClient } from './sendblue/client.js';
import type { Store } from './store/types.js';

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
  /** The account's numbers, refreshed in the background. */
  lines: LinesDirectory;
  /** Checks photo links before Sendblue downloads them (SSRF-safe, cached). */
  photos: PhotoChecker;
  /** Processed photos the app serves itself; undefined without CONTACTCARD_PUBLIC_URL (no uploads). */
  photoHost: PhotoHost | undefined;
  /** Who may do what: the one authorization step. */
  access: Access;
  /** The one way a number changes. */
  changes: ChangePipeline;
  slack: SlackOutbox;
  /** The Home tabs people have open: published on open, re-published when one of their numbers changes. */
  homes: HomeTabs;
  /** After a set, the reads that turn "submitted" into "live". */
  live: LiveChecks;
  /** Drift alerts: cards changed outside contactcard. */
  drift: DriftCheck;
  /** The initial sync: every line whose card was never seen at Sendblue is read, in the background. */
  sync: CardSync;
  /** Four-eyes approval: held changes told to their requesters and posted to the approvers. */
  approvals: ApprovalDesk;
  /** Bulk changes: one card for many numbers. */
  bulk: BulkJobs;
  /** Work that continues after an ack, so a shutdown can wait for it. */
  operations: InFlight;
  now: () => Date;
  /** For /healthz: whether the app can serve requests that need the store. */
  health: () => Promise<{ ok: true } | { ok: false; problem: string }>;
}
