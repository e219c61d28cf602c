import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startFakeSendblue } from './fakes/fake-sendblue.js';
import { type FakeSlack, startFakeSlack } from './fakes/fake-slack.js';
import { sendblueEnv } from './helpers/fake-env.js';
import { signedHeaders } from './helpers/slack-signing.js';

// The real entry point, run as `npm start` would but from source, in an empty directory so that
// no developer's .env leaks in.
const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const tsxLoader = new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;
const signingSecret = 'startup-test-signing-secret';

interface Running {
  child: ChildProcess;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', tsxLoader, entry], {
    cwd: mkdtempSync(join(tmpdir(), 'contactcard-start-')),
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  return { child, output: () => out + err, stderr: () => err, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForHealth(port: number, running: Running): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no /healthz within 15 s:\n${running.output()}`);
}

async function fakeSlack(): Promise<FakeSlack> {
  const slack = await startFakeSlack();
  cleanups.push(() => slack.close());
  return slack;
}

function baseEnv(slack: FakeSlack, port: number): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.url,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
}

describe('the entry point', () => {
  it('starts in HTTP mode against Slack, serves /healthz, and exits 0 on SIGTERM', async () => {
    const slack = await fakeSlack();
    const port = await freePort();
    const app = run(baseEnv(slack, port));
    await waitForHealth(port, app);
    expect(slack.callsTo('auth.test')).toEqual([expect.objectContaining({ token: slack.botToken })]);
    expect(app.output()).toContain('SANDBOX');
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('exits 1 with a one-line reason when SLACK_BOT_TOKEN is missing', async () => {
    const app = run({ SLACK_SIGNING_SECRET: signingSecret });
    expect(await app.exited).toBe(1);
    expect(app.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(/^contactcard: SLACK_BOT_TOKEN: required/),
    ]);
  });

  it('exits 1 saying Slack rejected the token, without a stack trace', async () => {
    const slack = await fakeSlack();
    const app = run({ ...baseEnv(slack, await freePort()), SLACK_BOT_TOKEN: 'xoxb-revoked-token' });
    expect(await app.exited).toBe(1);
    expect(app.stderr().trim()).toBe('contactcard: Slack rejected SLACK_BOT_TOKEN (invalid_auth)');
  });

  it('exits 1 with one line naming the database, never its password, when PostgreSQL is unreachable', async () => {
    const slack = await fakeSlack();
    const closed = await freePort();
    const app = run({
      ...baseEnv(slack, await freePort()),
      CONTACTCARD_DATABASE_URL: `postgres://contactcard:pg-secret-pass@127.0.0.1:${closed}/cards`,
    });
    expect(await app.exited).toBe(1);
    expect(app.stderr().trim().split('\n')).toEqual([
      `contactcard: could not connect to PostgreSQL at 127.0.0.1:${closed}/cards (ECONNREFUSED)`,
    ]);
    expect(app.output()).not.toContain('pg-secret-pass');
  });

  it('lets an in-flight Sendblue operation finish before exiting on SIGTERM', async () => {
    const slack = await fakeSlack();
    const sendblue = await startFakeSendblue();
    cleanups.push(() => sendblue.close());
    const port = await freePort();
    const app = run({
      ...baseEnv(slack, port),
      ...sendblueEnv(sendblue),
    });
    await waitForHealth(port, app);
    sendblue.hold();
    const body = new URLSearchParams({
      command: '/contactcard',
      text: 'show +1 415 555 1234',
      user_id: 'U0ALICE',
      channel_id: 'C0CHANNEL',
      response_url: slack.responseUrl('shutdown'),
      trigger_id: 't',
    }).toString();
    const ack = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(signingSecret, body),
      body,
    });
    expect(ack.status).toBe(200);
    await sendblue.waitForRequests(1);
    app.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.child.exitCode).toBeNull();
    sendblue.release();
    expect(await app.exited).toBe(0);
    // The held `show` completed and its answer reached the person before the process left.
    expect(slack.responsePosts.map((post) => post.path)).toContain('/response/shutdown');
  });

  it('connects in Socket Mode with SLACK_APP_TOKEN and answers a slash command over the socket', async () => {
    const slack = await fakeSlack();
    const sockets = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => sockets.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => sockets.close(resolve)));
    const wsPort = (sockets.address() as { port: number }).port;
    slack.on('apps.connections.open', (call) =>
      call.token === 'xapp-1-test'
        ? { ok: true, url: `ws://127.0.0.1:${wsPort}/` }
        : { ok: false, error: 'invalid_auth' },
    );
    const acked = new Promise<Record<string, unknown>>((resolve) => {
      sockets.on('connection', (socket) => {
        socket.on('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
        socket.send(JSON.stringify({ type: 'hello', num_connections: 1 }));
        socket.send(
          JSON.stringify({
            type: 'slash_commands',
            envelope_id: 'envelope-1',
            accepts_response_payload: true,
            payload: {
              command: '/contactcard',
              text: 'help',
              user_id: 'U0ALICE',
              channel_id: 'C0CHANNEL',
              response_url: slack.responseUrl('socket'),
              trigger_id: 't',
            },
          }),
        );
      });
    });
    const port = await freePort();
    const env: Record<string, string> = { ...baseEnv(slack, port), SLACK_APP_TOKEN: 'xapp-1-test' };
    delete env.SLACK_SIGNING_SECRET; // Socket Mode needs none
    const app = run(env);
    const ack = await acked;
    expect(ack.envelope_id).toBe('envelope-1');
    expect(JSON.stringify(ack.payload)).toContain('/contactcard set');
    await waitForHealth(port, app);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });
});
