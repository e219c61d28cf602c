/**
 * The measurements that run in a process of their own once the three targets have stopped: a bulk
 * job through the real app with a 1 s Sendblue (bench/bulk.ts), the initial sync (bench/sync.ts),
 * the photo pipeline (bench/photo-pipeline.ts) and each fleet size of the scale section
 * (bench/scale.ts). Each prints one line of JSON.
 */
import { spawnSync } from 'node:child_process';

export interface BulkResult {
  numbers: number;
  concurrency: number;
  posts: number;
  wallMs: number;
  limitMs: number;
  ratio: number;
}

export interface SyncResult {
  lines: number;
  latencyMs: number;
  concurrency: number;
  observed: number;
  wallMs: number;
  boundMs: number;
  ratio: number;
  ackDuring: { n: number; p50: number; p99: number; max: number };
  ackAfter: { n: number; p50: number; p99: number; max: number };
}

/** One fleet size of the scale section (bench/scale.ts); times in ms. */
export interface ScaleResult {
  numbers: number;
  startupMs: number;
  rssAfterStartMiB: number;
  homeOpenP50: number;
  homePageP50: number;
  homeSamples: number;
  importPreviewMs: number;
  importApplyMs: number;
  importPosts: number;
  exportMs: number;
  exportBytes: number;
  bulkMs: number;
  bulkPosts: number;
  /** numbers / concurrency × 20 ms: the least a bulk change or an import's Apply can take. */
  boundMs: number;
  driftMs: number;
  driftReads: number;
  peakRssMiB: number;
  /** Calls the fake Slack refused for breaking a Block Kit limit, by method. */
  refusals: Record<string, number>;
  /** views.publish calls the fake Slack answered `ratelimited`. */
  rateLimited: number;
}

export interface PhotoResult {
  photoBytes: number;
  appMs: number[];
  bareMs: number[];
  idleMiB: number;
  appPeakMiB: number;
  barePeakMiB: number;
}

function runJson<T>(what: string, script: string, env: Record<string, string>, cwd: string): T {
  const run = spawnSync(process.execPath, [script], { cwd, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${what} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as T;
}

export const runBulk = (
  script: string,
  env: Record<string, string>,
  cwd: string,
  job: { numbers: number; concurrency: number },
) =>
  runJson<BulkResult>(
    'bulk bench',
    script,
    { ...env, BENCH_BULK_NUMBERS: String(job.numbers), BENCH_BULK_CONCURRENCY: String(job.concurrency) },
    cwd,
  );

export const runSync = (
  script: string,
  env: Record<string, string>,
  cwd: string,
  sync: { lines: number; latencyMs: number; concurrency: number },
) =>
  runJson<SyncResult>(
    'sync bench',
    script,
    {
      ...env,
      BENCH_SYNC_LINES: String(sync.lines),
      BENCH_SYNC_LATENCY_MS: String(sync.latencyMs),
      BENCH_SYNC_CONCURRENCY: String(sync.concurrency),
    },
    cwd,
  );

export const runScale = (script: string, env: Record<string, string>, cwd: string, numbers: number) =>
  runJson<ScaleResult>('scale bench', script, { ...env, BENCH_SCALE_NUMBERS: String(numbers) }, cwd);

export const runPhoto = (script: string, env: Record<string, string>, cwd: string, rounds: number) =>
  runJson<PhotoResult>('photo pipeline bench', script, { ...env, BENCH_PHOTO_ROUNDS: String(rounds) }, cwd);
