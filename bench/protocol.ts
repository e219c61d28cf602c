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

/** Answers IPC asks with `handle`; a child exits when its parent goes away. */
export function serveAsks(handle: (ask: Ask) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  process.on('message', (message: Ask) => {
    void (async () => {
      try {
        const answer = await handle(message);
        process.send?.({ id: message.id, ...answer });
      } catch (error) {
        process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}
