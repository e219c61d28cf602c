import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
} from '../src/adapters/sendblue/retry.js';

describe('backoffDelay', () => {
  it('uses the documented defaults', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 3,
      initialDelayMs: 500,
      maxDelayMs: 8000,
      maxRetryAfterMs: 30_000,
    });
  });

  it('doubles the window each retry up to the cap', () => {
    const top = (retry: number) => backoffDelay(retry, DEFAULT_RETRY_POLICY, () => 1);
    expect([0, 1, 2, 3, 4, 5, 10].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('is full jitter: random() scales the whole window, from 0 upwards', () => {
    expect(backoffDelay(2, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
    expect(backoffDelay(2, DEFAULT_RETRY_POLICY, () => 0.25)).toBe(500);
  });

  it('always stays within [0, min(maxDelay, initial * 2^retry)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 60_000 }),
        (retry, r, initialDelayMs, maxDelayMs) => {
          const delay = backoffDelay(retry, { initialDelayMs, maxDelayMs }, () => r);
          const cap = Math.min(maxDelayMs, initialDelayMs * 2 ** retry);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap);
          expect(delay).toBeCloseTo(r * cap, 6);
        },
      ),
    );
  });

  it('clamps a misbehaving random source into the window', () => {
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 7)).toBe(500);
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => -1)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sunday, 01-Jun-25 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('caps long waits', () => {
    expect(parseRetryAfter('120', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 13:00:00 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('120', now, 5000)).toBe(5000);
  });

  it('returns undefined for absent or invalid values', () => {
    for (const value of [undefined, '', '  ', 'soon', '-5', '1e3', 'Sun, 99 Foo 2025', '0x10', []]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });

  it('never returns a negative or uncapped number for any string', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const ms = parseRetryAfter(value, now);
        if (ms !== undefined) {
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(30_000);
        }
      }),
    );
  });
});

describe('isRetryableStatus', () => {
  it('retries only transient statuses', () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 500, 501, 418].some(isRetryableStatus)).toBe(false);
  });
});
