import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhotoCheckerOptions } from '../../src/adapters/photo/index.js';
import type { SendblueClientOptions } from '../../src/adapters/sendblue/client.js';
import type { StoredProfile } from '../../src/adapters/sendblue/simulator.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { encodeMetadata } from '../../src/slack/views/metadata.js';
import { createApp } from '../../src/wiring/app.js';
import { openServices } from '../../src/wiring/services.js';
import { type FakeSendblue, startFakeSendblue } from '../fakes/fake-sendblue.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { sendblueEnv } from './fake-env.js';
import { LogAudit } from './log-audit.js';
import { formValues, type TypedCard, viewSubmission } from './payloads.js';
import { postSigned as postSignedTo, signedHeaders } from './slack-signing.js';

export const signingSecret = 'test-signing-secret-0123456789';

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Use the built-in simulator instead of the fake Sendblue (no credentials configured). */
  sandbox?: boolean;
  /** Photo checker options that reach a local image server (with CONTACTCARD_PHOTO_CHECK=true). */
  photos?: Partial<PhotoCheckerOptions>;
  /** The account's lines the fake Sendblue lists at start-up; null: the endpoint is unavailable. */
  lines?: string[] | null;
  /** Cards the fake Sendblue already shows when the app starts: set outside contactcard. */
  cards?: ReadonlyMap<string, StoredProfile>;
  /** Runs against the fake Sendblue before the app starts (faults for the start-up sync, holds). */
  beforeStart?: (sendblue: FakeSendblue) => void;
  /**
   * Sendblue client tuning merged over the test defaults (fast retries), e.g. short
   * `attemptTimeoutMs`/`deadlineMs` so that injected hangs resolve quickly.
   */
  client?: Pick<Partial<SendblueClientOptions>, 'retry' | 'attemptTimeoutMs' | 'deadlineMs'>;
  /** When the reads after a set run ("live"); none unless asked, so tests count only their own Sendblue calls. */
  liveDelaysMs?: readonly number[];
  /** false: log as LOG_LEVEL says, unrecorded (benchmarks: the audit logs everything at debug). */
  logAudit?: boolean;
  /** The app's clock (approvals are requested, decided and expired on it). */
  now?: () => Date;
}

/**
 * The real app in HTTP mode on 127.0.0.1, its Web API client pointed at a fake Slack and its
 * Sendblue client at a fake Sendblue (or the sandbox), driven with signed requests.
 */
export async function startTestApp(options: TestAppOptions = {}) {
  const slack = await startFakeSlack();
  const sendblue = await startFakeSendblue();
  if (options.lines !== undefined) sendblue.setLines(options.lines ?? undefined);
  for (const [number, card] of options.cards ?? []) sendblue.profiles.set(number, card);
  options.beforeStart?.(sendblue);
  const credentials = options.sandbox ? {} : sendblueEnv(sendblue);
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.url,
    LOG_LEVEL: 'error',
    CONTACTCARD_DB: ':memory:',
    // Photo links in tests point nowhere real; photo tests turn the check on with a local server.
    CONTACTCARD_PHOTO_CHECK: 'false',
    // Tests count Sendblue calls: the initial sync's reads are theirs only where a test turns it on.
    CONTACTCARD_SYNC_CONCURRENCY: '0',
    ...credentials,
    ...options.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const config = loaded.config;
  // Debug lines are recorded and checked at stop (log-audit.ts); printed as LOG_LEVEL says.
  const audit = new LogAudit(createLogger(config.logLevel));
  audit.forbid(slack.botToken, 'the bot token');
  audit.forbid(signingSecret, 'the signing secret');
  audit.forbid(sendblue.keyId, 'the Sendblue key id');
  audit.forbid(sendblue.secret, 'the Sendblue secret');
  const log = options.logAudit === false ? createLogger(config.logLevel) : audit.logger();
  const services = await openServices(config, log, {
    // Fast retries keep fault tests short; the policy itself is tested in sendblue-client.test.ts.
    client: {
      ...options.client,
      retry: { initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50, ...options.client?.retry },
    },
    simulator: { latencyMs: { get: 0, post: 0, delete: 0 } },
    liveDelaysMs: options.liveDelaysMs ?? [],
    ...(options.now ? { now: options.now } : {}),
    ...(options.photos ? { photos: options.photos } : {}),
  });
  await services.lines.refresh();
  // Tests count contact-sharing calls; the start-up lines listing is not one of theirs.
  sendblue.requests.splice(0);
  const { app } = createApp(services);
  await app.init();
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function postSigned(
    body: string,
    headers: Record<string, string> = signedHeaders(signingSecret, body),
  ) {
    audit.forbidTypedIn(typedPayload(body));
    const { status, text } = await postSignedTo(url, signingSecret, body, headers);
    return { status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  return {
    url,
    slack,
    sendblue,
    services,
    postSigned,
    /** A `/contactcard` invocation as Slack sends it. */
    command(text: string, as: { user?: string; channel?: string; responseId?: string } = {}) {
      return postSigned(commandBody(text, slack.responseUrl(as.responseId ?? 'cmd'), as));
    },
    /** An interactivity payload (block_actions, view_submission) as Slack sends it. */
    interact(payload: Record<string, unknown>) {
      return postSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    /** A card set through the editor: its submission by `user`, signed; waits for what follows it. */
    async setThroughEditor(number: string, card: TypedCard, user: string) {
      const metadata = encodeMetadata({
        number,
        channel: 'C0CHANNEL',
        responseUrl: slack.responseUrl('set'),
      });
      const submission = viewSubmission({ id: 'VSET', private_metadata: metadata }, formValues(card), user);
      await postSigned(new URLSearchParams({ payload: JSON.stringify(submission) }).toString());
      await services.operations.drain(10_000);
    },
    /** `/contactcard export` by `user`, waited for: the file it uploaded (undefined when none). */
    async exportAs(user: string) {
      const before = slack.uploads.size;
      const ack = await postSigned(commandBody('export', slack.responseUrl(`export-${user}`), { user }));
      if (ack.status !== 200) throw new Error(`export was answered ${ack.status}`);
      await services.operations.drain(10_000);
      return [...slack.uploads.values()].slice(before)[0];
    },
    /** An Events API event (JSON), as Slack delivers it; `retryNum` marks a redelivery. */
    deliver(event: Record<string, unknown>, options: { retryNum?: number } = {}) {
      const body = JSON.stringify(event);
      return postSigned(body, {
        ...signedHeaders(signingSecret, body),
        'content-type': 'application/json',
        ...(options.retryNum
          ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' }
          : {}),
      });
    },
    /** Waits for everything the app does after its acks (Sendblue calls, follow-up messages). */
    settle: () => services.operations.drain(10_000),
    /** Every line the app logged, at debug, whatever LOG_LEVEL printed. */
    logs: audit,
    /** Stops everything, then fails if any logged line carried a secret or a typed card value. */
    async stop() {
      await app.stop();
      await services.operations.drain(5_000);
      await services.close();
      await slack.close();
      // Cards set at the fake (outside contactcard, or by the app) are values customers typed too.
      for (const card of sendblue.profiles.values()) audit.forbidTypedIn(card);
      await sendblue.close();
      audit.assertClean();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** The JSON a signed body carries (a form's payload, or the body itself), if any. */
function typedPayload(body: string): unknown {
  try {
    if (body.trimStart().startsWith('{')) return JSON.parse(body);
    const payload = new URLSearchParams(body).get('payload');
    return payload === null ? undefined : JSON.parse(payload);
  } catch {
    return undefined;
  }
}

export type { FakeSendblue, FakeSlack };

/** The form body of a `/contactcard` invocation as Slack sends it. */
export function commandBody(
  text: string,
  responseUrl: string,
  as: { user?: string; channel?: string } = {},
): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    channel_id: as.channel ?? 'C0CHANNEL',
    channel_name: 'support',
    user_id: as.user ?? 'U0ALICE',
    user_name: 'alice',
    command: '/contactcard',
    text,
    response_url: responseUrl,
    trigger_id: `trigger-${Date.now()}`,
    api_app_id: 'A0APP',
  }).toString();
}

const entryPoint = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const tsxLoader = new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

/**
 * The real entry point (src/index.ts through tsx) as a child process in HTTP mode on 127.0.0.1, in an
 * empty working directory so no developer's .env leaks in. `env` is the whole environment besides
 * PATH, HOME, PORT and HOST (and CONTACTCARD_SYNC_CONCURRENCY=0, as in startTestApp, unless `env`
 * sets it); SLACK_SIGNING_SECRET in it signs `postSigned`.
 */
export async function spawnEntryPoint(
  env: Record<string, string>,
  options: {
    port?: number /** Another copy of the app to run, from its own folder. */;
    checkout?: string;
  } = {},
) {
  const port = options.port ?? (await freePort());
  const entry = options.checkout === undefined ? entryPoint : join(options.checkout, 'src', 'index.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', tsxLoader, entry], {
    cwd: options.checkout ?? mkdtempSync(join(tmpdir(), 'contactcard-child-')),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      CONTACTCARD_SYNC_CONCURRENCY: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const secret = env.SLACK_SIGNING_SECRET ?? '';
  return {
    child,
    port,
    url,
    exited,
    /** Everything written to stdout and stderr so far. */
    output: () => output,
    async waitForHealth(timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the app exited early:\n${output}`);
        }
        const ok = await fetch(`${url}/healthz`).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no /healthz within ${timeoutMs} ms:\n${output}`);
    },
    postSigned: (body: string, headers?: Record<string, string>) => postSignedTo(url, secret, body, headers),
    /** SIGKILL unless it has already exited; for cleanup. */
    async kill(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export type ChildApp = Awaited<ReturnType<typeof spawnEntryPoint>>;
