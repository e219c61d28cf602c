import type {
  AnyMiddlewareArgs,
  BufferedIncomingMessage,
  Context,
  Middleware,
  ReceiverProcessEventErrorHandlerArgs,
  SocketModeReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import { HTTPModuleFunctions } from '@slack/bolt';
import { z } from 'zod';
import { label } from './log-rules.js';
import { ackedAsUnhandled, type HandledPayloads } from './receiver-guards.js';

// Bolt rejects requests more than five minutes old but accepts any timestamp in the future, which
// would let a captured request be replayed for as long as the clock skew allows.
const maxSkewSeconds = 5 * 60;

/** A well-signed request the app refuses before any listener runs, with the HTTP status to answer. */
export class RequestRejection extends Error {
  override readonly name = 'RequestRejection';
  constructor(
    message: string,
    readonly status: 400 | 401,
  ) {
    super(message);
  }
}

/** Carries the signed request's timestamp into the listener context (Bolt's custom properties). */
export function extractRequestTimestamp(request: BufferedIncomingMessage): {
  slackRequestTimestamp?: number;
} {
  const value = Number(HTTPModuleFunctions.getHeader(request, 'x-slack-request-timestamp'));
  return Number.isFinite(value) ? { slackRequestTimestamp: value } : {};
}

function rejectFutureRequest(context: Context, now: () => number): void {
  const timestamp = context.slackRequestTimestamp;
  if (typeof timestamp === 'number' && timestamp > now() / 1000 + maxSkewSeconds) {
    throw new RequestRejection('x-slack-request-timestamp is more than 5 minutes in the future', 401);
  }
}

// Just enough shape for Bolt's own listener matching, which throws on anything less: actions
// (whatever the type) must be objects, and a view submission must name its view.
const actionsSchema = z.array(z.looseObject({ action_id: z.string() })).min(1);
const viewSchema = z.looseObject({ id: z.string(), callback_id: z.string() });

function isRoutable(body: Record<string, unknown>): boolean {
  if ('actions' in body && !actionsSchema.safeParse(body.actions).success) return false;
  if (body.type === 'block_actions' && !('actions' in body)) return false;
  if (body.type === 'view_submission' && !viewSchema.safeParse(body.view).success) return false;
  return true;
}

/**
 * The checks every request passes before any listener, as one middleware: Bolt runs each global
 * middleware as a step of its own (a closure, a promise, a `next`), on the path of every ack.
 * A request stamped in the future, or an interactivity payload Bolt could not match against
 * listeners, is refused; a signed payload no listener handles is acknowledged at once.
 */
export function screenRequests(
  known: HandledPayloads,
  now: () => number = Date.now,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    rejectFutureRequest(args.context, now);
    if (!isRoutable(args.body as Record<string, unknown>))
      throw new RequestRejection('malformed interactivity payload', 400);
    if (await ackedAsUnhandled(args, known)) return;
    await args.next();
  };
}

/** An error for a log line: its name and Slack error code, never its message (Bolt's can quote a body). */
function kindOfError(error: Error): string {
  const code = 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
  return `${error.name}${code}`;
}

/**
 * Answers a rejected request with its status. Any other error before the ack means a signed
 * payload that Bolt or a listener could not make sense of: 400 (logged), never a 5xx that Slack
 * would retry.
 */
export async function answerRequestErrors(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const rejection = rejectionIn(args.error);
  if (rejection) {
    // A bad signature or timestamp is worth a warning; a malformed payload from Slack is not.
    const write = rejection.status === 401 ? args.logger.warn : args.logger.debug;
    write.call(args.logger, `Rejected a Slack request: ${rejection.message}`);
    HTTPModuleFunctions.buildNoBodyResponse(args.response, rejection.status);
    return false;
  }
  if (args.response.headersSent) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  args.logger.warn(`Could not process a signed request: ${kindOfError(args.error)}`);
  HTTPModuleFunctions.buildNoBodyResponse(args.response, 400);
  return false;
}

/**
 * The Socket Mode side of answerRequestErrors: an envelope refused, or one Bolt failed on, is
 * acknowledged (true), so that Slack does not deliver it again; it would fail the same way.
 */
export async function answerSocketModeErrors(
  args: SocketModeReceiverProcessEventErrorHandlerArgs,
): Promise<boolean> {
  const rejection = rejectionIn(args.error);
  const type = label(args.event.body?.type);
  if (rejection) args.logger.debug(`Rejected a Socket Mode payload of type ${type}: ${rejection.message}`);
  else
    args.logger.warn(`Could not process a Socket Mode payload of type ${type}: ${kindOfError(args.error)}`);
  return true;
}

export function rejectionIn(error: unknown): RequestRejection | undefined {
  if (error instanceof RequestRejection) return error;
  // Bolt wraps errors that carry no Slack error code in an UnknownError holding the original.
  if (error instanceof Error && 'original' in error && error.original instanceof RequestRejection) {
    return error.original;
  }
  return undefined;
}
