export interface RetryPolicy {
  /** Retries after the first attempt, so at most `maxRetries + 1` requests. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A server asking us to wait longer than this is not worth keeping a Slack user waiting for. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 30_000,
};

/**
 * Full jitter (random in [0, cap)) rather than "cap ± a bit": it spreads clients that failed together
 * across the whole window, so they do not hammer a recovering device in lockstep.
 * `retry` counts from 0 for the first retry.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'> = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  return Math.min(1, Math.max(0, random())) * cap;
}

// All three HTTP-date formats (IMF-fixdate, RFC 850, asctime) start with a day name; requiring it keeps
// Date.parse from accepting junk like "-5" as a year.
const HTTP_DATE_START = /^(mon|tue|wed|thu|fri|sat|sun)/i;

/** Retry-After as milliseconds to wait, capped; `undefined` when absent or unparseable. */
export function parseRetryAfter(
  header: string | string[] | undefined,
  now: number = Date.now(),
  maxMs: number = DEFAULT_RETRY_POLICY.maxRetryAfterMs,
): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else if (HTTP_DATE_START.test(value)) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  } else {
    return undefined;
  }
  return Math.min(ms, maxMs);
}

/** 500 is not here: the device tried and failed (usually the photo), so repeating gives the same answer. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
