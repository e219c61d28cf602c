import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LINES_PATH,
  SANDBOX_LINES,
  type SimulatorRequest,
  type StoredProfile,
  startSendblueSimulator,
} from '../../src/adapters/sendblue/simulator.js';

/**
 * A fake Sendblue on real HTTP (127.0.0.1) built on the sandbox simulator, so auth, validation and the
 * documented responses are the simulator's; this layer adds recording, fault injection and hold/release.
 * The simulator's number rules still apply: numbers ending 0400/0403/0404/0500/0503 answer that status.
 * The lines endpoint (GET /api/v2/lines/state) serves SANDBOX_LINES until setLines(); it is keyed by LINES
 * in inject/hold/release/requestsFor/inFlight, since its requests carry no number.
 */

export interface RecordedRequest {
  method: string;
  /** Raw request target, e.g. `/api/v2/contact-sharing/state?fromNumber=%2B14155551234`. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
  fromNumber: string | undefined;
}

export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'reply'; status: number; body: unknown; headers: Record<string, string>; times: number }
  | { kind: 'hang'; times: number }
  | { kind: 'reset'; times: number }
  /** On each request, one of `choices` with its probability (they sum to at most 1), else the normal answer. */
  | { kind: 'random'; choices: readonly RandomChoice[]; random: () => number; times: number };

export interface RandomChoice {
  probability: number;
  /** Any fault but latency or random; its own `times` is ignored. */
  fault: Fault;
  /** How many requests got this fault so far (counted by the fake). */
  drawn?: number;
}

/** Fault builders; `times` defaults to forever (until reset). */
export const faults = {
  latency: (ms: number): Fault => ({ kind: 'latency', ms }),
  /** `times` failures with `status`, then the normal answer. */
  failTimes: (
    times: number,
    status = 503,
    retryAfter?: string | number,
    message = 'Injected failure',
  ): Fault => ({
    kind: 'reply',
    status,
    body: { status: 'ERROR', message },
    headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    times,
  }),
  error: (status: number, message: string, times = Number.POSITIVE_INFINITY): Fault => ({
    kind: 'reply',
    status,
    body: { status: 'ERROR', message },
    headers: {},
    times,
  }),
  /** Any body; a string is sent as-is, anything else as JSON. */
  reply: (status: number, body: unknown, times = Number.POSITIVE_INFINITY): Fault => ({
    kind: 'reply',
    status,
    body,
    headers: {},
    times,
  }),
  malformed: (times = Number.POSITIVE_INFINITY): Fault => ({
    kind: 'reply',
    status: 200,
    body: '{"status":"OK","data":{"hasProfile":tr',
    headers: {},
    times,
  }),
  /** Accepts the request and never answers (until close). */
  hang: (times = Number.POSITIVE_INFINITY): Fault => ({ kind: 'hang', times }),
  /** Destroys the socket without answering. */
  reset: (times = Number.POSITIVE_INFINITY): Fault => ({ kind: 'reset', times }),
  /**
   * A fault drawn per request, e.g. `random([{ probability: 0.2, fault: faults.failTimes(1) }])`; pass a
   * seeded `random` for a reproducible sequence. `times` counts requests, faulted or not.
   */
  random: (
    choices: readonly RandomChoice[],
    options: { random?: () => number; times?: number } = {},
  ): Fault => ({
    kind: 'random',
    choices,
    random: options.random ?? Math.random,
    times: options.times ?? Number.POSITIVE_INFINITY,
  }),
};

/**
 * Matches every number in inject/hold/release. Not the lines endpoint: faults meant for contact-sharing
 * calls are not used up by a lines lookup made first; use LINES (or both) for that.
 */
export const ANY_NUMBER = '*';

/** The key for GET /api/v2/lines/state wherever a number is expected: inject, hold, release, requestsFor. */
export const LINES = 'lines';

export interface FakeSendblue {
  url: string;
  keyId: string;
  secret: string;
  requests: RecordedRequest[];
  profiles: Map<string, StoredProfile>;
  /** `number` may be ANY_NUMBER, or LINES for the lines endpoint. */
  inject(number: string, fault: Fault): void;
  /**
   * Requests for `number` (default: every number; LINES: the lines endpoint) are recorded but wait
   * until release(); with `method`, only those (e.g. the reads, while a set goes through).
   */
  hold(number?: string, method?: 'GET' | 'POST' | 'DELETE'): void;
  /** Lets held requests for `number` (default: every number) proceed in arrival order and stops holding. */
  release(number?: string): void;
  /** How many requests are currently held. */
  held(): number;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Requests for `number`; LINES gives the lines-endpoint requests. */
  requestsFor(number: string): RecordedRequest[];
  inFlight(number: string): number;
  /** Most requests for `number` ever in flight at once. */
  maxInFlight(number: string): number;
  /**
   * The account's lines as the lines endpoint serves them; undefined makes it answer
   * 404 {status:'ERROR', message:'Not found'}, i.e. "endpoint unavailable". reset() restores SANDBOX_LINES.
   */
  setLines(numbers: readonly string[] | undefined): void;
  /** Restores every default: no requests, faults, holds or profiles; lines back to SANDBOX_LINES. */
  reset(): void;
  close(): Promise<void>;
}

/** `keyId`/`secret`: the credentials it accepts (defaults below), e.g. distinctive ones for a leak test. */
export async function startFakeSendblue(
  options: { keyId?: string; secret?: string } = {},
): Promise<FakeSendblue> {
  const keyId = options.keyId ?? 'fake-key-id-4b7e91';
  const secret = options.secret ?? 'fake-secret-d80c2f5a-never-log-me';
  const requests: RecordedRequest[] = [];
  const injected = new Map<string, Fault[]>();
  const holds = new Set<string>();
  let heldRequests: { number: string; go: () => void }[] = [];
  let arrivalWaiters: { count: number; resolve: () => void }[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  let linesAvailable = true;

  const faultsFor = (number: string) => [
    ...(injected.get(number) ?? []),
    ...(number === LINES ? [] : (injected.get(ANY_NUMBER) ?? [])),
  ];
  const keyOf = (req: { path: string; fromNumber: string | undefined }) =>
    req.path === LINES_PATH ? LINES : (req.fromNumber ?? '');

  function takeFault(number: string): Fault | undefined {
    const fault = faultsFor(number).find((f) => f.kind !== 'latency' && f.times > 0);
    if (fault && fault.kind !== 'latency') fault.times -= 1;
    return fault?.kind === 'random' ? draw(fault) : fault;
  }

  function draw(fault: Fault & { kind: 'random' }): Fault | undefined {
    let roll = fault.random();
    for (const choice of fault.choices) {
      if (roll < choice.probability) {
        choice.drawn = (choice.drawn ?? 0) + 1;
        return choice.fault;
      }
      roll -= choice.probability;
    }
    return undefined;
  }

  function record(req: SimulatorRequest): void {
    requests.push({
      method: req.method,
      url: req.url,
      path: req.path,
      query: Object.fromEntries(req.query),
      headers: req.headers,
      rawBody: req.rawBody,
      body: req.body,
      fromNumber: req.fromNumber,
    });
    const ready = arrivalWaiters.filter((w) => requests.length >= w.count);
    arrivalWaiters = arrivalWaiters.filter((w) => requests.length < w.count);
    for (const waiter of ready) waiter.resolve();
  }

  function track(number: string, res: ServerResponse): void {
    const now = (inFlight.get(number) ?? 0) + 1;
    inFlight.set(number, now);
    maxInFlight.set(number, Math.max(now, maxInFlight.get(number) ?? 0));
    res.once('close', () => inFlight.set(number, (inFlight.get(number) ?? 1) - 1));
  }

  async function intercept(req: SimulatorRequest, res: ServerResponse): Promise<boolean> {
    const number = keyOf(req);
    record(req);
    track(number, res);
    const held = (key: string) => holds.has(key) || holds.has(`${req.method} ${key}`);
    if (held(number) || (number !== LINES && held(ANY_NUMBER))) {
      await new Promise<void>((go) => heldRequests.push({ number, go }));
    }
    const latency = faultsFor(number).reduce((ms, f) => (f.kind === 'latency' ? ms + f.ms : ms), 0);
    if (latency > 0) await sleep(latency);
    const fault = takeFault(number);
    const authorised = req.headers['sb-api-key-id'] === keyId && req.headers['sb-api-secret-key'] === secret;
    // Like the simulator's unknown routes: wrong credentials still get the 401 first.
    if (!fault && number === LINES && !linesAvailable && authorised) {
      if (!res.destroyed) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ERROR', message: 'Not found' }));
      }
      return true;
    }
    if (!fault) return false;
    if (fault.kind === 'reset') req.socket.destroy();
    if (fault.kind === 'reply' && !res.destroyed) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body));
    }
    return true;
  }

  function release(number = ANY_NUMBER): void {
    if (number === ANY_NUMBER) holds.clear();
    else for (const key of [...holds]) if (key === number || key.endsWith(` ${number}`)) holds.delete(key);
    const go = heldRequests.filter((h) => number === ANY_NUMBER || h.number === number);
    heldRequests = heldRequests.filter((h) => !go.includes(h));
    for (const h of go) h.go();
  }

  const sim = await startSendblueSimulator({
    credentials: { keyId, secret },
    latencyMs: { get: 0, post: 0, delete: 0 },
    intercept,
  });

  return {
    url: sim.url,
    keyId,
    secret,
    requests,
    profiles: sim.profiles,
    inject(number, fault) {
      injected.set(number, [...(injected.get(number) ?? []), fault]);
    },
    hold(number = ANY_NUMBER, method) {
      holds.add(method ? `${method} ${number}` : number);
    },
    release,
    held: () => heldRequests.length,
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => arrivalWaiters.push({ count, resolve }));
    },
    requestsFor: (number) => requests.filter((r) => keyOf(r) === number),
    inFlight: (number) => inFlight.get(number) ?? 0,
    maxInFlight: (number) => maxInFlight.get(number) ?? 0,
    setLines(numbers) {
      linesAvailable = numbers !== undefined;
      sim.lines.splice(0, sim.lines.length, ...(numbers ?? SANDBOX_LINES));
    },
    reset() {
      release();
      requests.length = 0;
      injected.clear();
      sim.profiles.clear();
      maxInFlight.clear();
      linesAvailable = true;
      sim.lines.splice(0, sim.lines.length, ...SANDBOX_LINES);
    },
    close: () => sim.close(),
  };
}
