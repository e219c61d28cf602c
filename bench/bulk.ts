/**
 * A bulk job of 100 numbers (BENCH_BULK_NUMBERS) against a fake Sendblue that takes 1 s per call,
 * through the real app: wall time against the limit the concurrency bound sets
 * (⌈numbers / CONTACTCARD_BULK_CONCURRENCY⌉ × 1 s), and the process's memory. A section of
 * `npm run bench` (compiled, in a process of its own); alone: `npx tsx bench/bulk.ts`. Prints one
 * line of JSON.
 */
import { ANY_NUMBER, faults } from '../test/fakes/fake-sendblue.js';
import { startTestApp } from '../test/helpers/test-app.js';

const count = Number(process.env.BENCH_BULK_NUMBERS ?? 100);
const concurrency = Number(process.env.BENCH_BULK_CONCURRENCY ?? 4);
const lines = Array.from({ length: count }, (_, i) => `+1415555${String(4000 + i).padStart(4, '0')}`);
const app = await startTestApp({
  env: {
    CONTACTCARD_ADMINS: 'U0ADMIN',
    CONTACTCARD_BULK_CONCURRENCY: String(concurrency),
    LOG_LEVEL: 'error',
  },
  lines,
  logAudit: false,
});
app.sendblue.inject(ANY_NUMBER, faults.latency(1_000));
const rssBefore = process.memoryUsage().rss;
const started = Date.now();
await app.services.bulk.start({
  actorId: 'U0ADMIN',
  audience: { userId: 'U0ADMIN', channelId: 'C0CHANNEL', responseUrl: undefined },
  numbers: lines,
  card: { firstName: 'Team', lastName: 'Acme', displayName: null, photoUrl: 'https://example.com/acme.jpg' },
});
const wallMs = Date.now() - started;
const limitMs = Math.ceil(count / concurrency) * 1_000;
const done = app.sendblue.requests.filter((request) => request.method === 'POST').length;
console.log(
  JSON.stringify({
    numbers: count,
    concurrency,
    posts: done,
    wallMs,
    limitMs,
    ratio: Number((wallMs / limitMs).toFixed(3)),
    rssBeforeMiB: Number((rssBefore / 1024 / 1024).toFixed(1)),
    rssAfterMiB: Number((process.memoryUsage().rss / 1024 / 1024).toFixed(1)),
  }),
);
await app.stop();
