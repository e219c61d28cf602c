import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DeviceOperationFailedError,
  DeviceUnavailableError,
  InvalidParametersError,
  NumberNotFoundError,
  NumberNotOwnedError,
  RateLimitedError,
  SendblueAbortError,
  type SendblueApiError,
  SendblueBusyError,
  SendblueConnectionError,
  SendblueProtocolError,
  SendblueTimeoutError,
  SendblueValidationError,
  UnexpectedStatusError,
} from '../src/adapters/sendblue/errors.js';
import { explainFailure } from '../src/slack/views/explain.js';
import { faults, startFakeSendblue } from './fakes/fake-sendblue.js';
import { sendblueHarness } from './helpers/sendblue-harness.js';

const NUMBER = '+14155551234';
const CARD = {
  fromNumber: NUMBER,
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/jane.jpg',
};

const harness = sendblueHarness();

/** A number whose requests the fake holds unanswered while a test needs every connection busy. */
const BUSY = '+14155550111';

/** Fills the client's 16 connections with requests for BUSY, held until `harness.fake.release(BUSY)`. */
async function holdEveryConnection<T>(send: (number: string) => Promise<T>) {
  harness.fake.hold(BUSY);
  const held = Array.from({ length: 16 }, () => send(BUSY));
  await harness.fake.waitForRequests(16);
  return held;
}
const { lines, sleeps } = harness;
const client = harness.client.bind(harness);
const failure = harness.failure.bind(harness);

describe('requests', () => {
  it('GET state encodes + as %2B and sends both auth headers', async () => {
    const state = await client().getState(NUMBER);
    expect(state).toEqual({ hasProfile: false, firstName: null, lastName: null, displayName: null });
    const [req] = harness.fake.requests;
    expect(req?.method).toBe('GET');
    expect(req?.url).toBe('/api/v2/contact-sharing/state?fromNumber=%2B14155551234');
    expect(req?.headers).toMatchObject({
      'sb-api-key-id': harness.fake.keyId,
      'sb-api-secret-key': harness.fake.secret,
      accept: 'application/json',
      'user-agent': 'contactcard/0.1',
    });
    expect(req?.headers['content-type']).toBeUndefined();
  });

  it('POST sends exactly the documented body, trimmed, omitting an absent displayName', async () => {
    const c = client();
    const state = await c.upsertProfile({ ...CARD, firstName: '  Jane ', displayName: '' });
    expect(state).toEqual({ hasProfile: true, firstName: 'Jane', lastName: 'Smith', displayName: null });
    await c.upsertProfile({ ...CARD, displayName: 'Jane at Acme' });
    const [first, second] = harness.fake.requests;
    expect(first?.path).toBe('/api/v2/contact-sharing/profile');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(first?.rawBody ?? '')).toEqual(CARD);
    expect(JSON.parse(second?.rawBody ?? '')).toEqual({ ...CARD, displayName: 'Jane at Acme' });
    expect(harness.fake.profiles.get(NUMBER)?.displayName).toBe('Jane at Acme');
  });

  it('DELETE sends only {fromNumber} as JSON', async () => {
    const c = client();
    await c.upsertProfile(CARD);
    expect(await c.deleteProfile(NUMBER)).toEqual({
      hasProfile: false,
      firstName: null,
      lastName: null,
      displayName: null,
    });
    const req = harness.fake.requests[1];
    expect(req?.method).toBe('DELETE');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.rawBody).toBe(JSON.stringify({ fromNumber: NUMBER }));
  });

  it('keeps undocumented extra fields in the state', async () => {
    const data = { hasProfile: true, firstName: 'J', lastName: 'S', sharingEnabled: true, hasPhoto: false };
    harness.fake.inject(NUMBER, faults.reply(200, { status: 'OK', data, requestId: 'x' }));
    expect(await client().getState(NUMBER)).toEqual({ ...data, displayName: null });
  });

  it('rejects invalid input locally without any request', async () => {
    const c = client();
    const http = await failure(
      c.upsertProfile({ ...CARD, photoUrl: 'http://example.com/j.jpg', lastName: ' ' }),
    );
    expect(http).toBeInstanceOf(SendblueValidationError);
    expect(http.message).toContain('Last name is required');
    expect(http.message).toContain('https://');
    expect(explainFailure(http).advice).toContain('public internet');
    expect(http.fromNumber).toBe(NUMBER);
    expect(await failure(c.getState('4155551234'))).toBeInstanceOf(SendblueValidationError);
    expect(await failure(c.deleteProfile('+1 415'))).toBeInstanceOf(SendblueValidationError);
    expect(harness.fake.requests).toHaveLength(0);
  });
});

describe('documented errors', () => {
  it.each([
    [400, InvalidParametersError, 'invalid', 1],
    [401, AuthenticationError, 'SENDBLUE_API_KEY_ID', 1],
    [403, NumberNotOwnedError, 'does not own that number', 1],
    [404, NumberNotFoundError, 'no active number', 1],
    [500, DeviceOperationFailedError, 'public https link', 1],
    [503, DeviceUnavailableError, 'try again in a few minutes', 4],
  ])('%i → %o after %s attempts', async (status, ErrorClass, advice, attempts) => {
    harness.fake.inject(NUMBER, faults.error(status, `sendblue says ${status}`));
    const error = await failure(client().upsertProfile(CARD));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, sendblueMessage: `sendblue says ${status}`, fromNumber: NUMBER });
    expect(error.message).toContain(`Sendblue ${status}`);
    expect(error.message).toContain(NUMBER);
    expect(error.message).toContain(`sendblue says ${status}`);
    expect(explainFailure(error).advice.toLowerCase()).toContain(advice.toLowerCase());
    expect(error.retryable).toBe(status === 503);
    expect(harness.fake.requests).toHaveLength(attempts);
  });

  it('real 401 from wrong credentials', async () => {
    const error = await failure(client({ apiSecretKey: 'wrong-secret-123' }).getState(NUMBER));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).sendblueMessage).toBe('Invalid or missing API credentials');
  });

  it('a non-JSON error body still gives the typed error, without a message', async () => {
    harness.fake.inject(NUMBER, faults.reply(403, '<html>Forbidden</html>'));
    const error = await failure(client().getState(NUMBER));
    expect(error).toBeInstanceOf(NumberNotOwnedError);
    expect((error as NumberNotOwnedError).sendblueMessage).toBeUndefined();
  });

  it('an undocumented status is UnexpectedStatusError, not retried unless transient', async () => {
    harness.fake.inject(NUMBER, faults.error(418, 'teapot'));
    const error = await failure(client().getState(NUMBER));
    expect(error).toBeInstanceOf(UnexpectedStatusError);
    expect(error).toMatchObject({ status: 418, retryable: false });
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('malformed JSON on 200 is a protocol error, not retried', async () => {
    harness.fake.inject(NUMBER, faults.malformed());
    const error = await failure(client().getState(NUMBER));
    expect(error).toBeInstanceOf(SendblueProtocolError);
    expect(error.message).toContain('not JSON');
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('an undocumented 200 shape is a protocol error naming the problem, with a short snippet', async () => {
    harness.fake.inject(
      NUMBER,
      faults.reply(200, { status: 'OK', data: { firstName: 'J' }, pad: 'x'.repeat(5000) }),
    );
    const error = await failure(client().getState(NUMBER));
    expect(error).toBeInstanceOf(SendblueProtocolError);
    expect(error.message).toContain('data.hasProfile');
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('retries', () => {
  it('503 twice then success: 3 attempts with full-jitter backoff', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(2, 503));
    expect((await client().getState(NUMBER)).hasProfile).toBe(false);
    expect(harness.fake.requests).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('persistent 503: 4 attempts then DeviceUnavailableError', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(99, 503));
    expect(await failure(client().deleteProfile(NUMBER))).toBeInstanceOf(DeviceUnavailableError);
    expect(harness.fake.requests).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('honours Retry-After instead of the backoff', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(1, 429, 2));
    await client().getState(NUMBER);
    expect(sleeps).toEqual([2000]);
    harness.fake.inject(NUMBER, faults.failTimes(5, 429, 0));
    const error = await failure(client().getState(NUMBER));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(sleeps).toEqual([2000, 0, 0, 0]);
  });

  it('caps Retry-After at 30 s by default and at maxRetryAfterMs when set', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(1, 503, 120));
    await client().upsertProfile(CARD);
    harness.fake.inject(NUMBER, faults.failTimes(1, 503, 'Fri, 31 Dec 2100 23:59:59 GMT'));
    await client({ retry: { maxRetryAfterMs: 1000 } }).getState(NUMBER);
    expect(sleeps).toEqual([30_000, 1000]);
  });

  it('retries 502 and 504', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(1, 502));
    harness.fake.inject(NUMBER, faults.failTimes(1, 504));
    expect((await client().getState(NUMBER)).hasProfile).toBe(false);
    expect(harness.fake.requests).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    harness.fake.inject(NUMBER, faults.reset(1));
    expect((await client().upsertProfile(CARD)).hasProfile).toBe(true);
    expect(harness.fake.requests).toHaveLength(2);
    expect(lines[0]?.line).toContain('status=ECONNRESET attempt=1');
  });

  it('gives up on a refused connection with SendblueConnectionError after all retries', async () => {
    const gone = await startFakeSendblue();
    await gone.close();
    const error = await failure(client({ baseUrl: gone.url }).getState(NUMBER));
    expect(error).toBeInstanceOf(SendblueConnectionError);
    expect((error as SendblueConnectionError).code).toBe('ECONNREFUSED');
    expect(lines).toHaveLength(4);
  });

  it('a hung attempt times out and is retried', async () => {
    harness.fake.inject(NUMBER, faults.hang(1));
    const state = await client({ attemptTimeoutMs: 100 }).getState(NUMBER);
    expect(state.hasProfile).toBe(false);
    expect(harness.fake.requests).toHaveLength(2);
    expect(lines[0]?.line).toMatch(/status=timeout attempt=1 ms=\d+/);
  });

  it('persistent hangs end in an attempt timeout error', async () => {
    harness.fake.inject(NUMBER, faults.hang());
    const error = await failure(client({ attemptTimeoutMs: 30 }).getState(NUMBER));
    expect(error).toBeInstanceOf(SendblueTimeoutError);
    expect(error).toMatchObject({ kind: 'attempt', timeoutMs: 30 });
    expect(harness.fake.requests).toHaveLength(4);
  });

  it('never runs past the overall deadline', async () => {
    harness.fake.inject(NUMBER, faults.hang());
    const started = Date.now();
    const error = await failure(
      client({ attemptTimeoutMs: 5000, deadlineMs: { other: 200 } }).getState(NUMBER),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(SendblueTimeoutError);
    expect(error).toMatchObject({ kind: 'deadline', timeoutMs: 200 });
    expect(error.message).toContain('overall deadline');
  });

  it('keeps its deadline while every connection is busy, and does not send the request late', async () => {
    const c = client();
    const held = await holdEveryConnection((busy) => c.getState(busy));
    const started = Date.now();
    const error = await failure(c.getState(NUMBER, { deadlineMs: 200 }));
    expect(Date.now() - started).toBeLessThan(1000);
    // Never sent, and said so: not a timeout of Sendblue's.
    expect(error).toBeInstanceOf(SendblueBusyError);
    expect(error).toMatchObject({ timeoutMs: 200, retryable: false });
    expect(explainFailure(error).meaning).toContain('nothing reached Sendblue');
    // The caller's abort ends a queued request at once too.
    const abort = new AbortController();
    const aborted = failure(c.getState(NUMBER, { signal: abort.signal }));
    abort.abort();
    expect(await aborted).toBeInstanceOf(SendblueAbortError);
    expect(harness.fake.held()).toBe(16);
    harness.fake.release(BUSY);
    await Promise.all(held);
    expect(harness.fake.requestsFor(NUMBER)).toHaveLength(0);
  });

  it('gives a freed connection to a request someone waits on before a background one that came earlier', async () => {
    const c = client();
    const first = '+14155550112';
    const [background, person] = ['+14155550113', '+14155550114'];
    harness.fake.hold(first);
    const holding = c.getState(first);
    await harness.fake.waitForRequests(1);
    harness.fake.hold(BUSY);
    const held = Array.from({ length: 15 }, () => c.getState(BUSY));
    await harness.fake.waitForRequests(16);
    const queued = [c.getState(background, { background: true }), c.getState(person)];
    // The person's read has not waited yet: the background one never counts as a wait.
    expect(c.queueDelayMs()).toBeLessThan(50);
    harness.fake.release(first);
    await holding;
    await harness.fake.waitForRequests(17);
    expect(harness.fake.requestsFor(person)).toHaveLength(1);
    expect(harness.fake.requestsFor(background)).toHaveLength(0);
    harness.fake.release(BUSY);
    await Promise.all([...held, ...queued]);
    expect(harness.fake.requestsFor(background)).toHaveLength(1);
  });

  it('does not send a request whose turn comes with less than half its budget left', async () => {
    const c = client();
    const held = await holdEveryConnection((busy) => c.upsertProfile({ ...CARD, fromNumber: busy }));
    const late = failure(c.getState(NUMBER, { deadlineMs: 1000 }));
    // A connection frees up with 300 ms of the read's 1 s left.
    await new Promise((resolve) => setTimeout(resolve, 700));
    harness.fake.release(BUSY);
    await Promise.all(held);
    expect(await late).toBeInstanceOf(SendblueBusyError);
    expect(harness.fake.requestsFor(NUMBER)).toHaveLength(0);
    // With most of its budget left, the next one goes out.
    await expect(c.getState(NUMBER, { deadlineMs: 1000 })).resolves.toMatchObject({ hasProfile: false });
  });

  it('a request still waiting for a connection when the client closes is cancelled unsent, without retrying', async () => {
    const c = client();
    const held = await holdEveryConnection((busy) => c.getState(busy));
    const waiting = failure(c.getState(NUMBER));
    const closed = c.close();
    harness.fake.release(BUSY);
    await Promise.all([...held, closed]);
    // Cancelled, not "every connection was busy": the app is shutting down.
    expect(await waiting).toBeInstanceOf(SendblueAbortError);
    expect(sleeps).toEqual([]);
    expect(harness.fake.requestsFor(NUMBER)).toHaveLength(0);
  });

  it('a retry that cannot be sent in time gives the sent attempt’s error, not “nothing was sent”', async () => {
    const c = client({
      attemptTimeoutMs: { other: 150 },
      deadlineMs: { other: 400 },
      retry: { initialDelayMs: 20 },
    });
    // The first attempt reaches Sendblue and times out; meanwhile every connection fills up.
    harness.fake.inject(NUMBER, faults.hang());
    const pending = failure(c.getState(NUMBER));
    await harness.fake.waitForRequests(1);
    harness.fake.hold(BUSY);
    // POSTs: their own attempt timeout is long, so they keep the connections.
    const held = Array.from({ length: 16 }, () =>
      c.upsertProfile({ ...CARD, fromNumber: BUSY }).catch(() => undefined),
    );
    const error = await pending;
    expect(error).toBeInstanceOf(SendblueTimeoutError);
    expect(error).toMatchObject({ kind: 'attempt', timeoutMs: 150 });
    expect(harness.fake.requestsFor(NUMBER)).toHaveLength(1);
    harness.fake.release(BUSY);
    await Promise.all(held);
  });

  it('does not sleep when the wait would pass the deadline; the real cause is thrown', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(9, 503, 10));
    const error = await failure(client({ deadlineMs: { post: 5000 } }).upsertProfile(CARD));
    expect(error).toBeInstanceOf(DeviceUnavailableError);
    expect((error as SendblueApiError).retryAfterMs).toBe(10_000);
    expect(sleeps).toEqual([]);
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('a caller abort stops the attempt and any further retries', async () => {
    harness.fake.inject(NUMBER, faults.hang());
    const controller = new AbortController();
    const pending = client().getState(NUMBER, { signal: controller.signal });
    await harness.fake.waitForRequests(1);
    controller.abort();
    expect(await failure(pending)).toBeInstanceOf(SendblueAbortError);
    expect(harness.fake.requests).toHaveLength(1);
    expect(await failure(client().getState(NUMBER, { signal: AbortSignal.abort() }))).toBeInstanceOf(
      SendblueAbortError,
    );
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('an abort during the backoff wait stops retrying', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(9, 503));
    const controller = new AbortController();
    const c = client({ sleep: undefined, random: () => 1, retry: { initialDelayMs: 5000 } });
    const pending = c.getState(NUMBER, { signal: controller.signal });
    await harness.fake.waitForRequests(1);
    setTimeout(() => controller.abort(), 50);
    expect(await failure(pending)).toBeInstanceOf(SendblueAbortError);
    expect(harness.fake.requests).toHaveLength(1);
  });
});

describe('logging and secrets', () => {
  it('logs exactly one line per attempt: info on success, warn on failure', async () => {
    harness.fake.inject(NUMBER, faults.failTimes(1, 503));
    await client().upsertProfile(CARD);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[0]?.line).toMatch(
      /^sendblue POST \/api\/v2\/contact-sharing\/profile number=\+14155551234 status=503 attempt=1 ms=\d+$/,
    );
    expect(lines[1]?.line).toMatch(/ status=200 attempt=2 ms=\d+$/);
  });

  it('never puts the key id or secret in log lines or error messages, even if Sendblue echoes them', async () => {
    const c = client();
    harness.fake.inject(NUMBER, faults.error(400, `bad key ${harness.fake.keyId} / ${harness.fake.secret}`));
    const echoed = await failure(c.getState(NUMBER));
    expect(echoed.message).toContain('[redacted]');
    const errors = [echoed];
    for (const status of [401, 500, 503]) {
      harness.fake.reset();
      harness.fake.inject(NUMBER, faults.error(status, 'nope'));
      errors.push(await failure(c.getState(NUMBER)));
    }
    harness.fake.reset();
    harness.fake.inject(NUMBER, faults.reply(200, { status: 'OK', echo: harness.fake.secret }));
    errors.push(await failure(c.getState(NUMBER)));
    const text = [
      ...lines.map((l) => l.line),
      ...errors.flatMap((e) => [e.message, explainFailure(e).advice, String(e.stack)]),
    ];
    text.push(inspect(c, { depth: 5 }));
    expect(lines).toHaveLength(8);
    for (const secret of [harness.fake.keyId, harness.fake.secret]) {
      expect(text.join('\n')).not.toContain(secret);
    }
  });
});
