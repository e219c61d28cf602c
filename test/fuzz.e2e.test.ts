import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { parseCommand } from '../src/slack/command.js';
import { ids } from '../src/slack/views/ids.js';
import { listenOnLoopback } from './helpers/http.js';
import { formValues } from './helpers/payloads.js';
import { signedHeaders, slackSignature } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// Signed and unsigned requests with generated bodies against the real app. Each describe block has
// one app for all its runs; what a run caused is told apart by counting before and after it.

const e164 = /^\+[1-9]\d{6,14}$/;
const validNumber = '+14155551234';
const card = { firstName: 'Jane', lastName: 'Smith', photoUrl: 'https://example.com/jane.jpg' };

// The app's own word for its bugs: an error logged by a listener or after an ack.
const bugLog = /failed unexpectedly|Unhandled error in a listener|unhandled error occurred/i;
let consoleError: MockInstance<typeof console.error>;
const errorLines = () => consoleError.mock.calls.map((args: unknown[]) => args.map(String).join(' '));

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtExceptionMonitor', onUncaught);
  consoleError = vi.spyOn(console, 'error');
});
afterAll(() => {
  consoleError.mockRestore();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtExceptionMonitor', onUncaught);
  expect(unhandled).toEqual([]);
  expect(uncaught).toEqual([]);
});

/** Starts one app for a describe block, plus a server that must never hear from it. */
function appPerBlock() {
  const state: { app?: TestApp; foreign: string[]; foreignUrl: string; close?: () => Promise<void> } = {
    foreign: [],
    foreignUrl: '',
  };
  beforeAll(async () => {
    state.app = await startTestApp();
    const foreign = await listenOnLoopback((req: IncomingMessage, res) => {
      state.foreign.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    state.foreignUrl = `${foreign.url}/hooks/fuzz`;
    state.close = foreign.close;
  });
  afterAll(async () => {
    await state.app?.stop();
    await state.close?.();
  });
  return state;
}

function observe(app: TestApp) {
  const contactSharing = () => app.sendblue.requests.filter((r) => r.path.includes('contact-sharing')).length;
  const before = {
    sendblue: contactSharing(),
    calls: app.slack.calls.length,
    posts: app.slack.responsePosts.length,
    errors: errorLines().length,
    unhandled: unhandled.length + uncaught.length,
  };
  return {
    newUnhandled: () => [...unhandled, ...uncaught].slice(before.unhandled),
    newBugLogs: () =>
      errorLines()
        .slice(before.errors)
        .filter((line) => bugLog.test(line)),
    newSendblue: () => contactSharing() - before.sendblue,
    newSlackCalls: () => app.slack.calls.length - before.calls,
    newResponsePosts: () => app.slack.responsePosts.length - before.posts,
  };
}

async function healthy(app: TestApp): Promise<boolean> {
  return (await fetch(`${app.url}/healthz`)).status === 200;
}

const interactivityBody = (payload: unknown) =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

// ---------------------------------------------------------------------------------------------
// Generators

/** Any text, control characters and astral planes included, now and then up to 10 kB. */
const anyText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom(
        '\u0000',
        '\u0007',
        '\n',
        '\r',
        '\t',
        '\u001b',
        '\u200b',
        '\u202e',
        '\ufeff',
        ' ',
        '*',
        '<',
        '>',
        '&',
        '`',
        '@',
        '|',
      ),
      maxLength: 40,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 9_000, maxLength: 10_000, size: 'max' }) },
);

const subcommands = [
  'set',
  'show',
  'status',
  'delete',
  'remove',
  'history',
  'list',
  'assign',
  'unassign',
  'help',
];
const commandText = fc.oneof(
  anyText,
  fc
    .tuple(
      fc.constantFrom(...subcommands, 'SET', 'Show', 'frobnicate', ''),
      fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', ''),
      fc.oneof(
        anyText,
        fc.stringMatching(/^[+()\d .\-x]{0,30}$/),
        fc.constantFrom('+1 415 555 1234', '<@U0BOB|bob>', `${validNumber} <@U0BOB>`, '+999999999999999999'),
      ),
    )
    .map(([word, gap, rest]) => `${word}${gap}${rest}`),
);

/** Sometimes the real value, sometimes garbage, sometimes missing (undefined). */
const sometimes = <T>(good: T) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(good) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
);

/** private_metadata that can never be read back as a modal's metadata. */
function brokenMetadata(responseUrl: string) {
  const notChannel = fc.oneof(
    junk.filter((v) => typeof v !== 'string' || !/^[CGDUW][A-Z0-9]+$/.test(v)),
    fc.constant('c0lowercase'),
    fc.constant(`C${'0'.repeat(40)}`),
  );
  return fc.oneof(
    // Not JSON, or JSON of the wrong shape.
    fc.string({ unit: 'binary', maxLength: 200 }).filter((raw) => {
      try {
        const value = JSON.parse(raw) as unknown;
        return !(value && typeof value === 'object' && 'channel' in value);
      } catch {
        return true;
      }
    }),
    fc
      .jsonValue({ maxDepth: 3 })
      .map((value) => JSON.stringify(value))
      .filter((raw) => !raw.includes('channel')),
    // The right keys with a wrong channel.
    fc
      .record(
        {
          number: fc.oneof(junk, fc.constant(validNumber)),
          channel: notChannel,
          responseUrl: fc.oneof(junk, fc.constant(responseUrl)),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    // A good channel with a wrong number or response_url.
    fc
      .record({
        number: fc.oneof(
          junk.filter((v) => typeof v !== 'string' || !e164.test(v)),
          fc.constantFrom('+0123456789', '14155551234', `${validNumber} `, '+1415555123412345'),
        ),
        channel: fc.constant('C0CHANNEL'),
      })
      .map((value) => JSON.stringify(value)),
    fc
      .record({
        number: fc.constant(validNumber),
        channel: fc.constant('C0CHANNEL'),
        responseUrl: fc.oneof(
          junk.filter((v) => typeof v !== 'string' || !URL.canParse(v)),
          fc.constantFrom(
            'javascript:alert(1)',
            'ftp://hooks.slack.com/x',
            `${responseUrl}?${'x'.repeat(600)}`,
          ),
        ),
      })
      .map((value) => JSON.stringify(value)),
    // Huge: valid fields buried in more than Slack's 3000 characters.
    fc
      .integer({ min: 3_001, max: 50_000 })
      .map((size) =>
        JSON.stringify({ number: validNumber, channel: 'C0CHANNEL', responseUrl, pad: 'x'.repeat(size) }),
      ),
    // Not a string at all.
    fc.oneof(
      fc.integer(),
      fc.constant({ number: validNumber, channel: 'C0CHANNEL' }),
      fc.constant([]),
      fc.constant(null),
    ),
  );
}

/** view.state.values that can never make a valid card (a required field missing, blank, too long or mistyped). */
const brokenName = fc.oneof(
  fc.constantFrom(null, '', '   \n', '\u00a0\ufeff'),
  // Too long as the card rules count (zod counts code points, so a string of astral characters may
  // be longer than 64 in UTF-16 units and still valid).
  fc.string({ unit: 'binary', minLength: 65, maxLength: 3_000 }).filter((v) => [...v.trim()].length > 64),
);
const brokenPhotoUrl = fc.oneof(
  fc.constantFrom(
    null,
    '',
    '  ',
    'http://example.com/plain-http.jpg',
    'javascript:alert(1)',
    'example.com/jane.jpg',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((v) => !URL.canParse(v.trim())),
  fc.integer({ min: 2_049, max: 6_000 }).map((n) => `https://example.com/${'x'.repeat(n)}`),
);
const brokenValues = fc.oneof(
  fc
    .record({
      which: fc.constantFrom('firstName', 'lastName'),
      value: brokenName,
      displayName: fc.option(fc.string({ unit: 'binary', maxLength: 100 }), { nil: null }),
    })
    .map(({ which, value, displayName }) => formValues({ ...card, displayName, [which]: value })),
  fc
    .record({ value: brokenPhotoUrl, displayName: fc.option(fc.string({ maxLength: 100 }), { nil: null }) })
    .map(({ value, displayName }) => formValues({ ...card, displayName, photoUrl: value })),
  // Wrong types where Slack sends { type, value }.
  fc
    .record({
      which: fc.constantFrom(ids.blocks.firstName, ids.blocks.lastName, ids.blocks.photoUrl),
      value: junk,
    })
    .map(({ which, value }) => ({ ...formValues(card), [which]: value })),
  fc
    .record({
      which: fc.constantFrom(
        [ids.blocks.firstName, ids.inputs.firstName],
        [ids.blocks.lastName, ids.inputs.lastName],
        [ids.blocks.photoUrl, ids.inputs.photoUrl],
      ),
      value: junk.filter((v) => typeof v !== 'string'),
    })
    .map(({ which, value }) => ({ ...formValues(card), [which[0]]: { [which[1]]: { type: 'x', value } } })),
  fc.constantFrom<unknown>('values', [], 42, {}, null),
  fc.dictionary(fc.string({ maxLength: 20 }), junk, { maxKeys: 5 }),
);

function base(user: unknown) {
  return {
    team: { id: 'T0TEST', domain: 'test' },
    ...(user === undefined ? {} : { user }),
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${Date.now()}`,
  };
}

const users = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constant({ id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' }),
  },
  { weight: 1, arbitrary: fc.record({ id: junk }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junk },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A card-modal submission routed to the app's listener, malformed somewhere past the routing. */
function brokenSubmission(responseUrl: string) {
  return fc
    .record({
      user: users,
      broken: fc.constantFrom('metadata', 'values', 'both'),
      metadata: brokenMetadata(responseUrl),
      values: brokenValues,
      viewId: sometimes('V1'),
      hash: sometimes('hash-V1'),
      state: fc.constantFrom('object', 'missing', 'null', 'string'),
    })
    .map(({ user, broken, metadata, values, viewId, hash, state }) => {
      const good = JSON.stringify({ number: validNumber, channel: 'C0CHANNEL', responseUrl });
      const privateMetadata = broken === 'values' ? good : metadata;
      const stateValues = broken === 'metadata' ? formValues(card) : values;
      const stateField =
        broken === 'metadata' || state === 'object'
          ? { state: { values: stateValues } }
          : state === 'missing'
            ? {}
            : { state: state === 'null' ? null : 'state' };
      return {
        type: 'view_submission',
        ...base(user),
        view: {
          id: viewId,
          type: 'modal',
          callback_id: ids.cardModal,
          private_metadata: privateMetadata,
          hash,
          ...stateField,
          team_id: 'T0TEST',
        },
        response_urls: [],
      };
    });
}

/** A button or input action routed to one of the app's listeners, with values that name no number. */
function brokenAction(responseUrl: string, foreignUrl: string) {
  const notANumber = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }).filter((v) => !e164.test(v)),
    fc.constantFrom('+1 415 555 1234', '14155551234', '+0', '{"number":"+14155551234"}', ''),
  );
  const tryAgainValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        { number: fc.oneof(junk, fc.constant(validNumber)), firstName: junk, photoUrl: junk },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    fc.constant(JSON.stringify({ number: validNumber, ...card, firstName: 'x'.repeat(5_000) })),
  );
  const action = fc.oneof(
    fc.record({ action_id: fc.constant(ids.actions.edit), value: fc.oneof(notANumber, junk) }),
    fc.record({ action_id: fc.constant(ids.actions.delete), value: fc.oneof(notANumber, junk) }),
    fc.record({ action_id: fc.constant(ids.actions.tryAgain), value: fc.oneof(tryAgainValue, junk) }),
    fc.record({
      action_id: fc.constant(ids.inputs.photoUrl),
      value: fc.oneof(anyText, junk),
    }),
  );
  const modal = {
    id: 'V1',
    hash: 'h',
    type: 'modal',
    callback_id: ids.cardModal,
    blocks: [],
    private_metadata: '',
  };
  return fc
    .record({
      user: users,
      action,
      type: fc.constantFrom('button', 'url_text_input', 'static_select', 'nonsense'),
      blockId: sometimes('b'),
      channel: fc.oneof(
        fc.constant({ id: 'C0CHANNEL', name: 'support' }),
        fc.record({ id: junk }),
        fc.constant(undefined),
        junk,
      ),
      responseUrl: fc.oneof(
        fc.constant(responseUrl),
        fc.constant(foreignUrl),
        fc.string({ maxLength: 40 }),
        fc.constant(undefined),
        junk,
      ),
      view: fc.oneof(fc.constant(undefined), fc.constant(modal), junk),
      triggerId: sometimes(`trigger-${Date.now()}`),
    })
    .map(({ user, action, type, blockId, channel, responseUrl: url, view, triggerId }) => {
      return {
        type: 'block_actions',
        ...base(user),
        trigger_id: triggerId,
        ...(channel === undefined ? {} : { channel }),
        ...(url === undefined ? {} : { response_url: url }),
        ...(view === undefined ? {} : { view }),
        container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'C0CHANNEL' },
        actions: [{ ...action, type, block_id: blockId, action_ts: '1700000000.1' }],
      };
    });
}

// ---------------------------------------------------------------------------------------------

describe('signed slash commands with generated text and fields', () => {
  const state = appPerBlock();

  it('never crash, never answer 5xx, never post to a foreign response_url; only set/show/list reach Sendblue', async () => {
    const app = state.app as TestApp;
    const command = fc.record(
      {
        text: commandText,
        user_id: sometimes('U0ALICE'),
        channel_id: sometimes('C0CHANNEL'),
        response_url: fc.oneof(
          fc.constant(app.slack.responseUrl('fuzz')),
          fc.constant(state.foreignUrl),
          fc.string({ maxLength: 40 }),
          fc.constant(undefined),
        ),
        trigger_id: sometimes(`trigger-${Date.now()}`),
      },
      { requiredKeys: ['text'] },
    );
    await fc.assert(
      fc.asyncProperty(command, async (fields) => {
        const seen = observe(app);
        const form: Record<string, string> = {
          command: ids.command,
          team_id: 'T0TEST',
          token: 'legacy-verification-token',
        };
        for (const [key, value] of Object.entries(fields)) if (value !== undefined) form[key] = value;
        const body = new URLSearchParams(form).toString();
        const response = await app.postSigned(body);
        expect(response.status).toBe(200);
        await app.settle();
        // What the app decoded, not what was generated (lone surrogates do not survive the form encoding).
        const received = new URLSearchParams(body).get('text') ?? '';
        const kind = parseCommand(received, 'US').kind;
        if (!['set', 'show', 'list'].includes(kind)) expect(seen.newSendblue()).toBe(0);
        expect(state.foreign).toEqual([]);
        expect(seen.newBugLogs()).toEqual([]);
        expect(seen.newUnhandled()).toEqual([]);
        expect(await healthy(app)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** A malformed signed payload: answered (400 when Bolt itself cannot route it), never 5xx, and inert. */
async function expectHarmless(app: TestApp, foreign: unknown[], payload: Record<string, unknown>) {
  const seen = observe(app);
  const response = await app.postSigned(interactivityBody(payload));
  expect([200, 400]).toContain(response.status);
  await app.settle();
  expect(seen.newSendblue()).toBe(0);
  expect(foreign).toEqual([]);
  expect(seen.newBugLogs()).toEqual([]);
  expect(seen.newUnhandled()).toEqual([]);
  expect(await healthy(app)).toBe(true);
}

describe('signed interactivity payloads, malformed past the routing', () => {
  const state = appPerBlock();

  it('card-modal submissions: never 5xx, never a Sendblue call, never a foreign post', async () => {
    const app = state.app as TestApp;
    await fc.assert(
      fc.asyncProperty(brokenSubmission(app.slack.responseUrl('fuzz')), (payload) =>
        expectHarmless(app, state.foreign, payload),
      ),
      { numRuns: 250 },
    );
  });

  it('buttons and inputs with values that name no number: never 5xx, never a Sendblue call, never a foreign post', async () => {
    const app = state.app as TestApp;
    await fc.assert(
      fc.asyncProperty(brokenAction(app.slack.responseUrl('fuzz'), state.foreignUrl), (payload) =>
        expectHarmless(app, state.foreign, payload),
      ),
      { numRuns: 250 },
    );
  });
});

describe('signed requests no listener handles', () => {
  const state = appPerBlock();

  it('unknown types, callback ids and action ids, unparsable bodies: 4xx at worst, nothing done', async () => {
    const app = state.app as TestApp;
    const interactivityTypes = [
      'view_submission',
      'view_closed',
      'block_actions',
      'block_suggestion',
      'shortcut',
      'message_action',
      'dialog_submission',
      'interactive_message',
      'url_verification',
    ];
    const unrouted = fc.oneof(
      // Unknown `type`s.
      fc
        .record(
          {
            type: fc.string({ maxLength: 20 }).filter((t) => !interactivityTypes.includes(t)),
            view: fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 }),
            user: users,
          },
          { requiredKeys: ['type', 'user'] },
        )
        .map((p) => interactivityBody({ ...base(p.user), ...p })),
      fc
        .constantFrom('view_closed', 'shortcut', 'message_action', 'block_suggestion', 'dialog_submission')
        .map((type) =>
          interactivityBody({
            type,
            ...base({ id: 'U0ALICE' }),
            callback_id: 'x',
            view: { id: 'V1', callback_id: ids.cardModal },
          }),
        ),
      // A view submission for another modal.
      fc
        .oneof(
          fc.string({ maxLength: 30 }).filter((id) => id !== ids.cardModal),
          junk,
        )
        .map((callback) =>
          interactivityBody({
            type: 'view_submission',
            ...base({ id: 'U0ALICE' }),
            view: {
              id: 'V1',
              callback_id: callback,
              private_metadata: '',
              state: { values: formValues(card) },
            },
          }),
        ),
      // Actions the app has no listener for, or none at all.
      fc
        .oneof(
          fc
            .string({ maxLength: 30 })
            .filter((id) => !Object.values(ids.actions).includes(id as never) && id !== ids.inputs.photoUrl),
          junk,
        )
        .map((actionId) =>
          interactivityBody({
            type: 'block_actions',
            ...base({ id: 'U0ALICE' }),
            response_url: app.slack.responseUrl('fuzz'),
            actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: validNumber }],
          }),
        ),
      fc.constant(interactivityBody({ type: 'block_actions', ...base({ id: 'U0ALICE' }), actions: [] })),
      fc
        .record({
          type: fc.oneof(fc.string({ maxLength: 20 }), junk),
          view: junk,
          actions: junk,
          user: users,
        })
        .map((p) => interactivityBody({ ...base(p.user), ...p })),
      // Not a payload Bolt can parse, or a form that is not one of Slack's.
      fc
        .string({ unit: 'binary', maxLength: 200 })
        .map((raw) => new URLSearchParams({ payload: raw }).toString()),
      fc
        .dictionary(
          fc.string({ maxLength: 10 }).filter((key) => !['event', 'actions', 'name', 'type'].includes(key)),
          fc.string({ maxLength: 30 }),
          { maxKeys: 4 },
        )
        .map((form) => new URLSearchParams(form).toString()),
    );
    // Sent all at once: a body that reaches Bolt unrouted would wait for its 3-second ack timeout.
    const bodies = fc.sample(unrouted, { numRuns: 120 });
    const seen = observe(app);
    const answers = await Promise.all(bodies.map((body) => app.postSigned(body)));
    await app.settle();
    const failures = answers
      .map((answer, i) => ({ status: answer.status, text: answer.text, body: bodies[i] }))
      .filter((answer) => answer.status >= 500);
    expect(failures).toEqual([]);
    expect(answers.every((answer) => answer.status < 500)).toBe(true);
    expect(seen.newSendblue()).toBe(0);
    expect(seen.newBugLogs()).toEqual([]);
    expect(seen.newUnhandled()).toEqual([]);
    expect(await healthy(app)).toBe(true);
  });
});

describe('unsigned or wrongly signed requests', () => {
  const state = appPerBlock();

  it('never reach a listener: 401, no Slack call, no response_url post, no Sendblue call', async () => {
    const app = state.app as TestApp;
    const responseUrl = app.slack.responseUrl('unsigned');
    const commandForm = (text: string) =>
      new URLSearchParams({
        command: ids.command,
        text,
        user_id: 'U0ALICE',
        channel_id: 'C0CHANNEL',
        response_url: responseUrl,
        trigger_id: `trigger-${Date.now()}`,
      }).toString();
    // Bodies that would all do something visible if a listener saw them.
    const body = fc.oneof(
      fc
        .constantFrom('help', `set ${validNumber}`, `delete ${validNumber}`, `show ${validNumber}`, 'list')
        .map(commandForm),
      fc.constant(
        interactivityBody({
          type: 'block_actions',
          ...base({ id: 'U0ALICE' }),
          response_url: responseUrl,
          channel: { id: 'C0CHANNEL' },
          actions: [{ type: 'button', action_id: ids.actions.delete, block_id: 'b', value: validNumber }],
        }),
      ),
      fc.constant(
        interactivityBody({
          type: 'view_submission',
          ...base({ id: 'U0ALICE' }),
          view: {
            id: 'V1',
            hash: 'h',
            callback_id: ids.cardModal,
            private_metadata: JSON.stringify({ number: validNumber, channel: 'C0CHANNEL', responseUrl }),
            state: { values: formValues(card) },
          },
        }),
      ),
    );
    const now = () => Math.floor(Date.now() / 1000);
    const tamper = fc.oneof(
      fc.constant({ kind: 'no headers' as const }),
      fc.constant({ kind: 'no signature' as const }),
      fc.constant({ kind: 'no timestamp' as const }),
      fc
        .string({ minLength: 1, maxLength: 40 })
        .filter((s) => s !== signingSecret)
        .map((secret) => ({ kind: 'other secret' as const, secret })),
      fc.string({ maxLength: 80 }).map((signature) => ({ kind: 'garbage signature' as const, signature })),
      fc.integer({ min: 301, max: 10_000_000 }).map((age) => ({ kind: 'stale' as const, age })),
      fc.integer({ min: 301, max: 10_000_000 }).map((ahead) => ({ kind: 'future' as const, ahead })),
      fc.string({ minLength: 1, maxLength: 30 }).map((extra) => ({ kind: 'different body' as const, extra })),
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((t) => !/^\s*\d+(\.\d*)?\s*$/.test(t))
        .map((timestamp) => ({ kind: 'bad timestamp' as const, timestamp })),
      fc.constant({ kind: 'ssl_check smuggling' as const }),
    );
    await fc.assert(
      fc.asyncProperty(body, tamper, async (raw, how) => {
        const seen = observe(app);
        let sent = raw;
        let headers: Record<string, string> = signedHeaders(signingSecret, raw);
        switch (how.kind) {
          case 'no headers':
            headers = { 'content-type': 'application/x-www-form-urlencoded' };
            break;
          case 'no signature':
            delete headers['x-slack-signature'];
            break;
          case 'no timestamp':
            delete headers['x-slack-request-timestamp'];
            break;
          case 'other secret':
            headers = signedHeaders(how.secret, raw);
            break;
          case 'garbage signature':
            headers['x-slack-signature'] = how.signature.replace(/[^\x20-\x7e]/g, '');
            break;
          case 'stale':
            headers = signedHeaders(signingSecret, raw, now() - how.age);
            break;
          case 'future':
            headers = signedHeaders(signingSecret, raw, now() + how.ahead);
            break;
          case 'different body':
            sent = `${raw}&x=${encodeURIComponent(how.extra)}`;
            break;
          case 'bad timestamp': {
            const timestamp = how.timestamp.replace(/[^\x20-\x7e]/g, '') || 'x';
            headers['x-slack-request-timestamp'] = timestamp;
            headers['x-slack-signature'] = slackSignature(signingSecret, timestamp as unknown as number, raw);
            break;
          }
          case 'ssl_check smuggling':
            sent = `ssl_check=1&${raw}`;
            headers = { 'content-type': 'application/x-www-form-urlencoded' };
            break;
        }
        const response = await app.postSigned(sent, headers);
        if (how.kind === 'ssl_check smuggling') {
          expect(response.status).toBe(200);
          expect(response.text).toBe('');
        } else {
          expect(response.status).toBe(401);
        }
        await app.settle();
        expect(seen.newSlackCalls()).toBe(0);
        expect(seen.newResponsePosts()).toBe(0);
        expect(seen.newSendblue()).toBe(0);
        expect(seen.newUnhandled()).toEqual([]);
        expect(response.text).not.toContain('contactcard');
      }),
      { numRuns: 250 },
    );
    expect(await healthy(app)).toBe(true);
  });
});

describe('pinned findings of the generators above', () => {
  const state = appPerBlock();
  const alice = { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' };
  const goodMetadata = () =>
    JSON.stringify({
      number: validNumber,
      channel: 'C0CHANNEL',
      responseUrl: (state.app as TestApp).slack.responseUrl('pinned'),
    });
  const cardSubmission = (view: Record<string, unknown>) => ({
    type: 'view_submission',
    ...base(alice),
    view: {
      id: 'V1',
      hash: 'h',
      type: 'modal',
      callback_id: ids.cardModal,
      private_metadata: goodMetadata(),
      state: { values: formValues(card) },
      ...view,
    },
  });
  const photoAction = (value: unknown, view: unknown) => ({
    type: 'block_actions',
    ...base(alice),
    view,
    actions: [
      {
        type: 'url_text_input',
        action_id: ids.inputs.photoUrl,
        block_id: ids.blocks.photoUrl,
        value,
        action_ts: '1',
      },
    ],
  });
  const modal = {
    id: 'V1',
    hash: 'h',
    type: 'modal',
    callback_id: ids.cardModal,
    blocks: [],
    private_metadata: '',
  };

  /** Sends each payload; resolves to what went wrong (5xx answers, bug logs, Sendblue calls). */
  async function problems(payloads: unknown[]) {
    const app = state.app as TestApp;
    const seen = observe(app);
    const answers = await Promise.all(payloads.map((payload) => app.postSigned(interactivityBody(payload))));
    await app.settle();
    return {
      statuses: answers.map((answer) => answer.status),
      bugLogs: seen.newBugLogs(),
      sendblue: seen.newSendblue(),
      healthy: await healthy(app),
    };
  }

  it('a card submission whose state or state.values is null is answered, not 500', async () => {
    const found = await problems([
      cardSubmission({ state: null }),
      cardSubmission({ state: undefined }),
      cardSubmission({ state: { values: null } }),
    ]);
    expect(found).toEqual({ statuses: [200, 200, 200], bugLogs: [], sendblue: 0, healthy: true });
  });

  it('a card submission whose private_metadata is null is answered, not 500', async () => {
    const found = await problems([cardSubmission({ private_metadata: null })]);
    expect(found).toEqual({ statuses: [200], bugLogs: [], sendblue: 0, healthy: true });
  });

  it('a photo link action whose value is not a string is ignored quietly', async () => {
    const found = await problems([photoAction(42, modal), photoAction({ url: card.photoUrl }, modal)]);
    expect(found).toEqual({ statuses: [200, 200], bugLogs: [], sendblue: 0, healthy: true });
  });

  it('a photo link action whose view is not a modal is ignored quietly', async () => {
    // A link the URL rules refuse, so the app tries to show the problem in the modal.
    const refused = 'http://example.com/plain-http.jpg';
    const found = await problems([photoAction(refused, {}), photoAction(refused, 7)]);
    expect(found).toEqual({ statuses: [200, 200], bugLogs: [], sendblue: 0, healthy: true });
  });

  it('a well-signed payload Bolt cannot route (no user, null channel, non-array actions, no view) gets a 4xx, not 500', async () => {
    const edit = [{ type: 'button', action_id: ids.actions.edit, block_id: 'b', value: 'x', action_ts: '1' }];
    const { user: _user, ...anonymous } = base(alice);
    const found = await problems([
      { type: 'block_actions', ...anonymous, actions: edit },
      { type: 'block_actions', ...base(null), actions: edit },
      { type: 'block_actions', ...base(alice), channel: null, actions: edit },
      { type: 'block_actions', ...base(alice), actions: 5 },
      { type: 'view_submission', ...base(alice) },
      {
        type: 'view_submission',
        ...anonymous,
        view: { id: 'V1', callback_id: ids.cardModal, state: { values: {} } },
      },
    ]);
    expect(found.statuses.filter((status) => status >= 500)).toEqual([]);
    expect(found.sendblue).toBe(0);
    expect(found.healthy).toBe(true);
  });
});
