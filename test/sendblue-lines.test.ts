import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DeviceUnavailableError,
  NumberNotFoundError,
  RateLimitedError,
  SendblueAbortError,
  SendblueProtocolError,
  SendblueTimeoutError,
} from '../src/adapters/sendblue/errors.js';
import {
  SANDBOX_CREDENTIALS,
  SANDBOX_LINES,
  SANDBOX_RULES,
  startSendblueSimulator,
} from '../src/adapters/sendblue/simulator.js';
import { ANY_NUMBER, faults, LINES } from './fakes/fake-sendblue.js';
import { sendblueHarness } from './helpers/sendblue-harness.js';

const PATH = '/api/v2/lines/state';
const NUMBER = '+14155551234';

const harness = sendblueHarness();
const { lines, sleeps } = harness;
const client = harness.client.bind(harness);
const failure = harness.failure.bind(harness);

const sandboxLines = SANDBOX_LINES.map((number) => ({ number, assignment: null }));

describe('listLines', () => {
  it('GETs the lines with both auth headers, no query or body, and one log line without a number', async () => {
    expect(await client().listLines()).toEqual(sandboxLines);
    expect(harness.fake.requests).toHaveLength(1);
    const [req] = harness.fake.requests;
    expect(req?.method).toBe('GET');
    expect(req?.url).toBe(PATH);
    expect(req?.rawBody).toBe('');
    expect(req?.headers).toMatchObject({
      'sb-api-key-id': harness.fake.keyId,
      'sb-api-secret-key': harness.fake.secret,
      accept: 'application/json',
      'user-agent': 'contactcard/0.1',
    });
    expect(req?.headers['content-type']).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('info');
    expect(lines[0]?.line).toMatch(
      /^sendblue GET \/api\/v2\/lines\/state number=- status=200 attempt=1 ms=\d+$/,
    );
  });

  it('serves what setLines() sets, including none, until reset()', async () => {
    const c = client();
    harness.fake.setLines(['+447700900123', NUMBER]);
    expect(await c.listLines()).toEqual([
      { number: '+447700900123', assignment: null },
      { number: NUMBER, assignment: null },
    ]);
    harness.fake.setLines([]);
    expect(await c.listLines()).toEqual([]);
    harness.fake.reset();
    expect(await c.listLines()).toEqual(sandboxLines);
  });

  it('renames sendblue_number to number and keeps assignment and undocumented fields', async () => {
    const assignment = { userId: 'U123', name: 'Jane' };
    harness.fake.inject(
      LINES,
      faults.reply(200, {
        status: 'OK',
        requestId: 'r-1',
        data: [
          { sendblue_number: NUMBER, assignment, state: 'active', number: 'stale', area: { code: '415' } },
          { sendblue_number: '+14155550100' },
        ],
      }),
    );
    expect(await client().listLines()).toEqual([
      { number: NUMBER, assignment, state: 'active', area: { code: '415' } },
      { number: '+14155550100', assignment: null },
    ]);
  });

  it('accepts a body without status', async () => {
    harness.fake.inject(
      LINES,
      faults.reply(200, { data: [{ sendblue_number: NUMBER, assignment: 'sales' }] }),
    );
    expect(await client().listLines()).toEqual([{ number: NUMBER, assignment: 'sales' }]);
  });
});

describe('listLines errors', () => {
  it('503 twice then success: 3 attempts with the usual backoff, warn, warn, info', async () => {
    harness.fake.inject(LINES, faults.failTimes(2, 503));
    expect(await client().listLines()).toEqual(sandboxLines);
    expect(harness.fake.requestsFor(LINES)).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    expect(lines[0]?.line).toMatch(/ number=- status=503 attempt=1 ms=\d+$/);
    expect(lines[2]?.line).toMatch(/ number=- status=200 attempt=3 ms=\d+$/);
  });

  it('persistent 503: 4 attempts then DeviceUnavailableError without a number', async () => {
    harness.fake.inject(LINES, faults.failTimes(99, 503, undefined, 'down'));
    const error = await failure(client().listLines());
    expect(error).toBeInstanceOf(DeviceUnavailableError);
    expect(error).toMatchObject({ status: 503, fromNumber: undefined, sendblueMessage: 'down' });
    expect(error.message).toBe('Sendblue 503 (device temporarily unavailable): down');
    expect(harness.fake.requests).toHaveLength(4);
  });

  it('honours Retry-After', async () => {
    harness.fake.inject(LINES, faults.failTimes(1, 429, 2));
    await client().listLines();
    expect(sleeps).toEqual([2000]);
    harness.fake.inject(LINES, faults.failTimes(9, 429, 0));
    expect(await failure(client().listLines())).toBeInstanceOf(RateLimitedError);
  });

  it('401 from wrong credentials is AuthenticationError, not retried', async () => {
    const error = await failure(client({ apiSecretKey: 'wrong-secret-123' }).listLines());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      status: 401,
      fromNumber: undefined,
      retryable: false,
      sendblueMessage: 'Invalid or missing API credentials',
    });
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('an unavailable endpoint (404) is NumberNotFoundError with status 404, not retried', async () => {
    harness.fake.setLines(undefined);
    const error = await failure(client().listLines());
    expect(error).toBeInstanceOf(NumberNotFoundError);
    expect(error).toMatchObject({ status: 404, retryable: false, sendblueMessage: 'Not found' });
    expect(error.fromNumber).toBeUndefined();
    expect(harness.fake.requests).toHaveLength(1);
    expect(lines[0]?.line).toMatch(/ number=- status=404 attempt=1 /);
    // Contact sharing itself is unaffected, so the flow can fall back to typed numbers.
    expect((await client().getState(NUMBER)).hasProfile).toBe(false);
  });

  it('wrong credentials still get 401 while the endpoint is unavailable', async () => {
    harness.fake.setLines(undefined);
    expect(await failure(client({ apiKeyId: 'nope' }).listLines())).toBeInstanceOf(AuthenticationError);
  });

  it('malformed JSON on 200 is a protocol error, not retried', async () => {
    harness.fake.inject(LINES, faults.malformed());
    const error = await failure(client().listLines());
    expect(error).toBeInstanceOf(SendblueProtocolError);
    expect(error).toMatchObject({ status: 200, fromNumber: undefined, retryable: false });
    expect(error.message).toContain('not JSON');
    expect(harness.fake.requests).toHaveLength(1);
  });

  it.each([
    ['data is an object', { status: 'OK', data: { sendblue_number: NUMBER } }, 'data: expected an array'],
    ['data is missing', { status: 'OK', lines: [] }, 'data: expected an array'],
    [
      'a line has no number',
      { data: [{ sendblue_number: NUMBER }, { assignment: null }] },
      'data.1.sendblue_number: missing',
    ],
    [
      'a number is not E.164',
      { data: [{ sendblue_number: '4155551234' }] },
      'data.0.sendblue_number: not an E.164',
    ],
    [
      'a number is not a string',
      { data: [{ sendblue_number: 14155551234 }] },
      'data.0.sendblue_number: missing or not a string',
    ],
    ['a line is not an object', { data: [NUMBER] }, 'data.0: each line must be an object'],
    ['status is ERROR', { status: 'ERROR', data: [] }, 'status:'],
    ['the body is an array', [{ sendblue_number: NUMBER }], 'body:'],
  ])('%s → protocol error naming it', async (_, body, problem) => {
    harness.fake.inject(LINES, faults.reply(200, body));
    const error = await failure(client().listLines());
    expect(error).toBeInstanceOf(SendblueProtocolError);
    expect(error.message).toContain('undocumented shape');
    expect(error.message).toContain(problem);
    expect(harness.fake.requests).toHaveLength(1);
  });

  it('keeps protocol errors short and free of the secrets', async () => {
    harness.fake.inject(
      LINES,
      faults.reply(200, {
        data: 'x',
        echo: `${harness.fake.keyId} ${harness.fake.secret}`,
        pad: 'x'.repeat(5000),
      }),
    );
    const error = await failure(client().listLines());
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).not.toContain(harness.fake.secret);
    expect(error.message).not.toContain(harness.fake.keyId);
  });

  it('uses the GET per-attempt timeout, then the GET deadline', async () => {
    harness.fake.inject(LINES, faults.hang());
    const attempt = await failure(client({ attemptTimeoutMs: { post: 5000, other: 30 } }).listLines());
    expect(attempt).toBeInstanceOf(SendblueTimeoutError);
    expect(attempt).toMatchObject({ kind: 'attempt', timeoutMs: 30, fromNumber: undefined });
    expect(harness.fake.requests).toHaveLength(4);
    const started = Date.now();
    const deadline = await failure(
      client({ attemptTimeoutMs: 5000, deadlineMs: { post: 10_000, other: 200 } }).listLines(),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(deadline).toMatchObject({ kind: 'deadline', timeoutMs: 200 });
  });

  it('honours the caller abort signal', async () => {
    expect(await failure(client().listLines({ signal: AbortSignal.abort() }))).toBeInstanceOf(
      SendblueAbortError,
    );
    expect(harness.fake.requests).toHaveLength(0);
    harness.fake.hold(LINES);
    const controller = new AbortController();
    const pending = client().listLines({ signal: controller.signal });
    await harness.fake.waitForRequests(1);
    controller.abort();
    expect(await failure(pending)).toBeInstanceOf(SendblueAbortError);
  });
});

describe('fake Sendblue lines key', () => {
  it('ANY_NUMBER faults and holds leave the lines endpoint alone, and LINES ones leave numbers alone', async () => {
    const c = client();
    harness.fake.inject(ANY_NUMBER, faults.error(503, 'down'));
    expect(await c.listLines()).toEqual(sandboxLines);
    harness.fake.reset();
    harness.fake.inject(LINES, faults.error(500, 'broken'));
    expect((await c.getState(NUMBER)).hasProfile).toBe(false);
    expect(harness.fake.requestsFor(NUMBER)).toHaveLength(1);
    expect(harness.fake.requestsFor(LINES)).toHaveLength(0);
  });

  it('hold(LINES) holds lines requests until release(LINES)', async () => {
    harness.fake.hold(LINES);
    const pending = client().listLines();
    await harness.fake.waitForRequests(1);
    expect(harness.fake.held()).toBe(1);
    expect(harness.fake.inFlight(LINES)).toBe(1);
    harness.fake.release(LINES);
    expect(await pending).toEqual(sandboxLines);
    expect(harness.fake.requestsFor(LINES)).toHaveLength(1);
  });
});

describe('sandbox simulator lines', () => {
  it('serves SANDBOX_LINES after auth, and a configured list', async () => {
    const sim = await startSendblueSimulator({ latencyMs: { get: 0 } });
    const custom = await startSendblueSimulator({ latencyMs: { get: 0 }, lines: ['+447700900123'] });
    try {
      const auth = { 'sb-api-key-id': 'sandbox', 'sb-api-secret-key': 'sandbox' };
      const res = await fetch(`${sim.url}${PATH}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'OK',
        data: SANDBOX_LINES.map((number) => ({ sendblue_number: number, assignment: null })),
      });
      const anonymous = await fetch(`${sim.url}${PATH}`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { status: string }).status).toBe('ERROR');
      const custom_ = await fetch(`${custom.url}${PATH}`, { headers: auth });
      expect(((await custom_.json()) as { data: unknown }).data).toEqual([
        { sendblue_number: '+447700900123', assignment: null },
      ]);
      sim.lines.push('+447700900456');
      const viaClient = client({
        baseUrl: sim.url,
        apiKeyId: SANDBOX_CREDENTIALS.keyId,
        apiSecretKey: SANDBOX_CREDENTIALS.secret,
      });
      expect((await viaClient.listLines()).map((l) => l.number)).toEqual([...SANDBOX_LINES, '+447700900456']);
    } finally {
      await sim.close();
      await custom.close();
    }
  });

  it('lists lines the account has (normal and device-failure ones) but none it does not', async () => {
    expect(SANDBOX_LINES).toContain('+14155551234');
    const suffixes = SANDBOX_LINES.map((n) => n.slice(-4));
    expect(suffixes).toEqual(expect.arrayContaining(['0500', '0503']));
    for (const absent of ['0400', '0403', '0404']) expect(suffixes).not.toContain(absent);
    const c = client();
    const device = await failure(c.getState(SANDBOX_LINES.find((n) => n.endsWith('0503')) as string));
    expect(device).toBeInstanceOf(DeviceUnavailableError);
  });

  it('describes the lines in SANDBOX_RULES', () => {
    const rule = SANDBOX_RULES.find((r) => r.includes(PATH));
    expect(rule).toBeDefined();
    for (const number of SANDBOX_LINES) expect(rule).toContain(number);
  });
});
