import { webApi } from '@slack/bolt';
import type { Logger } from '@slack/logger';
import { PhotoHost } from '../adapters/photo/hosting.js';
import { createPhotoChecker, type PhotoCheckerOptions } from '../adapters/photo/index.js';
import { connectSendblue } from '../adapters/sendblue/connect.js';
import { guardedStore } from '../adapters/store/guarded.js';
import { openStore } from '../adapters/store/open.js';
import type { Store } from '../adapters/store/types.js';
import { Access, cached } from '../domain/access/access.js';
import type { Config } from '../runtime/config.js';
import { InstanceLease } from '../runtime/instance.js';
import type { Metrics } from '../runtime/metrics.js';
import { InFlight } from '../runtime/operations.js';
import { deadlineFetch } from '../slack/fetch.js';
import { libraryLogger } from '../slack/log-rules.js';
import { WebApiOutbox } from '../slack/outbox.js';
import { ChangePipeline } from '../use-cases/changes/pipeline.js';
import { storeTurns } from '../use-cases/changes/turns.js';
import { ApprovalDesk } from '../use-cases/flows/approvals.js';
import { BulkJobs } from '../use-cases/flows/bulk.js';
import { DriftCheck } from '../use-cases/flows/drift.js';
import { HomeTabs } from '../use-cases/flows/home.js';
import { LinesDirectory } from '../use-cases/flows/lines.js';
import { defaultLiveDelaysMs, LiveChecks } from '../use-cases/flows/live.js';
import type { Deps } from '../use-cases/flows/ports.js';
import { CardSync } from '../use-cases/flows/sync.js';

type Tuning = NonNullable<Parameters<typeof connectSendblue>[2]> & {
  /** Test-only: when the live checks after a set run (the default waits 10 s first). */
  liveDelaysMs?: readonly number[];
  /** Test-only: a resolver and address policy that reach local image servers. */
  photos?: Partial<PhotoCheckerOptions>;
  /** Test-only: the clock requests for approval are made, decided and expired on. */
  now?: () => Date;
};

// views.open must land inside the 3 s trigger window: a retry or a long wait only produces an
// expired_trigger_id, so such calls fail fast instead.
const quickTimeoutMs = 2_500;
// Group membership changes rarely; a few minutes of staleness saves a Web API call per click.
const adminGroupTtlMs = 3 * 60_000;

/** The use cases' Deps, with the background services as they are (started, stopped, run a round). */
export type Services = Deps & {
  lines: LinesDirectory;
  bulk: BulkJobs;
  /** Drift alerts: cards changed outside contactcard. */
  drift: DriftCheck;
  /** The initial sync: every line whose card was never seen at Sendblue is read, in the background. */
  sync: CardSync;
  close(): Promise<void>;
};

/** Opens what the app runs on and builds the one dependency object; `close()` releases it all. */
export async function openServices(config: Config, log: Logger, tuning?: Tuning): Promise<Services> {
  // prom-client is loaded only when metrics are asked for: it is start-up time otherwise wasted.
  const metrics: Metrics | undefined =
    config.metricsPort === undefined ? undefined : new (await import('../runtime/metrics.js')).Metrics();
  const store = guardedStore(
    await openStore({
      databaseUrl: config.databaseUrl,
      sqlitePath: config.databasePath,
      poolSize: config.databasePoolSize,
      log,
    }),
    (operation) => metrics?.storeErrors.inc({ operation }),
  );
  const lease = new InstanceLease(store, log);
  await lease.start();
  const sendblue = await connectSendblue(config.sendblue, log, {
    ...tuning,
    client: {
      ...tuning?.client,
      onAttempt: metrics
        ? ({ method, outcome, ms }) =>
            metrics.sendblueDuration.observe({ method, status: outcome }, ms / 1000)
        : undefined,
    },
  });
  const lines = new LinesDirectory(sendblue.client, log);
  const photos = createPhotoChecker({ log, networkCheck: config.photoCheck, ...tuning?.photos });
  const photoHost = config.publicUrl === undefined ? undefined : new PhotoHost(store, config.publicUrl, log);
  photoHost?.start();
  const slackOptions = {
    slackApiUrl: config.slack.apiUrl,
    // At debug the client logs every request body and result: what it logs keeps to log-rules.ts.
    logger: libraryLogger(log),
  };
  const quickClient = new webApi.WebClient(config.slack.botToken, {
    ...slackOptions,
    retryConfig: { retries: 0 },
    fetch: deadlineFetch(quickTimeoutMs),
  });
  const slack = new WebApiOutbox({
    // Bolt's default retries for 30 minutes; a message that late is worse than a logged failure.
    client: new webApi.WebClient(config.slack.botToken, {
      ...slackOptions,
      retryConfig: webApi.retryPolicies.fiveRetriesInFiveMinutes,
    }),
    quickClient,
    apiUrl: config.slack.apiUrl,
    log,
    sandbox: sendblue.sandbox,
  });
  const access = createAccess(config, log, store, lines, quickClient);
  const homes = new HomeTabs({ access, store, lines, slack, log });
  const now = tuning?.now ?? (() => new Date());
  const live = new LiveChecks(
    { sendblue: sendblue.client, store, slack, log, homes, now },
    config.liveCheck ? (tuning?.liveDelaysMs ?? defaultLiveDelaysMs) : [],
  );
  const operations = new InFlight();
  const sync = new CardSync(
    { sendblue: sendblue.client, store, log, lines, homes, now },
    config.syncConcurrency,
  );
  lines.onChange(() => sync.request());
  const changes = new ChangePipeline({
    access,
    store,
    sendblue: sendblue.client,
    photos,
    turns: storeTurns(store.turns),
    approvalTtlMs: config.approval.ttlMs,
    now,
    observer: {
      result: (kind, result) => {
        metrics?.countChange(kind, result.status);
        if (result.status === 'ok' || result.status === 'failed') {
          void operations.track(
            homes
              .changed(result.entry.number)
              .catch((error: unknown) => log.warn(`Home tabs not refreshed: ${String(error)}`)),
          );
        }
      },
      waiting: (delta) => metrics?.waiting.inc(delta),
    },
  });
  const drift = new DriftCheck(
    { sendblue: sendblue.client, store, slack, log, config, access, now, changes },
    config.reconcileIntervalMs,
  );
  drift.start();
  const metricsServer =
    metrics && config.metricsPort !== undefined
      ? await metrics.serve(config.metricsPort, config.http.host, log)
      : undefined;
  const approvals = new ApprovalDesk({ config, store, slack, log, now, operations });
  approvals.start();
  const deps: Omit<Services, 'bulk' | 'close'> = {
    config,
    log,
    sandbox: sendblue.sandbox,
    sendblue: sendblue.client,
    store,
    lines,
    photos,
    photoHost,
    access,
    changes,
    slack,
    homes,
    live,
    drift,
    sync,
    operations,
    approvals,
    now,
    health: async () => {
      const up = await store.ping();
      metrics?.databaseUp.set(up ? 1 : 0);
      return up ? { ok: true } : { ok: false, problem: 'the database does not answer' };
    },
  };
  const bulk = new BulkJobs(deps, config.bulkConcurrency);
  // A job a stopped process left running is reported where it was started (not resumed).
  void operations.track(
    bulk
      .reportInterrupted()
      .catch((error: unknown) => log.warn(`could not report interrupted bulk jobs: ${String(error)}`)),
  );
  return {
    ...deps,
    bulk,
    async close() {
      lines.stop();
      live.stop();
      drift.stop();
      sync.stop();
      await sync.idle();
      approvals.stop();
      photoHost?.stop();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await photos.close();
      await sendblue.close();
      await lease.stop();
      await store.close();
    },
  };
}

function createAccess(
  config: Config,
  log: Logger,
  store: Store,
  lines: LinesDirectory,
  client: webApi.WebClient,
): Access {
  const group = config.adminGroup;
  if (group === undefined)
    return new Access(store, lines, config.admins, undefined, false, config.approval.mode);
  const members = cached(async () => (await client.usergroups.users.list({ usergroup: group })).users ?? [], {
    ttlMs: adminGroupTtlMs,
    fallback: [] as string[],
    onError: (error) =>
      log.warn(
        `could not read CONTACTCARD_ADMIN_GROUP ${group} (${error instanceof Error ? error.message : String(error)}); ` +
          'is the usergroups:read scope granted?',
      ),
  });
  // Loaded now, so the first command does not wait for it.
  void members();
  return new Access(store, lines, config.admins, members, true, config.approval.mode);
}
