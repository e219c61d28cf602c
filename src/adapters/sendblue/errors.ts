import { isRetryableStatus } from './retry.js';

export interface SendblueErrorOptions {
  fromNumber?: string | undefined;
  /** Whether the same request may succeed if repeated later. */
  retryable: boolean;
  cause?: unknown;
}

export class SendblueError extends Error {
  readonly fromNumber: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: SendblueErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.fromNumber = options.fromNumber;
    this.retryable = options.retryable;
  }
}

const forNumber = (fromNumber: string | undefined) => (fromNumber ? ` for ${fromNumber}` : '');

/**
 * Errors carry data only (status, Sendblue's message, the number, whether a retry may help); the
 * words for people live in src/slack/views/explain.ts.
 */

/** Rejected locally before any request, e.g. an http photo link. */
export class SendblueValidationError extends SendblueError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], fromNumber?: string) {
    super(`Invalid request${forNumber(fromNumber)}: ${problems.join('; ')}`, {
      fromNumber,
      retryable: false,
    });
    this.problems = problems;
  }
}

export interface ApiErrorInit {
  /** Sendblue's own `message`, when the body had one. */
  sendblueMessage?: string | undefined;
  fromNumber?: string | undefined;
  /** From Retry-After, already capped. */
  retryAfterMs?: number | undefined;
  /** The request's method: a read (GET) that fails never tried to apply anything. */
  method?: 'GET' | 'POST' | 'DELETE' | undefined;
}

export class SendblueApiError extends SendblueError {
  readonly status: number;
  readonly sendblueMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly method: ApiErrorInit['method'];

  constructor(status: number, summary: string, init: ApiErrorInit) {
    const detail = init.sendblueMessage ? `: ${init.sendblueMessage}` : '';
    super(`Sendblue ${status} (${summary})${forNumber(init.fromNumber)}${detail}`, {
      fromNumber: init.fromNumber,
      retryable: isRetryableStatus(status),
    });
    this.status = status;
    this.sendblueMessage = init.sendblueMessage;
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
  }
}

export class InvalidParametersError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(400, 'invalid parameters', init);
  }
}

export class AuthenticationError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(401, 'invalid or missing API credentials', init);
  }
}

export class NumberNotOwnedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(403, 'number not owned by this account', init);
  }
}

export class NumberNotFoundError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(404, 'no active Sendblue number', init);
  }
}

export class DeviceOperationFailedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(500, 'operation failed on the device', init);
  }
}

export class DeviceUnavailableError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(503, 'device temporarily unavailable', init);
  }
}

export class RateLimitedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(429, 'rate limited', init);
  }
}

export class UnexpectedStatusError extends SendblueApiError {
  constructor(status: number, init: ApiErrorInit = {}) {
    super(status, 'unexpected status', init);
  }
}

export function apiErrorFor(
  status: number,
  sendblueMessage: string | undefined,
  fromNumber: string | undefined,
  retryAfterMs?: number,
  method?: ApiErrorInit['method'],
): SendblueApiError {
  const init: ApiErrorInit = { sendblueMessage, fromNumber, retryAfterMs, method };
  switch (status) {
    case 400:
      return new InvalidParametersError(init);
    case 401:
      return new AuthenticationError(init);
    case 403:
      return new NumberNotOwnedError(init);
    case 404:
      return new NumberNotFoundError(init);
    case 429:
      return new RateLimitedError(init);
    case 500:
      return new DeviceOperationFailedError(init);
    case 503:
      return new DeviceUnavailableError(init);
    default:
      return new UnexpectedStatusError(status, init);
  }
}

export class SendblueConnectionError extends SendblueError {
  /** e.g. ECONNRESET, ECONNREFUSED, ENOTFOUND. */
  readonly code: string;

  constructor(code: string, fromNumber: string | undefined, cause?: unknown) {
    super(`Could not reach Sendblue${forNumber(fromNumber)} (${code})`, {
      fromNumber,
      cause,
      retryable: true,
    });
    this.code = code;
  }
}

export class SendblueTimeoutError extends SendblueError {
  /** `attempt`: one request took too long; `deadline`: the whole operation, retries included, ran out of time. */
  readonly kind: 'attempt' | 'deadline';
  readonly timeoutMs: number;

  constructor(kind: 'attempt' | 'deadline', timeoutMs: number, fromNumber: string | undefined) {
    const what = kind === 'attempt' ? 'per-attempt timeout' : 'overall deadline, retries included';
    super(`Sendblue did not answer${forNumber(fromNumber)} within ${timeoutMs} ms (${what})`, {
      fromNumber,
      retryable: true,
    });
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The request never left contactcard: every connection to Sendblue stayed busy until its deadline.
 * Nothing reached Sendblue, so nothing can have changed there.
 */
export class SendblueBusyError extends SendblueError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, fromNumber: string | undefined) {
    super(
      `contactcard could not send a request to Sendblue${forNumber(fromNumber)} within ${timeoutMs} ms: every connection was busy`,
      { fromNumber, retryable: false },
    );
    this.timeoutMs = timeoutMs;
  }
}

export class SendblueProtocolError extends SendblueError {
  readonly status: number;

  constructor(detail: string, status: number, fromNumber: string | undefined) {
    super(`Sendblue answered ${status}${forNumber(fromNumber)} with ${detail}`, {
      fromNumber,
      retryable: false,
    });
    this.status = status;
  }
}

export class SendblueAbortError extends SendblueError {
  constructor(fromNumber: string | undefined, cause?: unknown) {
    super(`Sendblue request${forNumber(fromNumber)} was cancelled`, {
      fromNumber,
      cause,
      retryable: false,
    });
  }
}

/**
 * Why a round of background reads (the sync, a drift round) should stop and wait, if it should:
 * Sendblue said too many (429) or unavailable (503), or the app could not even send the read
 * because the requests people wait on kept every connection ('busy').
 */
export function backOffCause(error: unknown): 429 | 503 | 'busy' | undefined {
  if (error instanceof SendblueApiError && (error.status === 429 || error.status === 503))
    return error.status;
  return error instanceof SendblueBusyError ? 'busy' : undefined;
}
