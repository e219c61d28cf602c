import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { ConsoleLogger } from '@slack/logger';
import { Access, cached } from './access/access.js';
import type { Config } from './config.js';
import type { LinesDirectory } from './flows/lines.js';
import { NumberQueue } from './flows/number-queue.js';
import { registerListeners } from './listeners/index.js';
import type { InFlight } from './operations.js';
import type { PhotoChecker } from './photo/index.js';
import type { SendblueClient } from './sendblue/client.js';
import { WebApiOutbox } from './slack/outbox.js';
import {
  answerRequestErrors,
  extractRequestTimestamp,
  rejectFutureRequests,
  rejectionIn,
  rejectMalformedPayloads,
} from './slack/request-guards.js';
import type { Store } from './store/types.js';

/** Everything the listeners need, created once by index.ts (or a test) and handed in. */
export interface Services {
  config: Config;
  log: ConsoleLogger;
  sendblue: SendblueClient;
  /** True when Sendblue is the built-in simulator: every message says so. */
  sandbox: boolean;
  operations: InFlight;
  store: Store;
  /** The account's numbers, refreshed in the background. */
  lines: LinesDirectory;
  /** Checks photo links before Sendblue downloads them (SSRF-safe, cached). */
  photos: PhotoChecker;
}

export interface ContactcardApp {
  app: App;
  /** Who may change what: index.ts asks it whether to warn about open mode. */
  access: Access;
}

// views.open must land inside the 3 s trigger window: a retry or a long wait only produces an
// expired_trigger_id, so such calls fail fast instead.
const triggerBoundTimeoutMs = 2_500;

const healthRoute: CustomRoute = {
  path: '/healthz',
  method: ['GET'],
  handler: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  },
};

export function createApp(services: Services): ContactcardApp {
  const { config, log } = services;
  const clientOptions = {
    slackApiUrl: config.slack.apiUrl,
    // Bolt's default retries for 30 minutes; a message that late is worse than a logged failure.
    retryConfig: webApi.retryPolicies.fiveRetriesInFiveMinutes,
  };
  const app = new App({
    receiver: createReceiver(config, log),
    token: config.slack.botToken,
    logger: log,
    // Without it Bolt resets its logger to INFO.
    logLevel: log.getLevel(),
    clientOptions,
    deferInitialization: true,
  });
  app.use(rejectFutureRequests());
  app.use(rejectMalformedPayloads());
  // Listeners keep working after their ack (views.open, then Sendblue): a shutdown waits for them.
  app.use(({ next }) => services.operations.track(next()));
  app.error(async (error) => {
    // A rejected request is answered by the receiver; it is not a crash worth an error line.
    if (!rejectionIn(error)) log.error(`Unhandled error in a listener: ${error.message}`);
    throw error;
  });

  const triggerClient = new webApi.WebClient(config.slack.botToken, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    timeout: triggerBoundTimeoutMs,
    logger: log,
  });
  const access = createAccess(services, triggerClient);
  registerListeners(app, {
    flows: {
      sendblue: services.sendblue,
      outbox: new WebApiOutbox(app.client, config.slack.apiUrl, log),
      store: services.store,
      queue: new NumberQueue(),
      access,
      lines: services.lines,
      photos: services.photos,
      log,
      sandbox: services.sandbox,
      notifyChannel: config.notifyChannel,
    },
    triggerClient,
    operations: services.operations,
    region: config.defaultRegion,
  });
  return { app, access };
}

// Group membership changes rarely; a few minutes of staleness saves a Web API call per click.
const adminGroupTtlMs = 3 * 60_000;

function createAccess(services: Services, client: webApi.WebClient): Access {
  const group = services.config.adminGroup;
  if (group === undefined) return new Access(services.store, services.config.admins);
  const members = cached(async () => (await client.usergroups.users.list({ usergroup: group })).users ?? [], {
    ttlMs: adminGroupTtlMs,
    fallback: [] as string[],
    onError: (error) =>
      services.log.warn(
        `could not read CONTACTCARD_ADMIN_GROUP ${group} (${error instanceof Error ? error.message : String(error)}); ` +
          'is the usergroups:read scope granted?',
      ),
  });
  // Loaded now, so the first command does not wait for it.
  void members();
  return new Access(services.store, services.config.admins, members, true);
}

function createReceiver(config: Config, log: ConsoleLogger): Receiver {
  if (config.slack.appToken !== undefined) {
    return new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: log,
      customRoutes: [healthRoute],
      // The Socket Mode client opens its connection through the Web API too (GovSlack, tests).
      installerOptions: { port: config.http.port, clientOptions: { slackApiUrl: config.slack.apiUrl } },
    });
  }
  return new HTTPReceiver({
    // loadConfig guarantees a signing secret whenever there is no app token.
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: log,
    customRoutes: [healthRoute],
    customPropertiesExtractor: extractRequestTimestamp,
    processEventErrorHandler: answerRequestErrors,
  });
}
