import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSendblue } from './fakes/fake-sendblue.js';
import { type FakeSlack, startFakeSlack } from './fakes/fake-slack.js';
import { sendblueEnv } from './helpers/fake-env.js';
import { signedHeaders } from './helpers/slack-signing.js';
import {
  appToken,
  type FakeSocketMode,
  slashCommandEnvelope,
  startFakeSocketMode,
} from './helpers/socket-mode.js';
import {
  type ChildApp,
  signingSecret,
  spawnEntryPoint,
  startTestApp,
  type TestApp,
} from './helpers/test-app.js';

// Generated request bodies and Socket Mode envelopes of any shape, signed, against the real
// receivers: none may crash the process, get a 5xx, or reach Sendblue. Requests go out in
// concurrent batches, because those Bolt cannot type wait out its 3-second ack timeout (a 404).

const form = 'application/x-www-form-urlencoded';

/** Any JSON value, any depth: objects, arrays, null, numbers, strings, booleans. */
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** The keys Bolt and the app look at, and anything else. */
const formKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'payload',
    'command',
    'text',
    'type',
    'event',
    'actions',
    'name',
    'view',
    'ssl_check',
    'challenge',
    'user_id',
    'trigger_id',
    'response_url',
  ),
);
const formValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  anyJson.map((value) => JSON.stringify(value)),
  fc.constantFrom('1', 'url_verification', 'block_actions', 'view_submission', 'null', '[]'),
);

interface Request {
  body: string;
  contentType: string;
}

const request: fc.Arbitrary<Request> = fc.oneof(
  // The whole interactivity payload is any JSON value.
  anyJson.map((payload) => ({
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: form,
  })),
  // Any set of form fields.
  fc
    .dictionary(formKey, formValue, { maxKeys: 6 })
    .map((fields) => ({ body: new URLSearchParams(fields).toString(), contentType: form })),
  // Any JSON body, as the Events API sends them.
  anyJson.map((value) => ({ body: JSON.stringify(value), contentType: 'application/json' })),
  // Bodies that are not what the content type says.
  fc
    .tuple(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(form, 'application/json', 'text/plain'),
    )
    .map(([body, contentType]) => ({ body, contentType })),
);

describe('generated signed bodies through the real HTTP receiver', () => {
  let app: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtExceptionMonitor', onUnhandled);
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtExceptionMonitor', onUnhandled);
  });

  it('never 5xx, never a crash, never Sendblue; /healthz and a command answered after each batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 30, maxLength: 60 }), async (batch) => {
        const answers = await Promise.all(
          batch.map(({ body, contentType }) =>
            app.postSigned(body, { ...signedHeaders(signingSecret, body), 'content-type': contentType }),
          ),
        );
        await app.settle();
        expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
        expect(unhandled).toEqual([]);
        expect(app.sendblue.requests).toEqual([]);
        expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
        const help = await app.command('help');
        expect(help.status).toBe(200);
        expect(help.text).toContain('/contactcard set');
      }),
      { numRuns: 3, endOnFailure: true },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Socket Mode

const envelopeTypes = ['hello', 'events_api', 'slash_commands', 'interactive'];
// The Socket Mode client's own event names, which an envelope or event type must never drive.
const clientEvents = ['error', 'close', 'ws_message', 'slack_event', 'connected', 'outgoing_message'];

const envelopeShaped = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...envelopeTypes, ...clientEvents), fc.string({ maxLength: 12 }), anyJson),
    envelope_id: fc.oneof(fc.uuid(), anyJson),
    payload: fc.oneof(
      anyJson,
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('event_callback', 'block_actions', 'view_submission'), anyJson),
          event: fc.oneof(
            anyJson,
            fc.record({
              type: fc.oneof(fc.constantFrom('app_mention', 'message', ...clientEvents), anyJson),
            }),
          ),
          command: fc.oneof(fc.constantFrom('/other'), anyJson),
          actions: anyJson,
          view: anyJson,
        },
        { requiredKeys: [] },
      ),
    ),
    accepts_response_payload: anyJson,
    retry_attempt: anyJson,
  },
  { requiredKeys: [] },
);

/** Any text frame: JSON of any shape, envelope-like or not, or not JSON at all. */
const frame = fc
  .oneof(
    anyJson.map((value) => JSON.stringify(value)),
    envelopeShaped.map((value) => JSON.stringify(value)),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  // A real `disconnect` makes the client reconnect, which takes seconds: not what this is about.
  .filter((text) => !/"type":"disconnect"/.test(text));

describe('generated envelopes through the real Socket Mode receiver (the entry point as a child)', () => {
  let slack: FakeSlack;
  let sockets: FakeSocketMode;
  let sendblue: Awaited<ReturnType<typeof startFakeSendblue>>;
  let child: ChildApp;
  beforeAll(async () => {
    slack = await startFakeSlack();
    sendblue = await startFakeSendblue();
    sockets = await startFakeSocketMode(slack);
    child = await spawnEntryPoint({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: slack.url,
      ...sendblueEnv(sendblue),
    });
    await sockets.waitForConnection();
    await child.waitForHealth();
  });
  afterAll(async () => {
    await child?.kill();
    await sockets?.close();
    await sendblue?.close();
    await slack?.close();
  });

  let serial = 0;
  it('never a crash, never Sendblue; a slash command is still acknowledged after each batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 20, maxLength: 50 }), async (batch) => {
        for (const text of batch) sockets.send(text);
        const id = `fuzz-command-${++serial}`;
        sockets.send(slashCommandEnvelope(id, 'help', slack.responseUrl('socket-fuzz')));
        const ack = await sockets.waitForAck(id);
        expect(JSON.stringify(ack.payload)).toContain('/contactcard set');
        expect(child.child.exitCode).toBeNull();
        expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
        // The lines listing at start-up is the only Sendblue call the app makes on its own.
        expect(sendblue.requests.filter((r) => r.path.includes('contact-sharing'))).toEqual([]);
        expect(sockets.connections()).toBe(1);
      }),
      { numRuns: 15, endOnFailure: true },
    );
    // Bolt may log a payload it cannot process (caught, answered); the client itself must never fail.
    expect(child.output()).not.toMatch(
      /Unhandled promise rejection|Uncaught exception|Could not handle a Socket Mode message|WebSocket error/,
    );
  });
});
