import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  type MockInstance,
  onTestFinished,
  vi,
} from 'vitest';
import { openSqliteStore } from '../src/adapters/store/sqlite.js';
import { mapWithLimit } from '../src/runtime/concurrency.js';
import { ANY_NUMBER, faults, type RandomChoice, startFakeSendblue } from './fakes/fake-sendblue.js';
import { rateLimited, startFakeSlack } from './fakes/fake-slack.js';
import { fakeEnv } from './helpers/fake-env.js';
import { formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import {
  type ChildApp,
  commandBody,
  signingSecret,
  spawnEntryPoint,
  startTestApp,
  type TestApp,
  type TestAppOptions,
} from './helpers/test-app.js';

const number = sampleNumber;
const card = sampleCard;
const text = (value: unknown) => JSON.stringify(value ?? null);

/**
 * The app for one test, stopped when the test ends. Concurrent tests pass their own context's
 * `onTestFinished` (the global one cannot tell concurrent tests apart).
 */
async function start(options: TestAppOptions = {}, finished = onTestFinished): Promise<TestApp> {
  const started = await startTestApp(options);
  finished(() => started.stop());
  return started;
}

// Nothing the app does after an ack may escape as an unhandled rejection or an "unexpected" error log.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let consoleError: MockInstance<typeof console.error>;
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  consoleError = vi.spyOn(console, 'error');
});
afterAll(() => {
  consoleError.mockRestore();
  process.off('unhandledRejection', onUnhandled);
});
/** Checks, when called at the end of a test, that nothing went wrong unnoticed since watchErrors(). */
function watchErrors() {
  const since = { unhandled: unhandled.length, logged: consoleError.mock.calls.length };
  return () => {
    const logged = consoleError.mock.calls.slice(since.logged).map((args) => args.map(String).join(' '));
    expect(unhandled.slice(since.unhandled)).toEqual([]);
    expect(
      logged.filter((line) => /failed unexpectedly|Unhandled error|unhandled error/i.test(line)),
    ).toEqual([]);
  };
}

/** A small seeded PRNG (mulberry32), so a failing fault sequence can be replayed with FAULTS_SEED. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function metadata(target: string, responseUrl: string, channel = 'C0CHANNEL') {
  return JSON.stringify({ number: target, channel, responseUrl });
}

/** A submission of the card modal for `target` whose outcome goes to `/response/<responseId>`. */
function submission(
  running: TestApp,
  viewId: string,
  target: string,
  responseId: string,
  typed: Parameters<typeof formValues>[0] = card,
) {
  return viewSubmission(
    { id: viewId, private_metadata: metadata(target, running.slack.responseUrl(responseId)) },
    formValues(typed),
  );
}

const isSuccess = (body: Record<string, unknown>) =>
  body.response_type === 'in_channel' && text(body).includes('submitted');
const isFailure = (body: Record<string, unknown>) =>
  body.response_type === 'ephemeral' && text(body.text).includes('Could not set');

describe('Sendblue faults under load', () => {
  it('500 set operations across 20 numbers with ~20 % 503s, ~5 % hangs, ~5 % resets (and ~2 % 500s): one outcome each, one completed audit entry each, healthy throughout', async () => {
    const checkErrors = watchErrors();
    const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
    const running = await start({
      lines: null,
      env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' },
      // Hangs end after 300 ms instead of the production 60 s; retries stay fast (test-app defaults).
      client: { attemptTimeoutMs: 300, deadlineMs: { post: 3_000, other: 3_000 } },
    });
    const choices: RandomChoice[] = [
      { probability: 0.2, fault: faults.error(503, 'Device temporarily unavailable') },
      { probability: 0.05, fault: faults.hang() },
      { probability: 0.05, fault: faults.reset() },
      // Not retried: makes sure both kinds of outcome occur in every run.
      { probability: 0.02, fault: faults.error(500, 'Failed to apply contact card on device') },
    ];
    running.sendblue.inject(ANY_NUMBER, faults.random(choices, { random: seeded(seed) }));
    const numbers = Array.from({ length: 20 }, (_, i) => `+1415555${2000 + i}`);
    const operations = Array.from({ length: 500 }, (_, i) => ({
      i,
      number: numbers[i % numbers.length] as string,
      viewId: `VOP${i}`,
      responsePath: `/response/op${i}`,
      displayName: `Op ${i}`,
    }));

    const health: { status: number; ms: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = Date.now();
        const status = await fetch(`${running.url}/healthz`).then(
          (response) => response.status,
          () => 0,
        );
        health.push({ status, ms: Date.now() - started });
        await sleep(50);
      }
    })();

    const started = Date.now();
    const acks = await mapWithLimit(operations, 25, (op) =>
      running.interact(
        submission(running, op.viewId, op.number, `op${op.i}`, { ...card, displayName: op.displayName }),
      ),
    );
    expect(await running.services.operations.drain(40_000)).toBe(true);
    const elapsed = Date.now() - started;
    polling = false;
    await poller;

    const context = `seed ${seed} (replay with FAULTS_SEED=${seed}), ${elapsed} ms`;
    expect(
      acks.filter((ack) => ack.status !== 200 || !ack.text.includes('Applying')),
      context,
    ).toEqual([]);

    // Exactly one user-visible outcome per operation, on its own response_url.
    const postsByPath = new Map<string, Record<string, unknown>[]>();
    for (const post of running.slack.responsePosts) {
      postsByPath.set(post.path, [...(postsByPath.get(post.path) ?? []), post.body]);
    }
    const outcomes = operations.map((op) => {
      const posts = postsByPath.get(op.responsePath) ?? [];
      const successes = posts.filter(isSuccess).length;
      const failures = posts.filter(isFailure).length;
      return { op, successes, failures, outcome: successes === 1 ? 'ok' : failures === 1 ? 'failed' : '?' };
    });
    expect(
      outcomes.filter((o) => o.successes + o.failures !== 1).map((o) => ({ ...o, op: o.op.i })),
      context,
    ).toEqual([]);
    // Nothing went by another route: every response_url worked.
    expect(running.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel !== 'C0NOTIFY')).toEqual(
      [],
    );

    // The audit trail: one completed entry per operation, agreeing with what the person was told.
    const entries = new Map<string, { outcome: string; number: string }>();
    for (const target of numbers) {
      const history = await running.services.store.history(target, 1_000);
      expect(history, `${target}: ${context}`).toHaveLength(25);
      for (const entry of history) entries.set(entry.requestKey ?? '', entry);
    }
    const mismatched = outcomes.filter(
      (o) => entries.get(`${o.op.viewId}:hash-${o.op.viewId}`)?.outcome !== o.outcome,
    );
    expect(
      mismatched.map((o) => ({
        op: o.op.i,
        told: o.outcome,
        audit: entries.get(`${o.op.viewId}:hash-${o.op.viewId}`),
      })),
      context,
    ).toEqual([]);
    expect([...entries.values()].filter((e) => e.outcome !== 'ok' && e.outcome !== 'failed')).toEqual([]);

    const succeeded = outcomes.filter((o) => o.outcome === 'ok').length;
    expect(succeeded, context).toBeGreaterThan(400);
    expect(500 - succeeded, context).toBeGreaterThan(0);
    // One change notice per applied change, none for a failed one.
    expect(
      running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY'),
    ).toHaveLength(succeeded);
    // The card each number ends with is one that was reported as applied.
    for (const target of numbers) {
      const applied = outcomes
        .filter((o) => o.op.number === target && o.outcome === 'ok')
        .map((o) => o.op.displayName);
      expect(applied).toContain(running.sendblue.profiles.get(target)?.displayName);
    }

    // Every kind of fault really happened, in about the intended share of requests.
    const posts = running.sendblue.requests.filter((r) => r.method === 'POST').length;
    expect(
      choices.map((c) => c.drawn ?? 0).every((n) => n > 0),
      context,
    ).toBe(true);
    const faulted = choices.reduce((sum, c) => sum + (c.drawn ?? 0), 0) / posts;
    expect(faulted, context).toBeGreaterThan(0.2);
    expect(faulted, context).toBeLessThan(0.45);

    // Healthy throughout: every poll answered 200, promptly.
    expect(health.length).toBeGreaterThan(5);
    expect(health.filter((h) => h.status !== 200)).toEqual([]);
    expect(Math.max(...health.map((h) => h.ms))).toBeLessThan(2_000);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    checkErrors();
  }, 60_000);
});

describe('double submissions', () => {
  it('5 identical submissions in parallel and a Slack retry apply once; every duplicate is told, none recorded', async () => {
    const checkErrors = watchErrors();
    const running = await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    running.sendblue.hold(number);
    const payload = submission(running, 'VDUP', number, 'dup');
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const retried = {
      ...signedHeaders(signingSecret, body),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    };
    const acks = await Promise.all([
      ...Array.from({ length: 5 }, () => running.postSigned(body)),
      running.postSigned(body, retried),
    ]);
    expect(acks.map((ack) => ack.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await running.sendblue.waitForRequests(1);
    // While the first is held at Sendblue, the others have been turned away.
    await running.slack.waitFor(
      () =>
        running.slack.responsePosts.filter((p) => text(p.body).includes('already submitted')).length === 5,
    );
    running.sendblue.release(number);
    await running.settle();
    // A late retry, after the outcome is known.
    const late = await running.postSigned(body, {
      ...signedHeaders(signingSecret, body),
      'x-slack-retry-num': '2',
    });
    expect(late.status).toBe(200);
    await running.settle();

    const posts = running.slack.responsePosts.map((p) => p.body);
    expect(running.sendblue.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(posts.filter(isSuccess)).toHaveLength(1);
    expect(posts.filter(isFailure)).toHaveLength(0);
    const duplicates = posts.filter((p) => text(p).includes('already submitted'));
    expect(duplicates).toHaveLength(6);
    expect(duplicates.filter((p) => text(p).includes('still being applied'))).toHaveLength(5);
    expect(duplicates.filter((p) => text(p).includes('already ended (ok)'))).toHaveLength(1);
    const history = await running.services.store.history(number, 100);
    expect(history.map((entry) => entry.outcome)).toEqual(['ok']);
    expect(
      running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY'),
    ).toHaveLength(1);
    checkErrors();
  });
});

describe('changes queued behind another while Slack is slow', () => {
  /**
   * A is held at Sendblue; B is submitted, then C. B's "runs right after it" notice is answered slowly
   * by Slack (until 200 ms after C's), C's at once. Returns the history, newest first, and the order Sendblue saw.
   */
  async function queueBehindSlowNotice() {
    const running = await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    // B's notice is answered only 200 ms after C's has been: by then C has long taken its place in line.
    let answerB = () => {};
    const gate = new Promise<void>((resolve) => {
      answerB = resolve;
    });
    running.slack.onResponseUrl(async (post) => {
      if (post.path === '/response/B') await gate;
      if (post.path === '/response/C') setTimeout(answerB, 200);
      return { status: 200, body: 'ok' };
    });
    const submit = (name: string) =>
      running.interact(submission(running, `V${name}`, number, name, { ...card, displayName: name }));
    running.sendblue.hold(number);
    await submit('A');
    await running.sendblue.waitForRequests(1);
    await submit('B');
    await running.slack.waitFor(() => running.slack.responsePosts.find((p) => p.path === '/response/B'));
    await submit('C');
    await running.slack.waitFor(() => running.slack.responsePosts.find((p) => p.path === '/response/C'));
    await gate;
    running.sendblue.release(number);
    await running.settle();
    const history = await running.services.store.history(number);
    expect(history.map((entry) => [entry.after?.displayName, entry.outcome])).toEqual([
      ['C', 'ok'],
      ['B', 'ok'],
      ['A', 'ok'],
    ]);
    return {
      running,
      history,
      sent: running.sendblue.requests.map((r) => (r.body as { displayName?: string }).displayName),
    };
  }

  it('applies changes in the order they were submitted: the newest audit entry is the card Sendblue has', async () => {
    const { running, history, sent } = await queueBehindSlowNotice();
    expect(sent).toEqual(['A', 'B', 'C']);
    expect(running.sendblue.profiles.get(number)?.displayName).toBe(history[0]?.after?.displayName);
  });

  it('records, for a queued change, the card it actually replaced', async () => {
    const { history, sent } = await queueBehindSlowNotice();
    const byName = new Map(history.map((entry) => [entry.after?.displayName, entry]));
    // Whatever the order Sendblue applied them in, each replaced the card applied just before it.
    const applied = sent.map((name) => byName.get(name));
    expect(applied).toHaveLength(3);
    expect(applied[0]?.before).toBeNull();
    expect(applied[1]?.before?.displayName).toBe(applied[0]?.after?.displayName);
    expect(applied[2]?.before?.displayName).toBe(applied[1]?.after?.displayName);
  });
});

// Mostly waiting on Retry-After: run side by side.
describe.concurrent('Slack-side faults: the outcome still reaches the person', () => {
  it('response_url expired (404) and chat.postMessage rate-limited once: the announcement arrives after Retry-After', async ({
    onTestFinished,
  }) => {
    const checkErrors = watchErrors();
    const running = await start({}, onTestFinished);
    running.slack.onResponseUrl(() => ({ status: 404, body: 'expired_url' }));
    let limited = 0;
    running.slack.on('chat.postMessage', (call) =>
      limited++ === 0 ? rateLimited(1) : { ok: true, channel: call.args.channel, ts: '1700000000.000100' },
    );
    await running.interact(submission(running, 'V1', number, 'rl'));
    await running.settle();
    const posted = running.slack.callsTo('chat.postMessage');
    expect(posted.map((c) => c.args.channel)).toEqual(['C0CHANNEL', 'C0CHANNEL']);
    expect(text(posted[1]?.args.blocks)).toContain('Jane at Acme');
    // Retry-After: 1 was honoured.
    expect((posted[1]?.at ?? 0) - (posted[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // It was announced, so nobody was told privately that it could not be.
    expect(running.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect((await running.services.store.history(number)).map((e) => e.outcome)).toEqual(['ok']);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    checkErrors();
  });

  it.for([
    ['success', undefined, isSuccess],
    ['failure', faults.error(403, 'Your account does not own this phone number'), isFailure],
  ] as const)(
    'views.update not_found (the modal was closed): the %s still arrives through response_url',
    async ([, fault, expected], { onTestFinished }) => {
      const checkErrors = watchErrors();
      const running = await start({}, onTestFinished);
      running.slack.on('views.update', () => ({ ok: false, error: 'not_found' }));
      if (fault) running.sendblue.inject(number, fault);
      const ack = await running.interact(submission(running, 'V1', number, 'closed'));
      expect(ack.status).toBe(200);
      await running.settle();
      expect(running.slack.callsTo('views.update').length).toBeGreaterThan(0);
      const posts = running.slack.responsePosts
        .filter((p) => p.path === '/response/closed')
        .map((p) => p.body);
      expect(posts.filter(expected)).toHaveLength(1);
      expect(posts.filter(isSuccess).length + posts.filter(isFailure).length).toBe(1);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      checkErrors();
    },
  );

  it('a failure with the response_url expired arrives as an ephemeral message; without that, as a DM', async ({
    onTestFinished,
  }) => {
    const checkErrors = watchErrors();
    const running = await start({}, onTestFinished);
    running.slack.onResponseUrl(() => ({ status: 404, body: 'expired_url' }));
    running.sendblue.inject(number, faults.error(403, 'Your account does not own this phone number'));
    await running.interact(submission(running, 'V1', number, 'gone1'));
    await running.settle();
    const ephemeral = running.slack.callsTo('chat.postEphemeral');
    expect(ephemeral).toHaveLength(1);
    expect(ephemeral[0]?.args).toMatchObject({ channel: 'C0CHANNEL', user: 'U0ALICE' });
    expect(text(ephemeral[0]?.args.text)).toContain('Could not set');

    // The bot is not in the channel either: the person gets a direct message.
    running.slack.on('chat.postEphemeral', () => ({ ok: false, error: 'channel_not_found' }));
    await running.interact(submission(running, 'V2', number, 'gone2'));
    await running.settle();
    const direct = running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U0ALICE');
    expect(direct).toHaveLength(1);
    expect(text(direct[0]?.args.text)).toContain('Could not set');
    expect((await running.services.store.history(number)).map((e) => e.outcome)).toEqual([
      'failed',
      'failed',
    ]);
    checkErrors();
  });

  it('the notify channel rate-limited once: the notice is posted after Retry-After, the change announced once', async ({
    onTestFinished,
  }) => {
    const checkErrors = watchErrors();
    const running = await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } }, onTestFinished);
    let limited = 0;
    running.slack.on('chat.postMessage', (call) =>
      call.args.channel === 'C0NOTIFY' && limited++ === 0
        ? rateLimited(1)
        : { ok: true, channel: call.args.channel, ts: '1700000000.000200' },
    );
    await running.interact(submission(running, 'V1', number, 'notify'));
    await running.settle();
    const notices = running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY');
    expect(notices).toHaveLength(2);
    expect((notices[1]?.at ?? 0) - (notices[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(text(notices[1]?.args.blocks)).toContain('updated the contact card of');
    const posts = running.slack.responsePosts.map((p) => p.body);
    expect(posts.filter(isSuccess)).toHaveLength(1);
    // The notice got through in the end: no "invite the bot" advice.
    expect(posts.filter((p) => text(p).includes('/invite'))).toEqual([]);
    checkErrors();
  });

  it('the notify channel refusing and the response_url expired: the person still hears of both', async ({
    onTestFinished,
  }) => {
    const checkErrors = watchErrors();
    const running = await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } }, onTestFinished);
    running.slack.onResponseUrl(() => ({ status: 404, body: 'expired_url' }));
    running.slack.on('chat.postMessage', (call) =>
      call.args.channel === 'C0NOTIFY'
        ? { ok: false, error: 'not_in_channel' }
        : { ok: true, channel: call.args.channel, ts: '1700000000.000300' },
    );
    await running.interact(submission(running, 'V1', number, 'both'));
    await running.settle();
    const announced = running.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0CHANNEL');
    expect(announced).toHaveLength(1);
    expect(text(announced[0]?.args.blocks)).toContain('submitted');
    const advice = running.slack.callsTo('chat.postEphemeral');
    expect(advice).toHaveLength(1);
    expect(text(advice[0]?.args)).toContain('/invite');
    checkErrors();
  });
});

describe('the process killed with SIGKILL under load', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('restarts on the same database: it opens cleanly, pending entries become unknown, the app serves again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contactcard-sigkill-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const databasePath = join(dir, 'contactcard.db');
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const sendblue = await startFakeSendblue();
    cleanups.push(() => sendblue.close());
    const numbers = Array.from({ length: 10 }, (_, i) => `+1415555${3000 + i}`);
    sendblue.setLines(numbers);
    const env = {
      ...fakeEnv(slack, sendblue, signingSecret),
      CONTACTCARD_DB: databasePath,
      CONTACTCARD_PHOTO_CHECK: 'false',
      CONTACTCARD_LIVE_CHECK: 'false',
      LOG_LEVEL: 'warn',
    };
    const track = (child: ChildApp) => {
      cleanups.push(() => child.kill());
      return child;
    };
    const interact = (child: ChildApp, payload: Record<string, unknown>) =>
      child.postSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    const submit = (child: ChildApp, i: number, target: string) =>
      interact(
        child,
        viewSubmission(
          { id: `VK${i}`, private_metadata: metadata(target, slack.responseUrl(`k${i}`)) },
          formValues({ ...card, displayName: `Kill ${i}` }),
        ),
      );

    const first = track(await spawnEntryPoint(env));
    await first.waitForHealth();
    sendblue.hold();
    // One change per number reaches Sendblue and is held there; a second per number waits in the queue.
    const firstWave = await Promise.all(numbers.map((target, i) => submit(first, i, target)));
    expect(firstWave.map((ack) => ack.status)).toEqual(numbers.map(() => 200));
    await slack.waitFor(() => sendblue.held() === numbers.length, 10_000);
    const secondWave = await Promise.all(numbers.map((target, i) => submit(first, i + 10, target)));
    expect(secondWave.map((ack) => ack.status)).toEqual(numbers.map(() => 200));
    await slack.waitFor(
      () => slack.responsePosts.filter((p) => text(p.body).includes('runs right after it')).length === 10,
      10_000,
    );

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    sendblue.release();
    slack.reset();

    const second = track(await spawnEntryPoint(env));
    await second.waitForHealth();
    expect(second.output()).toContain('20 change(s) were in flight');
    const history = await second.postSigned(
      commandBody(`history ${numbers[0]}`, slack.responseUrl('history')),
    );
    expect(history.status).toBe(200);
    expect(history.text.match(/outcome unknown/g)).toHaveLength(2);
    // And it applies a new change end to end.
    const again = await submit(second, 99, numbers[0] as string);
    expect(again.status).toBe(200);
    await slack.waitFor(() =>
      slack.responsePosts.find((p) => p.path === '/response/k99' && isSuccess(p.body)),
    );
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    const raw = new Database(databasePath, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const store = openSqliteStore(databasePath);
    try {
      expect(await store.markOrphansUnknown()).toBe(0);
      const outcomes = (await Promise.all(numbers.map((target) => store.history(target, 100)))).flat();
      expect(outcomes).toHaveLength(21);
      expect(outcomes.filter((e) => e.outcome === 'unknown')).toHaveLength(20);
      expect(outcomes.filter((e) => e.outcome === 'pending')).toEqual([]);
      expect(outcomes.filter((e) => e.outcome === 'ok').map((e) => e.requestKey)).toEqual(['VK99:hash-VK99']);
    } finally {
      await store.close();
    }
  }, 40_000);
});
