import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AllMiddlewareArgs,
  type AnyMiddlewareArgs,
  type BufferedIncomingMessage,
  HTTPModuleFunctions,
  type HTTPReceiver,
  type SocketModeReceiver,
} from '@slack/bolt';
// Bolt's own test of what a body is; its package exports no map, so the helper is reachable.
import { getTypeAndConversation } from '@slack/bolt/dist/helpers.js';
import { z } from 'zod';
import type { Log } from '../runtime/logger.js';
import { describeError } from '../runtime/process-errors.js';
import { jsonKind, label } from './log-rules.js';

// Guards in front of Bolt 5.1's receivers for the requests they would crash on, and the answer to
// the signed payloads no listener handles (screenRequests runs it). Each guard lets everything else
// through untouched.

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpGuardOptions {
  signingSecret: string;
  /** The receiver's bodyLimit, when it was given one (Bolt's default otherwise). */
  bodyLimit?: number;
  /** The receiver's `endpoints`. */
  endpoints?: readonly string[];
  log: Log;
}

// As in request-guards.ts: a signed timestamp more than five minutes ahead is refused too.
const maxSkewSeconds = 5 * 60;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether Bolt can tell what a body is (an event, a command, an action, a view, options, a shortcut)
 * by its own test. Bolt leaves a body it cannot tell unacknowledged: over HTTP it waits 3 s, answers
 * 404 and logs an error; in Socket Mode, Slack sends it again.
 */
function boltCanRoute(body: unknown): boolean {
  if (!isPlainObject(body)) return false;
  try {
    return getTypeAndConversation(body).type !== undefined;
  } catch {
    // It reads `event.channel` with `in`, which throws on an event that is not an object.
    return false;
  }
}

/** What the HTTP receiver answers: Slack's two checks (which it answers itself), or a payload Bolt can route. */
const isRoutable = (value: unknown): boolean =>
  isPlainObject(value) &&
  (value.ssl_check === '1' || value.type === 'url_verification' || boltCanRoute(value));

/** A body for a log line: its type when it is an object, else its kind; never its contents. */
const kindOf = (value: unknown) =>
  isPlainObject(value) ? `an object of type ${label(value.type)}` : jsonKind(value);

function pathOf(url: string | undefined): string | undefined {
  // The usual target, /slack/events, needs no URL parser; anything unusual gets the real one.
  if (url !== undefined && /^\/[\w./-]*$/.test(url) && !url.startsWith('//') && !url.includes('/.'))
    return url;
  try {
    return new URL(url ?? '', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Bolt's HTTPReceiver reads `body.ssl_check` from the parsed body in an async closure with no catch:
 * a signed body that parses to `null` (`payload=null`, or a JSON `null`) is an unhandled rejection
 * that ends the process, and other non-objects (arrays, numbers, strings) are misrouted. This wraps
 * the receiver's public `requestListener` (which `start()` calls) so that such bodies are answered
 * here: 401 when the signature is bad, else 400. Everything else reaches Bolt unchanged, already
 * buffered (Bolt re-uses a buffered request), so Bolt keeps its own answers: 413 over the body
 * limit, 401 unsigned, 400 unparsable.
 */
export function guardHttpReceiver<R extends HTTPReceiver>(receiver: R, options: HttpGuardOptions): R {
  const original = receiver.requestListener;
  const { log, signingSecret } = options;
  const bodyLimit = options.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit;
  const endpoints = options.endpoints ?? ['/slack/events'];

  async function screen(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let buffered: BufferedIncomingMessage;
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit);
    } catch (error) {
      // The stream is spent: Bolt cannot read it again, so answer exactly as it would.
      if (
        HTTPModuleFunctions.isRawBodyError(error) &&
        (error.type === 'entity.too.large' || error.statusCode === 413)
      ) {
        log.warn(`Request body exceeded the maximum allowed size (limit: ${bodyLimit} bytes)`);
        HTTPModuleFunctions.buildNoBodyResponse(res, 413);
      } else {
        log.warn(`Failed to read the request body: ${describeError(error)}`);
        HTTPModuleFunctions.buildNoBodyResponse(res, 401);
      }
      return;
    }
    // Parsed as Bolt parses it (a form's `payload` field is JSON). What does not parse, Bolt answers.
    const parsed = parse(buffered);
    if (parsed.ok && !isRoutable(parsed.value)) {
      try {
        await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ signingSecret, bodyLimit }, buffered);
      } catch (error) {
        log.warn(`Failed to parse and verify the request data: ${describeError(error)}`);
        HTTPModuleFunctions.buildNoBodyResponse(res, 401);
        return;
      }
      // An unsigned ssl_check passes by having its body rewritten to `ssl_check=1`, which Bolt answers.
      const verified = parse(buffered);
      if (!(verified.ok && isRoutable(verified.value))) {
        if (Number(req.headers['x-slack-request-timestamp']) > Date.now() / 1000 + maxSkewSeconds) {
          log.warn(
            'Rejected a Slack request: x-slack-request-timestamp is more than 5 minutes in the future',
          );
          HTTPModuleFunctions.buildNoBodyResponse(res, 401);
          return;
        }
        log.debug(`Refused a signed request Bolt cannot route (${kindOf(parsed.value)})`);
        HTTPModuleFunctions.buildNoBodyResponse(res, 400);
        return;
      }
    }
    original(buffered, res);
  }

  receiver.requestListener = (req, res) => {
    const path = pathOf(req.url);
    if (path === undefined) {
      // Bolt would throw on it and its dispatch error handler would answer 500.
      log.warn('Refused a request whose target is not a URL path');
      HTTPModuleFunctions.buildNoBodyResponse(res, 400);
      return;
    }
    if (req.method?.toUpperCase() !== 'POST' || !endpoints.includes(path)) {
      // Other routes throw for `start()`'s dispatch error handler (404), as before.
      original(req, res);
      return;
    }
    screen(req, res).catch((error: unknown) => {
      log.warn(`Could not screen a request to ${path}: ${describeError(error)}`);
      if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, 400);
    });
  };
  return receiver;
}

function parse(request: BufferedIncomingMessage): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: HTTPModuleFunctions.parseHTTPRequestBody(request) };
  } catch {
    return { ok: false };
  }
}

// ---------------------------------------------------------------------------------------------
// Socket Mode

// @slack/socket-mode 3.x's SocketModeClient.onWebSocketMessage reads `event.type` from whatever the
// message parses to, `event.payload.event.type` for events_api, and emits those strings as its own
// EventEmitter events. These are the names the client (and Bolt's receiver) listen to themselves, so
// an event named like one of them would drive the client instead of reaching Bolt.
const clientEventNames = new Set([
  'error',
  'close',
  'ws_message',
  'slack_event',
  'outgoing_message',
  'connecting',
  'connected',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'authenticated',
  'hello',
  'disconnect',
  'events_api',
  'slash_commands',
  'interactive',
]);

// A command or interactivity payload Bolt cannot tell would never be acknowledged (see boltCanRoute).
const routablePayload = z.custom<Record<string, unknown>>(boltCanRoute);
const envelopeId = z.string().optional();
const envelopeSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('hello') }),
  z.looseObject({ type: z.literal('disconnect') }),
  z.looseObject({
    type: z.literal('events_api'),
    envelope_id: envelopeId,
    payload: z.looseObject({
      event: z.looseObject({ type: z.string().refine((type) => !clientEventNames.has(type)) }),
    }),
  }),
  z.looseObject({ type: z.literal('slash_commands'), envelope_id: envelopeId, payload: routablePayload }),
  z.looseObject({ type: z.literal('interactive'), envelope_id: envelopeId, payload: routablePayload }),
]);

/** What the guard needs of the client beyond its public API (both exist in @slack/socket-mode 3.x). */
interface SocketModeClientInternals {
  onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void>;
  send(envelopeId: string, body?: Record<string, unknown>): Promise<void>;
}

/**
 * Puts an envelope check in front of the Socket Mode client's message handling: it replaces the
 * client's 'ws_message' listener (its own onWebSocketMessage, bound in its constructor) by one that
 * passes on only envelopes of the shapes Slack sends. A malformed envelope with an envelope_id is
 * acknowledged, so Slack does not redeliver it, and dropped; either way one debug line, no contents.
 */
export function guardSocketModeReceiver<R extends SocketModeReceiver>(receiver: R, log: Log): R {
  const client = receiver.client;
  const internals = client as unknown as SocketModeClientInternals;
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: unknown) => {
    const handled =
      typeof data === 'string' && isBinary !== true
        ? screenEnvelope(data)
        : // The client ignores binary frames itself.
          internals.onWebSocketMessage.call(client, data as ArrayBuffer, true);
    handled.catch((error: unknown) =>
      log.warn(`Could not handle a Socket Mode message: ${describeError(error)}`),
    );
  });

  async function screenEnvelope(data: string): Promise<void> {
    let envelope: unknown;
    try {
      envelope = JSON.parse(data);
    } catch {
      log.debug('Dropped a Socket Mode message that is not JSON');
      return;
    }
    if (envelopeSchema.safeParse(envelope).success) {
      await internals.onWebSocketMessage.call(client, data, false);
      return;
    }
    const id =
      isPlainObject(envelope) && typeof envelope.envelope_id === 'string' ? envelope.envelope_id : '';
    const type = isPlainObject(envelope) ? label(envelope.type) : jsonKind(envelope);
    if (id) {
      log.debug(`Acknowledged and dropped a malformed Socket Mode envelope (type ${type})`);
      await internals.send.call(client, id);
    } else {
      log.debug(`Dropped a malformed Socket Mode envelope (type ${type})`);
    }
  }
  return receiver;
}

// ---------------------------------------------------------------------------------------------
// Payloads no listener handles

export type PayloadKind = 'command' | 'action' | 'view';

/** What has a listener (the listener table): a command by name, an action by action_id, a view by callback_id. */
export interface HandledPayloads {
  handles(kind: PayloadKind, id: string): boolean;
}

/**
 * Acknowledges at once, with a debug line, a signed interactivity payload or slash command that no
 * listener will handle: otherwise Bolt waits three seconds for an ack, answers 404 and logs an error.
 * It reads the same arguments Bolt's listener matching does (`command`, `action`, `view`, ...).
 * Events API events are acknowledged by Bolt itself and go on untouched, as does anything handled.
 * True when it acknowledged.
 */
export async function ackedAsUnhandled(
  args: AnyMiddlewareArgs & AllMiddlewareArgs,
  known: HandledPayloads,
): Promise<boolean> {
  const unhandled = unhandledKind(args as unknown as Record<string, unknown>, known);
  const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
  if (unhandled === undefined || ack === undefined) return false;
  args.logger.debug(`Acknowledged ${unhandled}, which no listener handles`);
  await ack();
  return true;
}

function unhandledKind(args: Record<string, unknown>, known: HandledPayloads): string | undefined {
  const body = isPlainObject(args.body) ? args.body : {};
  if ('event' in args) return undefined;
  if ('command' in args) {
    const command = isPlainObject(args.command) ? args.command.command : undefined;
    return typeof command === 'string' && known.handles('command', command)
      ? undefined
      : `the command ${label(command)}`;
  }
  if ('action' in args) {
    const actionId = isPlainObject(args.action) ? args.action.action_id : undefined;
    return typeof actionId === 'string' && known.handles('action', actionId)
      ? undefined
      : `a ${label(body.type)} action ${label(actionId)}`;
  }
  if ('view' in args) {
    const callbackId = isPlainObject(args.view) ? args.view.callback_id : undefined;
    return body.type === 'view_submission' &&
      typeof callbackId === 'string' &&
      known.handles('view', callbackId)
      ? undefined
      : `a ${label(body.type)} for the view ${label(callbackId)}`;
  }
  if ('options' in args) return `an options request (${label(body.type)})`;
  if ('shortcut' in args) return `a ${label(body.type)} shortcut ${label(body.callback_id)}`;
  return undefined;
}
