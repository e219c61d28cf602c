import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { E164_PATTERN } from './schemas.js';

/** Fixed so the app can talk to its own sandbox without anyone configuring secrets. */
export const SANDBOX_CREDENTIALS = { keyId: 'sandbox', secret: 'sandbox' } as const;

const STATE_PATH = '/api/v2/contact-sharing/state';
const PROFILE_PATH = '/api/v2/contact-sharing/profile';
/** The account's lines; exported so the test fake can recognise (and fault) requests for it. */
export const LINES_PATH = '/api/v2/lines/state';
const UNREACHABLE_PHOTO = 'unreachable';
const MAX_BODY_BYTES = 64 * 1024;

const NUMBER_RULES: Record<string, { status: number; message: string; meaning: string }> = {
  '0400': {
    status: 400,
    message: 'fromNumber is not a valid Sendblue number',
    meaning: 'invalid parameters',
  },
  '0403': {
    status: 403,
    message: 'Your account does not own this phone number',
    meaning: 'the account does not own the number',
  },
  '0404': {
    status: 404,
    message: 'No active Sendblue number found for the given fromNumber',
    meaning: 'no active Sendblue number',
  },
  '0500': {
    status: 500,
    message: 'Failed to apply contact card on device',
    meaning: 'the device could not apply the card',
  },
  '0503': {
    status: 503,
    message: "The phone number's device is temporarily unavailable",
    meaning: 'the device is temporarily unavailable',
  },
};

/**
 * The sandbox account's lines. Two behave normally; the others are lines the account really has whose
 * device then fails (0500) or is unavailable (0503), so a select built from this list reaches those rules.
 * Numbers ending 0400/0403/0404 are deliberately absent: the account does not have them, so an app that
 * checks typed numbers against this list refuses them before any contact-sharing call.
 */
export const SANDBOX_LINES: readonly string[] = [
  '+14155551234',
  '+14155550100',
  '+14155550500',
  '+14155550503',
];

/** Human-readable sandbox behaviour, for the README and the in-app help. */
export const SANDBOX_RULES: readonly string[] = [
  ...Object.entries(NUMBER_RULES).map(
    ([suffix, rule]) => `A number ending in ${suffix} answers ${rule.status} (${rule.meaning}).`,
  ),
  `A photo URL containing "${UNREACHABLE_PHOTO}" answers 500 "Failed to download photo from photoUrl".`,
  'Cards are kept in memory and forgotten when the app restarts.',
  `The account's lines (GET ${LINES_PATH}) are ${SANDBOX_LINES.join(', ')}.`,
];

export interface StoredProfile {
  firstName: string;
  lastName: string;
  displayName: string | null;
  photoUrl: string;
}

export interface SimulatorRequest {
  method: string;
  /** Raw request target, query encoding included. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body; undefined when absent, not JSON, or not sent as application/json. */
  body: unknown;
  fromNumber: string | undefined;
  socket: Socket;
}

/** Lets the test fake take over a request; return true when it has handled (or deliberately dropped) it. */
export type Intercept = (req: SimulatorRequest, res: ServerResponse) => boolean | Promise<boolean>;

export interface SimulatorOptions {
  credentials?: { keyId: string; secret: string };
  /** Base latency per method, ±25% jitter; the defaults mimic a real phone, tests pass 0. */
  latencyMs?: Partial<Record<'get' | 'post' | 'delete', number>>;
  random?: () => number;
  intercept?: Intercept;
  /** Numbers served by GET /api/v2/lines/state, in order; default SANDBOX_LINES. Served as given, unchecked. */
  lines?: readonly string[];
}

export interface RunningSimulator {
  url: string;
  credentials: { keyId: string; secret: string };
  profiles: Map<string, StoredProfile>;
  /** The account's lines, read on every request: change it in place to change the answer. */
  lines: string[];
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };

const ok = (data: unknown): Reply => ({ status: 200, body: { status: 'OK', data } });
const fail = (status: number, message: string): Reply => ({ status, body: { status: 'ERROR', message } });

function stateOf(profile: StoredProfile | undefined): Record<string, unknown> {
  if (!profile) return { hasProfile: false, firstName: null, lastName: null, displayName: null };
  const { firstName, lastName, displayName } = profile;
  return { hasProfile: true, firstName, lastName, displayName };
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** The documented 400 checks, returning the complaint or undefined. */
function invalidNumber(fromNumber: unknown): string | undefined {
  if (fromNumber === undefined || fromNumber === '') return 'Missing required parameter: fromNumber';
  if (typeof fromNumber !== 'string' || !E164_PATTERN.test(fromNumber)) {
    return 'fromNumber must be a phone number in E.164 format, like +14155551234';
  }
  return undefined;
}

function invalidProfile(body: unknown): string | undefined {
  for (const name of ['firstName', 'lastName', 'photoUrl']) {
    const value = field(body, name);
    if (typeof value !== 'string' || value.trim() === '') return `Missing required parameter: ${name}`;
  }
  const displayName = field(body, 'displayName');
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
    return 'displayName must be a string';
  }
  if (!URL.canParse(field(body, 'photoUrl') as string)) return 'photoUrl must be a valid URL';
  return undefined;
}

function route(req: SimulatorRequest, profiles: Map<string, StoredProfile>, lines: readonly string[]): Reply {
  if (req.method === 'GET' && req.path === LINES_PATH) {
    return ok(lines.map((number) => ({ sendblue_number: number, assignment: null })));
  }
  const known =
    (req.method === 'GET' && req.path === STATE_PATH) ||
    ((req.method === 'POST' || req.method === 'DELETE') && req.path === PROFILE_PATH);
  if (!known) return fail(404, `Cannot ${req.method} ${req.path}`);
  const problem =
    invalidNumber(req.fromNumber) ?? (req.method === 'POST' ? invalidProfile(req.body) : undefined);
  if (problem) return fail(400, problem);
  const number = req.fromNumber as string;
  const rule = NUMBER_RULES[number.slice(-4)];
  if (rule) return fail(rule.status, rule.message);
  if (req.method === 'GET') return ok(stateOf(profiles.get(number)));
  if (req.method === 'DELETE') {
    profiles.delete(number);
    return ok({ hasProfile: false });
  }
  const text = (name: string) => String(field(req.body, name)).trim();
  if (text('photoUrl').includes(UNREACHABLE_PHOTO))
    return fail(500, 'Failed to download photo from photoUrl');
  const displayName = field(req.body, 'displayName');
  const profile: StoredProfile = {
    firstName: text('firstName'),
    lastName: text('lastName'),
    photoUrl: text('photoUrl'),
    displayName: typeof displayName === 'string' && displayName.trim() !== '' ? displayName.trim() : null,
  };
  profiles.set(number, profile);
  return ok(stateOf(profile));
}

async function readRequest(req: IncomingMessage): Promise<SimulatorRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const rawBody = Buffer.concat(chunks).toString('utf8');
  // Like an Express json() parser: a body without the JSON content type is simply not seen.
  let body: unknown;
  if (rawBody && req.headers['content-type']?.includes('application/json')) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
  }
  const url = req.url ?? '/';
  const parsed = new URL(url, 'http://sandbox.invalid');
  const fromNumber = req.method === 'GET' ? parsed.searchParams.get('fromNumber') : field(body, 'fromNumber');
  return {
    method: req.method ?? 'GET',
    url,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: req.headers,
    rawBody,
    body,
    fromNumber: typeof fromNumber === 'string' ? fromNumber : undefined,
    socket: req.socket,
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(reply.body));
}

/** An in-memory Sendblue Contact Sharing API on 127.0.0.1, for the credential-less sandbox and for tests. */
export async function startSendblueSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const credentials = options.credentials ?? { ...SANDBOX_CREDENTIALS };
  const latency = { get: 150, post: 1500, delete: 400, ...options.latencyMs };
  const random = options.random ?? Math.random;
  const profiles = new Map<string, StoredProfile>();
  const lines = [...(options.lines ?? SANDBOX_LINES)];

  async function handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const req = await readRequest(raw);
    if (await options.intercept?.(req, res)) return;
    if (
      req.headers['sb-api-key-id'] !== credentials.keyId ||
      req.headers['sb-api-secret-key'] !== credentials.secret
    ) {
      return send(res, fail(401, 'Invalid or missing API credentials'));
    }
    const base = latency[req.method.toLowerCase() as keyof typeof latency] ?? 0;
    if (base > 0) await sleep(base * (0.75 + random() * 0.5));
    send(res, route(req, profiles, lines));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else send(res, fail(400, 'Could not read the request'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    credentials,
    profiles,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung or held requests would otherwise keep close() (and the test run) waiting forever.
        server.closeAllConnections();
      }),
  };
}
