import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import { sendblueEnv } from '../test/helpers/fake-env.js';

/**
 * What the benchmark's processes share: the signing secret, the targets and the numbers used, and
 * the IPC messages between the runner (bench/run.ts) and its children (fakes, app under test, the
 * same-job baseline, the bare Bolt baseline).
 */

export const signingSecret = 'bench-signing-secret-0123456789';

/** The real app, the least code that does the same job, and a bare Bolt app (ack + views.open). */
export const targetNames = ['app', 'samejob', 'baseline'] as const;
export type TargetName = (typeof targetNames)[number];
/** The targets that call Sendblue; each gets a fake Sendblue of its own, so its calls are counted apart. */
export const sendblueTargets = ['app', 'samejob'] as const;
export type SendblueTarget = (typeof sendblueTargets)[number];

/** Each target has its own bot token: the fake Slack tells their calls apart by it. */
export const botTokenOf = (name: TargetName) => `xoxb-bench-token-${name}`;

/** The number every command names; one of the fake Sendblue's lines. */
export const commandNumber = '+14155551234';
export const commandText = 'set +1 415 555 1234';
export const channelId = 'C0CHANNEL';

/**
 * A line whose card was set in Sendblue's dashboard, never through contactcard: every number is one
 * on the day the app is installed. The fake Sendblue shows it the same card as the command number.
 */
export const outsideNumber = '+14155551235';
export const outsideCommandText = 'set +1 415 555 1235';

/**
 * The card the app's store knows for the command's number (set through the app before) and the one
 * the fake Sendblue reports for it: the same, so that `set` opens the filled-in form at once and
 * needs no views.update. Sendblue never reports the photo URL; the store's fills it in.
 */
export const knownCard = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  displayName: 'Ada at Acme',
  photoUrl: 'https://example.com/ada.jpg',
};

/**
 * Numbers for the view submissions, one per submission, so that no submission waits in the app's
 * per-number queue behind another one (each would add an "another change is running" message).
 */
export const submissionNumbers: readonly string[] = Array.from(
  { length: 400 },
  (_, i) => `+1415555${String(2000 + i)}`,
);

/** The account's lines and the app's known cards for the Home tab measurement. */
export const homeNumbers: readonly string[] = Array.from(
  { length: 250 },
  (_, i) => `+1415555${String(3000 + i)}`,
);

/** A request from the runner to a child; the child answers with the same id. */
export interface Ask {
  id: number;
  type: string;
  [key: string]: unknown;
}

export interface Answer {
  id: number;
  [key: string]: unknown;
}

export interface SendblueAccess {
  url: string;
  keyId: string;
  secret: string;
}

/** What the fakes child announces once the fakes listen. */
export interface FakesReady {
  type: 'ready';
  slackUrl: string;
  /** Add the target's name: each target's response_url posts are counted apart. */
  responseUrlBase: string;
  sendblue: Record<SendblueTarget, SendblueAccess>;
}

export const responseUrlOf = (ready: FakesReady, name: TargetName) => `${ready.responseUrlBase}${name}`;

/**
 * Answers IPC asks: `handle` first, then the asks every child understands (memory, gc and heap with
 * --expose-gc, heap snapshot, allocation sampling, exit); a child exits when its parent goes away.
 */
export function serveAsks(
  handle: (ask: Ask) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined,
): void {
  let session: Session | undefined;
  const post = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      session?.post(method, params, (error, result) =>
        error ? reject(error) : resolve((result ?? {}) as Record<string, unknown>),
      );
    });
  const common = async (ask: Ask): Promise<Record<string, unknown>> => {
    switch (ask.type) {
      case 'memory':
        return { memory: process.memoryUsage() };
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        return { memory: process.memoryUsage() };
      case 'heap': {
        // Twice: the first full collection can leave garbage that only finalizers freed.
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc === undefined) throw new Error('heap needs --expose-gc');
        gc();
        gc();
        return { heapUsed: process.memoryUsage().heapUsed };
      }
      case 'heapSnapshot':
        return { file: writeHeapSnapshot(String(ask.file)) };
      case 'allocStart':
        // Every allocation sampled, collected or not: where the garbage comes from.
        session = new Session();
        session.connect();
        await post('HeapProfiler.startSampling', {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        return {};
      case 'allocStop': {
        const { profile } = await post('HeapProfiler.stopSampling');
        writeFileSync(String(ask.file), JSON.stringify(profile));
        session?.disconnect();
        return { file: ask.file };
      }
      case 'exit':
        // process.exit (not a signal) so that --cpu-prof writes its profile.
        setImmediate(() => process.exit(0));
        return {};
      default:
        throw new Error(`unknown ask ${ask.type}`);
    }
  };
  process.on('message', (message: Ask) => {
    void (async () => {
      try {
        const answer = (await handle(message)) ?? (await common(message));
        process.send?.({ id: message.id, ...answer });
      } catch (error) {
        process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * The environment a target needs against the fakes: the bare baseline only talks to Slack; the
 * same-job baseline also reads Sendblue; the app also gets an in-memory store with the command
 * number's card known (BENCH_KNOWN_CARD) and no photo check (the load never sends photo links).
 */
export function targetEnv(
  target: TargetName,
  ready: FakesReady,
  port: number,
  base: Record<string, string>,
): Record<string, string> {
  const slack = {
    ...base,
    SLACK_BOT_TOKEN: botTokenOf(target),
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: ready.slackUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  if (target === 'baseline') return slack;
  const sendblue = ready.sendblue[target];
  const withSendblue = { ...slack, ...sendblueEnv(sendblue) };
  if (target === 'samejob') return withSendblue;
  return {
    ...withSendblue,
    LOG_LEVEL: 'error',
    CONTACTCARD_DB: ':memory:',
    CONTACTCARD_PHOTO_CHECK: 'false',
    BENCH_KNOWN_CARD: '1',
  };
}
