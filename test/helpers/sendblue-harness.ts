import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { SendblueClient, type SendblueClientOptions } from '../../src/adapters/sendblue/client.js';
import { SendblueError } from '../../src/adapters/sendblue/errors.js';
import type { Log } from '../../src/runtime/logger.js';
import { type FakeSendblue, startFakeSendblue } from '../fakes/fake-sendblue.js';

/**
 * A fake Sendblue for the file plus clients against it whose log lines and sleeps are recorded,
 * not waited, so retry schedules are asserted exactly and the tests stay fast. Registers its own
 * hooks: call once at the top of a test file.
 */
export function sendblueHarness() {
  let fake: FakeSendblue | undefined;
  const clients: SendblueClient[] = [];
  const lines: { level: string; line: string }[] = [];
  const sleeps: number[] = [];
  const record =
    (level: string) =>
    (...msg: unknown[]) =>
      lines.push({ level, line: msg.join(' ') });
  const log: Log = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };

  beforeAll(async () => {
    fake = await startFakeSendblue();
  });
  afterAll(() => fake?.close());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    lines.length = 0;
    sleeps.length = 0;
    fake?.reset();
  });

  return {
    get fake(): FakeSendblue {
      if (fake === undefined) throw new Error('the fake Sendblue starts in beforeAll');
      return fake;
    },
    lines,
    sleeps,
    client(overrides: Partial<SendblueClientOptions> = {}): SendblueClient {
      const created = new SendblueClient({
        baseUrl: this.fake.url,
        apiKeyId: this.fake.keyId,
        apiSecretKey: this.fake.secret,
        log,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...overrides,
      });
      clients.push(created);
      return created;
    },
    async failure(promise: Promise<unknown>): Promise<SendblueError> {
      const error = await promise.then(
        () => expect.fail('expected the call to fail'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SendblueError);
      return error as SendblueError;
    },
  };
}
