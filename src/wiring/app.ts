import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '@slack/logger';
import type { Access } from '../domain/access/access.js';
import type { Config } from '../runtime/config.js';
import { registerListeners } from '../slack/listeners/index.js';
import { answerStoreOutages } from '../slack/listeners/store-outage.js';
import { ListenerTable } from '../slack/listeners/table.js';
import { libraryLogger } from '../slack/log-rules.js';
import { guardHttpReceiver, guardSocketModeReceiver } from '../slack/receiver-guards.js';
import {
  answerRequestErrors,
  answerSocketModeErrors,
  extractRequestTimestamp,
  rejectionIn,
  screenRequests,
} from '../slack/request-guards.js';
import type { Deps } from '../use-cases/flows/ports.js';

export interface ContactcardApp {
  app: App;
  /** Who may change what: index.ts asks it whether to warn about open mode. */
  access: Access;
}

/** 200 while the app can serve; 503 (saying why) while a dependency it needs, the database, is down. */
function healthRoute(deps: Deps): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      void deps
        .health()
        .catch(() => ({ ok: false as const, problem: 'the health check failed' }))
        .then((health) => {
          res.writeHead(health.ok ? 200 : 503, { 'content-type': 'text/plain' });
          res.end(health.ok ? 'ok' : health.problem);
        });
    },
  };
}

/**
 * The app's hosted photos: public, immutable, never a listing. Anything but a known id is a 404;
 * while the database is down, a 503.
 */
function photoRoute(deps: Deps): CustomRoute {
  return {
    path: '/photos/:file',
    method: ['GET', 'HEAD'],
    handler: (req, res) => {
      const host = deps.photoHost;
      const param = req.params?.file;
      const file = typeof param === 'string' ? param : '';
      const served = host ? host.serve(file) : Promise.resolve(undefined);
      void served.then(
        (photo) => {
          if (photo === undefined) {
            res.writeHead(404, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' });
            res.end('not found');
            return;
          }
          const headers = {
            'content-type': 'image/jpeg',
            'x-content-type-options': 'nosniff',
            'cache-control': 'public, max-age=31536000, immutable',
            etag: photo.etag,
          };
          if (req.headers['if-none-match'] === photo.etag) {
            res.writeHead(304, headers).end();
            return;
          }
          res.writeHead(200, { ...headers, 'content-length': String(photo.jpeg.length) });
          res.end(req.method === 'HEAD' ? undefined : photo.jpeg);
        },
        () => {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('the photo store does not answer');
        },
      );
    },
  };
}

/** Wires Bolt to the app: receiver, request guards, shutdown tracking, listeners. Nothing else. */
export function createApp(deps: Deps): ContactcardApp {
  const { config, log } = deps;
  // Bolt, its receivers and its Web API client log through the rule for request data (log-rules.ts).
  const boltLog = libraryLogger(log);
  const app = new App({
    receiver: createReceiver(config, boltLog, [healthRoute(deps), photoRoute(deps)]),
    token: config.slack.botToken,
    logger: boltLog,
    // Without it Bolt resets its logger to INFO.
    logLevel: log.getLevel(),
    clientOptions: { slackApiUrl: config.slack.apiUrl },
    deferInitialization: true,
    // Neither is used, and each is work on every request: no listener reads context.conversation,
    // and no listener takes message events (the only ones the bot could send to itself).
    convoStore: false,
    ignoreSelf: false,
  });
  // Filled by registerListeners below, before any request: what it holds is all the app handles.
  const listeners = new ListenerTable(app);
  app.use(screenRequests(listeners));
  app.use(answerStoreOutages(deps));
  app.error(async (error) => {
    // A rejected request is answered by the receiver; it is not a crash worth an error line.
    if (!rejectionIn(error)) log.error(`Unhandled error in a listener: ${error.message}`);
    throw error;
  });
  registerListeners(listeners, deps);
  return { app, access: deps.access };
}

function createReceiver(config: Config, log: Logger, routes: CustomRoute[]): Receiver {
  if (config.slack.appToken !== undefined) {
    const receiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: log,
      customRoutes: routes,
      // The Socket Mode client opens its connection through the Web API too (GovSlack, tests).
      installerOptions: { port: config.http.port, clientOptions: { slackApiUrl: config.slack.apiUrl } },
      processEventErrorHandler: answerSocketModeErrors,
    });
    return guardSocketModeReceiver(receiver, log);
  }
  const receiver = new HTTPReceiver({
    // loadConfig guarantees a signing secret whenever there is no app token.
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: log,
    customRoutes: routes,
    customPropertiesExtractor: extractRequestTimestamp,
    processEventErrorHandler: answerRequestErrors,
  });
  return guardHttpReceiver(receiver, { signingSecret: config.slack.signingSecret ?? '', log });
}
