import type {
  AnyMiddlewareArgs,
  BufferedIncomingMessage,
  Middleware,
  ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import { HTTPModuleFunctions } from '@slack/bolt';
import { z } from 'zod';

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

export function rejectFutureRequests(now: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  return async ({ context, next }) => {
    const timestamp = context.slackRequestTimestamp;
    if (typeof timestamp === 'number' && timestamp > now() / 1000 + maxSkewSeconds) {
      throw new RequestRejection('x-slack-request-timestamp is more than 5 minutes in the future', 401);
    }
    await next();
  };
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

/** Refuses interactivity payloads Bolt could not match against listeners, before it tries. */
export function rejectMalformedPayloads(): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    if (!isRoutable(body as Record<string, unknown>))
      throw new RequestRejection('malformed interactivity payload', 400);
    await next();
  };
}

/**
 * Answers a rejected request with its status. Any other error before the ack means a signed
 * payload that Bolt or a listener could not make sense of: 400 (logged), never a 5xx that Slack
 * would retry.
 */
export async function answerRequestErrors(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const rejection = rejectionIn(args.error);
  if (rejection) {
    args.logger.warn(`Rejected a Slack request: ${rejection.message}`);
    HTTPModuleFunctions.buildNoBodyResponse(args.response, rejection.status);
    return false;
  }
  if (args.response.headersSent) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  args.logger.error(`Could not process a signed request: ${args.error.message}`);
  HTTPModuleFunctions.buildNoBodyResponse(args.response, 400);
  return false;
}

export function rejectionIn(error: unknown): RequestRejection | undefined {
  if (error instanceof RequestRejection) return error;
  // Bolt wraps errors that carry no Slack error code in an UnknownError holding the original.
  if (error instanceof Error && 'original' in error && error.original instanceof RequestRejection) {
    return error.original;
  }
  return undefined;
}
