import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { type FakeSlack, startFakeSlack } from './fakes/fake-slack.js';
import { buttonClick, sampleNumber } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import {
  appToken,
  type FakeSocketMode,
  slashCommandEnvelope,
  startFakeSocketMode,
} from './helpers/socket-mode.js';
import {
  type ChildApp,
  commandBody,
  signingSecret,
  spawnEntryPoint,
  startTestApp,
  type TestApp,
} from './helpers/test-app.js';

// Bolt 5.1's HTTPReceiver reads `body.ssl_check` from whatever a signed body parses to, in an async
// closure with no catch: `payload=null` (or a JSON `null`) was an unhandled rejection that ended the
// process. These pin the answers, in-process and through the real entry point (where an exit shows).

const form = 'application/x-www-form-urlencoded';
const json = 'application/json';

interface Case {
  name: string;
  body: string;
  contentType: string;
  /** The statuses it may get; never a 5xx. */
  statuses: number[];
}

const notObjects: Case[] = [
  ...['null', '[]', '1', '"x"', 'true'].map((payload) => ({
    name: `payload=${payload}`,
    body: new URLSearchParams({ payload }).toString(),
    contentType: form,
    statuses: [400],
  })),
  ...['null', '[]', '"x"', '1'].map((body) => ({
    name: `JSON body ${body}`,
    body,
    contentType: json,
    statuses: [400],
  })),
];

const objects: Case[] = [
  // Names no kind of payload: refused at once rather than left to Bolt's 3-second timeout and 404.
  { name: 'JSON body {}', body: '{}', contentType: json, statuses: [400] },
  {
    name: 'an event_callback with an unknown event type',
    body: JSON.stringify({
      type: 'event_callback',
      token: 'legacy-verification-token',
      team_id: 'T0TEST',
      api_app_id: 'A0APP',
      event_id: 'Ev0TEST',
      event_time: 1_700_000_000,
      event: { type: 'no_such_event_type', user: 'U0ALICE', event_ts: '1700000000.000100' },
    }),
    contentType: json,
    statuses: [200],
  },
];

const signed = (body: string, contentType: string) => ({
  ...signedHeaders(signingSecret, body),
  'content-type': contentType,
});

const alice = {
  team: { id: 'T0TEST', domain: 'test' },
  user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' },
  api_app_id: 'A0APP',
  token: 'legacy-verification-token',
  trigger_id: 'trigger-unhandled',
};
const view = (callbackId: string) => ({
  id: 'V0UNHANDLED',
  hash: 'h',
  type: 'modal',
  callback_id: callbackId,
  private_metadata: '',
  state: { values: {} },
});

/** Signed interactivity no listener handles: each must be acknowledged at once. */
const unhandledPayloads: Array<{ name: string; payload: Record<string, unknown> }> = [
  {
    name: 'a view_closed',
    payload: { type: 'view_closed', ...alice, view: view(ids.cardModal), is_cleared: false },
  },
  {
    name: 'a view_submission with an unknown callback_id',
    payload: { type: 'view_submission', ...alice, view: view('someone_elses_modal') },
  },
  {
    name: 'a block_actions with an unknown action_id',
    payload: {
      type: 'block_actions',
      ...alice,
      container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'C0CHANNEL' },
      channel: { id: 'C0CHANNEL', name: 'support' },
      actions: [{ type: 'button', action_id: 'not_ours', block_id: 'b', value: 'x', action_ts: '1' }],
    },
  },
  {
    name: 'a block_suggestion (options request)',
    payload: { type: 'block_suggestion', ...alice, action_id: 'not_ours', block_id: 'b', value: 'x' },
  },
  { name: 'a global shortcut', payload: { type: 'shortcut', ...alice, callback_id: 'not_ours' } },
  {
    name: 'a message shortcut',
    payload: {
      type: 'message_action',
      ...alice,
      callback_id: 'not_ours',
      channel: { id: 'C0CHANNEL', name: 'support' },
      message: { type: 'message', text: 'hi', ts: '1700000000.000001' },
      response_url: 'http://127.0.0.1:9/never',
    },
  },
];

const interactivity = (payload: unknown) =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/**
 * Signed bodies whose kind Bolt cannot tell (its getTypeAndConversation finds none): Bolt would
 * leave them unacknowledged, so over HTTP they waited 3 s for a 404 and an ERROR line, and in
 * Socket Mode Slack would send them again. The last is a slash command's form with a `payload`
 * beside it, which Bolt reads instead of the command.
 */
const noActions = { type: 'block_actions', ...alice };
const untellable = [
  { name: 'a block_actions with no actions', body: interactivity(noActions) },
  { name: 'a payload of an unknown type', body: interactivity({ type: 'surprise', ...alice }) },
  {
    name: "a slash command's form carrying a payload",
    body: `${commandBody('help', 'http://127.0.0.1:9/never')}&${interactivity(noActions)}`,
  },
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let consoleError: MockInstance<typeof console.error>;
const errorLines = () => consoleError.mock.calls.map((args: unknown[]) => args.map(String).join(' '));
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtExceptionMonitor', onUnhandled);
  consoleError = vi.spyOn(console, 'error');
});
afterAll(() => {
  consoleError.mockRestore();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtExceptionMonitor', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('signed bodies Bolt could crash on, in-process', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function stillServing(): Promise<void> {
    const help = await app.command('help');
    expect(help.status).toBe(200);
    expect(help.text).toContain('/contactcard set');
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
  }

  it.each(notObjects)(
    '$name: 400, no error line, and the app keeps serving',
    async ({ body, contentType }) => {
      const errorsBefore = errorLines().length;
      const answer = await app.postSigned(body, signed(body, contentType));
      expect(answer.status).toBe(400);
      expect(answer.text).toBe('');
      expect(errorLines().slice(errorsBefore)).toEqual([]);
      await stillServing();
    },
  );

  it.each(objects)('$name: answered as before, never 5xx, and the app keeps serving', async (c) => {
    const answer = await app.postSigned(c.body, signed(c.body, c.contentType));
    expect(c.statuses).toContain(answer.status);
    await stillServing();
  });

  it('a non-object body with a bad signature, or a timestamp in the future, gets 401', async () => {
    const body = 'payload=null';
    expect((await app.postSigned(body, signedHeaders('not-the-secret', body))).status).toBe(401);
    expect((await app.postSigned(body, { 'content-type': form })).status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 3_600;
    expect((await app.postSigned(body, signedHeaders(signingSecret, body, future))).status).toBe(401);
    await stillServing();
  });

  it("keeps Bolt's own answers: ssl_check 200, unparsable 400, over the body limit 413", async () => {
    // An unsigned ssl_check is answered whatever else is smuggled into it.
    const ssl = await app.postSigned('ssl_check=1&payload=null', { 'content-type': form });
    expect(ssl.status).toBe(200);
    expect(ssl.text).toBe('');
    const unparsable = 'payload=%7Bnot-json';
    expect((await app.postSigned(unparsable, signedHeaders(signingSecret, unparsable))).status).toBe(400);
    expect((await app.postSigned(unparsable, signedHeaders('not-the-secret', unparsable))).status).toBe(401);
    const huge = `payload=null&padding=${'a'.repeat(4 * 1024 * 1024)}`;
    expect((await app.postSigned(huge, signedHeaders(signingSecret, huge))).status).toBe(413);
    await stillServing();
  });

  it('a request target that is not a URL path gets 400, not 500', async () => {
    const port = new URL(app.url).port;
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST // HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('end', () => resolve(received.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    await stillServing();
  });

  it.each(unhandledPayloads)(
    '$name is acknowledged at once (200 < 1 s), with no error line',
    async ({ payload }) => {
      const errorsBefore = errorLines().length;
      const started = Date.now();
      const answer = await app.interact(payload);
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      await app.settle();
      expect(errorLines().slice(errorsBefore)).toEqual([]);
      expect(app.sendblue.requests).toEqual([]);
    },
  );

  it('another slash command is acknowledged at once, and /contactcard still reaches its listener', async () => {
    const started = Date.now();
    const other = await app.postSigned(
      commandBody('help', app.slack.responseUrl('other')).replace(
        'command=%2Fcontactcard',
        'command=%2Fother',
      ),
    );
    expect(other.status).toBe(200);
    expect(other.text).toBe('');
    expect(Date.now() - started).toBeLessThan(1_000);
    await stillServing();
  });

  it('a handled action still reaches its listener', async () => {
    const opened = app.slack.callsTo('views.open').length;
    const answer = await app.interact(
      buttonClick(ids.actions.edit, sampleNumber, { responseUrl: app.slack.responseUrl('edit') }),
    );
    expect(answer.status).toBe(200);
    await app.settle();
    expect(app.slack.callsTo('views.open').length).toBe(opened + 1);
  });

  // Found by the Socket Mode fuzz: Number() on a button value {"valueOf":1,"toString":1} threw after
  // the ack (an unhandled rejection in Socket Mode, an ERROR line over HTTP).
  it.each([
    ids.actions.bulkCancel,
    ids.actions.bulkRetry,
    ids.actions.homePrevious,
    ids.actions.homeNext,
    ids.actions.approve,
    ids.actions.reject,
  ])(
    'a %s button whose value is an object that cannot become a number is ignored quietly',
    async (actionId) => {
      const errorsBefore = errorLines().length;
      const click = buttonClick(actionId, '', { responseUrl: app.slack.responseUrl('odd') });
      const payload = { ...click, actions: [{ ...click.actions[0], value: { valueOf: 1, toString: 1 } }] };
      expect((await app.interact(payload)).status).toBe(200);
      await app.settle();
      expect(errorLines().slice(errorsBefore)).toEqual([]);
      await stillServing();
    },
  );
});

describe('the same requests through the real entry point (a crash would exit the child)', () => {
  let slack: FakeSlack;
  let child: ChildApp;
  beforeAll(async () => {
    slack = await startFakeSlack();
    child = await spawnEntryPoint({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.url,
    });
    await child.waitForHealth();
  });
  afterAll(async () => {
    await child?.kill();
    await slack?.close();
  });

  const alive = () => child.child.exitCode === null && child.child.signalCode === null;

  /** The request's answer, or a failure naming the exit and the child's last words if it died. */
  async function post(body: string, headers?: Record<string, string>) {
    try {
      return await child.postSigned(body, headers);
    } catch (error) {
      await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      if (alive()) throw error;
      const { exitCode, signalCode } = child.child;
      throw new Error(
        `the app exited (code ${exitCode}, signal ${signalCode}):\n${child.output().slice(-1_000)}`,
      );
    }
  }

  async function stillServing(): Promise<void> {
    const help = await post(commandBody('help', slack.responseUrl('child')));
    expect(help.status).toBe(200);
    expect(help.text).toContain('/contactcard set');
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    expect(alive()).toBe(true);
  }

  it('answers each one 2xx/4xx, never 5xx, stays up and serves the next command', async () => {
    for (const c of [...notObjects, ...objects]) {
      const answer = await post(c.body, signed(c.body, c.contentType));
      expect({ case: c.name, status: answer.status }).toEqual({
        case: c.name,
        status: expect.toSatisfy((status: number) => c.statuses.includes(status)),
      });
      await stillServing();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive()).toBe(true);
    expect(child.output()).not.toMatch(/TypeError|Unhandled promise rejection|Uncaught exception/);
  });

  it('answers the payloads Bolt cannot route in under 100 ms with a 400, and no ERROR line', async () => {
    const before = child.output().length;
    for (const { name, body } of untellable) {
      const started = performance.now();
      const answer = await post(body);
      const ms = performance.now() - started;
      expect({ name, status: answer.status, fast: ms < 100 }).toEqual({ name, status: 400, fast: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const output = child.output().slice(before);
    expect(output).not.toContain('[ERROR]');
    expect(output).not.toContain('not acknowledged');
    await stillServing();
  });

  it('acknowledges unhandled interactivity at once, with no ERROR line', async () => {
    const before = child.output().length;
    for (const { name, payload } of unhandledPayloads) {
      const started = Date.now();
      const answer = await post(interactivity(payload));
      expect({ name, status: answer.status, fast: Date.now() - started < 1_000 }).toEqual({
        name,
        status: 200,
        fast: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(child.output().slice(before)).not.toContain('[ERROR]');
    await stillServing();
  });
});

describe('Socket Mode envelopes the client could crash on, through the real entry point', () => {
  let slack: FakeSlack;
  let sockets: FakeSocketMode;
  let child: ChildApp;
  beforeAll(async () => {
    slack = await startFakeSlack();
    sockets = await startFakeSocketMode(slack);
    child = await spawnEntryPoint({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: slack.url,
      LOG_LEVEL: 'debug',
    });
    await sockets.waitForConnection();
    await child.waitForHealth();
  });
  afterAll(async () => {
    await child?.kill();
    await sockets?.close();
    await slack?.close();
  });

  const alive = () => child.child.exitCode === null && child.child.signalCode === null;
  let serial = 0;

  async function stillServing(): Promise<void> {
    const id = `command-${++serial}`;
    sockets.send(slashCommandEnvelope(id, 'help', slack.responseUrl('socket')));
    const ack = await sockets.waitForAck(id);
    expect(JSON.stringify(ack.payload)).toContain('/contactcard set');
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    expect(alive()).toBe(true);
  }

  const malformed: Array<[string, unknown]> = [
    ['null', null],
    ['an array', []],
    ['a number', 5],
    ['a string', 'x'],
    ['an object without a type', { envelope_id: 'no-type' }],
    ['an unknown type', { type: 'surprise', envelope_id: 'unknown-type', payload: {} }],
    ['type "error"', { type: 'error', envelope_id: 'type-error' }],
    ['events_api with a null payload', { type: 'events_api', envelope_id: 'ev-null', payload: null }],
    ['events_api without an event', { type: 'events_api', envelope_id: 'ev-none', payload: {} }],
    [
      'events_api with a null event',
      { type: 'events_api', envelope_id: 'ev-null-event', payload: { event: null } },
    ],
    [
      'events_api with an untyped event',
      { type: 'events_api', envelope_id: 'ev-untyped', payload: { event: {} } },
    ],
    [
      'events_api named like the client\'s own "error" event',
      { type: 'events_api', envelope_id: 'ev-error', payload: { event: { type: 'error' } } },
    ],
    [
      'events_api named like the client\'s own "slack_event" event',
      { type: 'events_api', envelope_id: 'ev-slack-event', payload: { event: { type: 'slack_event' } } },
    ],
    [
      'events_api named like the client\'s own "close" event',
      { type: 'events_api', envelope_id: 'ev-close', payload: { event: { type: 'close' } } },
    ],
    [
      'slash_commands with a null payload',
      { type: 'slash_commands', envelope_id: 'cmd-null', payload: null },
    ],
    ['interactive with an array payload', { type: 'interactive', envelope_id: 'int-array', payload: [] }],
  ];

  it.each(malformed)(
    '%s: dropped (acknowledged when it has an envelope_id), the app keeps serving',
    async (_, envelope) => {
      const before = child.output().length;
      sockets.send(JSON.stringify(envelope));
      const id = (envelope as { envelope_id?: unknown } | null)?.envelope_id;
      if (typeof id === 'string') {
        const ack = await sockets.waitForAck(id);
        expect(ack).toEqual({ envelope_id: id, payload: {} });
      }
      await stillServing();
      const output = child.output().slice(before);
      expect(output).toMatch(/(Acknowledged and dropped|Dropped) a malformed Socket Mode envelope/);
      expect(output).not.toMatch(
        /TypeError|\[ERROR\]|WebSocket error|Could not handle a Socket Mode message/,
      );
    },
  );

  const typedWords = 'words-a-person-typed-9f2k';
  const refused: Array<[string, Record<string, unknown>]> = [
    ['interactive: a block_actions with no actions', { type: 'interactive', payload: noActions }],
    [
      'interactive: a payload of an unknown type',
      { type: 'interactive', payload: { type: 'surprise', ...alice } },
    ],
    ['slash_commands: a payload with no command', { type: 'slash_commands', payload: { text: 'help' } }],
    // These pass the envelope check; the app's payload check refuses them inside Bolt.
    [
      'interactive: a block_actions with an empty actions list',
      { type: 'interactive', payload: { ...noActions, actions: [] } },
    ],
    [
      'interactive: a view_submission whose view has no callback_id',
      { type: 'interactive', payload: { type: 'view_submission', ...alice, view: { id: 'V0X' } } },
    ],
  ];

  it.each(refused)(
    '%s: acknowledged at once, no ERROR line, the app keeps serving',
    async (name, envelope) => {
      const before = child.output().length;
      const id = `refused-${++serial}`;
      const payload = { ...(envelope.payload as object), message: { text: typedWords } };
      sockets.send(JSON.stringify({ ...envelope, payload, envelope_id: id }));
      const ack = await sockets.waitForAck(id, 1_000);
      expect({ name, ack }).toEqual({ name, ack: { envelope_id: id, payload: {} } });
      await stillServing();
      const output = child.output().slice(before);
      expect(output).not.toMatch(/\[ERROR\]|An unhandled error occurred|TypeError/);
      // At debug the Socket Mode client logs each message it gets and sends: never their contents.
      expect(output).not.toContain(typedWords);
    },
  );

  it('a non-JSON text frame and a binary frame are ignored', async () => {
    sockets.send('{not json');
    sockets.send(Buffer.from([0, 1, 2, 3]));
    await stillServing();
  });

  it('a well-formed event is still acknowledged by Bolt', async () => {
    sockets.send(
      JSON.stringify({
        type: 'events_api',
        envelope_id: 'ev-good',
        payload: {
          type: 'event_callback',
          team_id: 'T0TEST',
          api_app_id: 'A0APP',
          event: { type: 'app_mention', user: 'U0ALICE', text: 'hi', channel: 'C0CHANNEL', ts: '1.2' },
        },
      }),
    );
    expect(await sockets.waitForAck('ev-good')).toMatchObject({ envelope_id: 'ev-good' });
    await stillServing();
    expect(child.output()).not.toMatch(/TypeError|Unhandled promise rejection|Uncaught exception/);
  });
});
