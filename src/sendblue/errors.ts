import { isRetryableStatus } from './retry.js';

export interface SendblueErrorOptions {
  fromNumber?: string | undefined;
  /** Short plain English for the person in Slack: what they can do about it. */
  advice: string;
  /** Whether the same request may succeed if repeated later. */
  retryable: boolean;
  cause?: unknown;
}

export class SendblueError extends Error {
  readonly fromNumber: string | undefined;
  readonly advice: string;
  readonly retryable: boolean;

  constructor(message: string, options: SendblueErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.fromNumber = options.fromNumber;
    this.advice = options.advice;
    this.retryable = options.retryable;
  }
}

const forNumber = (fromNumber: string | undefined) => (fromNumber ? ` for ${fromNumber}` : '');

/** Rejected locally before any request, e.g. an http photo link. */
export class SendblueValidationError extends SendblueError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], fromNumber?: string) {
    super(`Invalid request${forNumber(fromNumber)}: ${problems.join('; ')}`, {
      fromNumber,
      advice: problems.map((p) => `${p}.`).join(' '),
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
}

interface StatusInfo {
  summary: string;
  advice: string;
}

export class SendblueApiError extends SendblueError {
  readonly status: number;
  readonly sendblueMessage: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(status: number, info: StatusInfo, init: ApiErrorInit) {
    const detail = init.sendblueMessage ? `: ${init.sendblueMessage}` : '';
    super(`Sendblue ${status} (${info.summary})${forNumber(init.fromNumber)}${detail}`, {
      fromNumber: init.fromNumber,
      advice: info.advice,
      retryable: isRetryableStatus(status),
    });
    this.status = status;
    this.sendblueMessage = init.sendblueMessage;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export class InvalidParametersError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      400,
      {
        summary: 'invalid parameters',
        advice:
          'Sendblue rejected the request as invalid. Check the number is in +E.164 format and every required field is filled in.',
      },
      init,
    );
  }
}

export class AuthenticationError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      401,
      {
        summary: 'invalid or missing API credentials',
        advice:
          'Sendblue rejected the API credentials. An admin must check SENDBLUE_API_KEY_ID and SENDBLUE_API_SECRET_KEY.',
      },
      init,
    );
  }
}

export class NumberNotOwnedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      403,
      {
        summary: 'number not owned by this account',
        advice:
          'This Sendblue account does not own that number. Check the number, or use the API key of the account that owns it.',
      },
      init,
    );
  }
}

export class NumberNotFoundError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      404,
      {
        summary: 'no active Sendblue number',
        advice:
          'Sendblue has no active number matching that. Check the number is an active line on this Sendblue account.',
      },
      init,
    );
  }
}

export class DeviceOperationFailedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      500,
      {
        summary: 'operation failed on the device',
        advice:
          'The phone could not apply the card. Usually the photo URL could not be downloaded: use a public https link to a JPEG or PNG and try again.',
      },
      init,
    );
  }
}

export class DeviceUnavailableError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      503,
      {
        summary: 'device temporarily unavailable',
        advice: "The number's phone is temporarily unavailable. Try again in a few minutes.",
      },
      init,
    );
  }
}

export class RateLimitedError extends SendblueApiError {
  constructor(init: ApiErrorInit = {}) {
    super(
      429,
      {
        summary: 'rate limited',
        advice: 'Sendblue is receiving too many requests from this account. Wait a minute and try again.',
      },
      init,
    );
  }
}

export class UnexpectedStatusError extends SendblueApiError {
  constructor(status: number, init: ApiErrorInit = {}) {
    super(
      status,
      {
        summary: 'unexpected status',
        advice: 'Sendblue answered with an unexpected error. Try again in a few minutes.',
      },
      init,
    );
  }
}

export function apiErrorFor(
  status: number,
  sendblueMessage: string | undefined,
  fromNumber: string | undefined,
  retryAfterMs?: number,
): SendblueApiError {
  const init: ApiErrorInit = { sendblueMessage, fromNumber, retryAfterMs };
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
      advice:
        'Could not reach Sendblue. Try again in a minute; if it keeps failing, an admin should check the network.',
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
      // The device may still finish the change after we stop waiting, hence "check first".
      advice:
        "Sendblue took too long to answer. The change may still go through: check the number's current card before trying again.",
      retryable: true,
    });
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

export class SendblueProtocolError extends SendblueError {
  readonly status: number;

  constructor(detail: string, status: number, fromNumber: string | undefined) {
    super(`Sendblue answered ${status}${forNumber(fromNumber)} with ${detail}`, {
      fromNumber,
      advice:
        'Sendblue answered in a format this app does not understand. Try again later; if it persists, tell the app maintainer.',
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
      advice: 'The request was cancelled before Sendblue answered.',
      retryable: false,
    });
  }
}
