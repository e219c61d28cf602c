/**
 * The initial sync of 1,000 lines (BENCH_SYNC_LINES) against a fake Sendblue that takes 50 ms per
 * read (BENCH_SYNC_LATENCY_MS), at the default CONTACTCARD_SYNC_CONCURRENCY, through the real app:
 * its wall time against lines / concurrency × latency, and the ack of `/contactcard set` sent while
 * it reads against the same command once it is done (no acknowledgement may wait on the sync). A
 * section of `npm run bench` (compiled, in a process of its own); alone: `npx tsx bench/sync.ts`.
 * Prints one line of JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ANY_NUMBER, faults } from '../test/fakes/fake-sendblue.js';
import { startTestApp } from '../test/helpers/test-app.js';
import { percentile } from './stats.js';

const count = Number(process.env.BENCH_SYNC_LINES ?? 1_000);
const latencyMs = Number(process.env.BENCH_SYNC_LATENCY_MS ?? 50);
// The default of CONTACTCARD_SYNC_CONCURRENCY (src/runtime/config.ts).
const concurrency = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 4);
// Last four digits from 1000: the simulator behind the fake answers numbers ending 0400, 0503… with that status.
const lines = Array.from({ length: count }, (_, i) => `+141555${String(61_000 + i)}`);
const app = await startTestApp({
  env: {
    CONTACTCARD_ADMINS: 'U0ADMIN',
    CONTACTCARD_SYNC_CONCURRENCY: String(concurrency),
    LOG_LEVEL: process.env.BENCH_LOG ?? 'error',
  },
  // Started with no lines known: the sync below starts when the list changes, as after an install.
  lines: [],
  logAudit: false,
});
for (const [i, number] of lines.entries()) {
  if (i % 2 === 0)
    app.sendblue.profiles.set(number, {
      firstName: `Agent${i}`,
      lastName: 'Acme',
      displayName: null,
      photoUrl: 'https://example.com/a.jpg',
    });
}
app.sendblue.inject(ANY_NUMBER, faults.latency(latencyMs));
app.sendblue.setLines(lines);

/** Sends `/contactcard set` for one line every `pauseMs` while `until()` holds: each ack's ms. */
async function acks(until: () => boolean, pauseMs: number, max: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; until() && i < max; i++) {
    const started = process.hrtime.bigint();
    const answer = await app.command(`set ${lines[i % lines.length]}`, { user: 'U0ADMIN' });
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (answer.status !== 200) throw new Error(`a command was answered ${answer.status}`);
    await sleep(pauseMs);
  }
  return latencies;
}

const started = Date.now();
await app.services.lines.refresh();
let syncing = true;
const done = app.services.sync.idle().then(() => {
  syncing = false;
});
const during = await acks(() => syncing, 20, 10_000);
await done;
const wallMs = Date.now() - started;
await app.settle();
const after = await acks(() => true, 20, Math.max(50, during.length));
const observed = (await app.services.store.observedCards()).length;
const boundMs = (count / concurrency) * latencyMs;
const p = (values: number[], q: number) => Number(percentile(values, q).toFixed(2));
console.log(
  JSON.stringify({
    lines: count,
    latencyMs,
    concurrency,
    observed,
    wallMs,
    boundMs,
    ratio: Number((wallMs / boundMs).toFixed(3)),
    ackDuring: { n: during.length, p50: p(during, 0.5), p99: p(during, 0.99), max: p(during, 1) },
    ackAfter: { n: after.length, p50: p(after, 0.5), p99: p(after, 0.99), max: p(after, 1) },
  }),
);
await app.stop();
