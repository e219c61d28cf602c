import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';

/**
 * What the benchmark's processes share: the signing secret, the numbers used, and the IPC messages
 * between the runner (bench/run.ts) and its children (fakes, app under test, baseline).
 */

export const signingSecret = 'bench-signing-secret-0123456789';

/** The number every command names; one of the fake Sendblue's lines. */
export const commandNumber = '+14155551234';
export const commandText = 'set +1 415 555 1234';
export const channelId = 'C0CHANNEL';

/**
 * Numbers for the view submissions, one per submission, so that no submission waits in the app's
 * per-number queue behind another one (each would add an "another change is running" message).
 */
export const submissionNumbers: readonly string[] = Array.from(
  { length: 400 },
  (_, i) => `+1415555${String(2000 + i)}`,
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

/** What the fakes child announces once both fakes listen. */
export interface FakesReady {
  type: 'ready';
  slackUrl: string;
  responseUrl: string;
  botToken: string;
  sendblue: { url: string; keyId: string; secret: string };
}

/**
 * Answers IPC asks: `handle` first, then the asks every child understands (memory, gc with
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
 * The environment a target needs against the fakes: the baseline only talks to Slack; the app also
 * gets Sendblue, an in-memory store and no photo check (the load never sends photo links).
 */
export function targetEnv(
  target: 'app' | 'baseline',
  ready: FakesReady,
  port: number,
  base: Record<string, string>,
): Record<string, string> {
  const slack = {
    ...base,
    SLACK_BOT_TOKEN: ready.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: ready.slackUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  if (target === 'baseline') return slack;
  return {
    ...slack,
    LOG_LEVEL: 'error',
    CONTACTCARD_DB: ':memory:',
    CONTACTCARD_PHOTO_CHECK: 'false',
    SENDBLUE_API_KEY_ID: ready.sendblue.keyId,
    SENDBLUE_API_SECRET_KEY: ready.sendblue.secret,
    SENDBLUE_BASE_URL: ready.sendblue.url,
  };
}
