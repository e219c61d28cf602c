import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type SimulatorRequest,
  type StoredProfile,
  startSendblueSimulator,
} from '../../src/sendblue/simulator.js';

/**
 * A fake Sendblue on real HTTP (127.0.0.1) built on the sandbox simulator, so auth, validation and the
 * documented responses are the simulator's; this layer adds recording, fault injection and hold/release.
 * The simulator's number rules still apply: numbers ending 0400/0403/0404/0500/0503 answer that status.
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
  | { kind: 'reset'; times: number };

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
};

/** Matches every number in inject/hold/release. */
export const ANY_NUMBER = '*';

export interface FakeSendblue {
  url: string;
  keyId: string;
  secret: string;
  requests: RecordedRequest[];
  profiles: Map<string, StoredProfile>;
  inject(number: string, fault: Fault): void;
  /** Requests for `number` (default: all) arrive and are recorded, but wait until release(). */
  hold(number?: string): void;
  /** Lets held requests for `number` (default: every number) proceed in arrival order and stops holding. */
  release(number?: string): void;
  /** How many requests are currently held. */
  held(): number;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  requestsFor(number: string): RecordedRequest[];
  inFlight(number: string): number;
  /** Most requests for `number` ever in flight at once. */
  maxInFlight(number: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeSendblue(): Promise<FakeSendblue> {
  const keyId = 'fake-key-id-4b7e91';
  const secret = 'fake-secret-d80c2f5a-never-log-me';
  const requests: RecordedRequest[] = [];
  const injected = new Map<string, Fault[]>();
  const holds = new Set<string>();
  let heldRequests: { number: string; go: () => void }[] = [];
  let arrivalWaiters: { count: number; resolve: () => void }[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();

  const faultsFor = (number: string) => [
    ...(injected.get(number) ?? []),
    ...(injected.get(ANY_NUMBER) ?? []),
  ];

  function takeFault(number: string): Fault | undefined {
    const fault = faultsFor(number).find((f) => f.kind !== 'latency' && f.times > 0);
    if (fault && fault.kind !== 'latency') fault.times -= 1;
    return fault;
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
    const number = req.fromNumber ?? '';
    record(req);
    track(number, res);
    if (holds.has(number) || holds.has(ANY_NUMBER)) {
      await new Promise<void>((go) => heldRequests.push({ number, go }));
    }
    const latency = faultsFor(number).reduce((ms, f) => (f.kind === 'latency' ? ms + f.ms : ms), 0);
    if (latency > 0) await sleep(latency);
    const fault = takeFault(number);
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
    else holds.delete(number);
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
    hold(number = ANY_NUMBER) {
      holds.add(number);
    },
    release,
    held: () => heldRequests.length,
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => arrivalWaiters.push({ count, resolve }));
    },
    requestsFor: (number) => requests.filter((r) => r.fromNumber === number),
    inFlight: (number) => inFlight.get(number) ?? 0,
    maxInFlight: (number) => maxInFlight.get(number) ?? 0,
    reset() {
      release();
      requests.length = 0;
      injected.clear();
      sim.profiles.clear();
      maxInFlight.clear();
    },
    close: () => sim.close(),
  };
}
