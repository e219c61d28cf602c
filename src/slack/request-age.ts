import type {
  AnyMiddlewareArgs,
  BufferedIncomingMessage,
  Middleware,
  ReceiverProcessEventErrorHandlerArgs,
} from '@slack/bolt';
import { HTTPModuleFunctions } from '@slack/bolt';

// Bolt rejects requests more than five minutes old but accepts any timestamp in the future, which
// would let a captured request be replayed for as long as the clock skew allows.
const maxSkewSeconds = 5 * 60;

export class FutureRequestError extends Error {
  override readonly name = 'FutureRequestError';
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
      throw new FutureRequestError('x-slack-request-timestamp is more than 5 minutes in the future');
    }
    await next();
  };
}

/** Answers 401 for a future-dated request and defers every other error to Bolt's default handling. */
export async function answerFutureRequests(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  if (isFutureRequestError(args.error)) {
    args.logger.warn(`Rejected a Slack request: ${args.error.message}`);
    HTTPModuleFunctions.buildNoBodyResponse(args.response, 401);
    return false;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}

export function isFutureRequestError(error: unknown): boolean {
  // Bolt wraps errors that carry no Slack error code in an UnknownError holding the original.
  return (
    error instanceof FutureRequestError ||
    (error instanceof Error && 'original' in error && error.original instanceof FutureRequestError)
  );
}
