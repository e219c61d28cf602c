/** How much the benchmark sends, in which rounds; BENCH_SCALE scales every request count. */

export const scale = Number(process.env.BENCH_SCALE ?? 1);
const n = (count: number) => Math.max(1, Math.round(count * scale));

// Six rounds put every one of the three targets in every position twice (bench/rounds.ts).
export const plan = {
  rounds: 6,
  // Rounds at concurrency 50 and 200 vary by up to ±40 % on this machine (two cores shared with the
  // fakes and the driver): six left the verdict on a 10 % goal to chance. Twelve cost about two
  // minutes more, and each target is in every position four times.
  ackRounds: 12,
  startups: 6,
  entryStartups: 6,
  globalWarm: n(1_000),
  ack: [
    { concurrency: 1, warm: n(25), measured: n(365) },
    { concurrency: 50, warm: n(100), measured: n(400) },
    { concurrency: 200, warm: n(250), measured: n(465) },
  ],
  paced: { concurrency: 1, warm: n(10), measured: n(65), cool: 0, pauseMs: 15 },
  // With Sendblue at 5 s every round waits for its reads: each target once in each position only.
  pacedSlowRounds: 3,
  heap: { batches: 3, commands: n(10_000), concurrency: 50 },
  submissionsWarm: n(400),
  submissions: { concurrency: 20, warm: n(5), measured: n(35), cool: 0 },
  // One Home tab opened at a time, with a pause for its publish to land before the next.
  home: { rounds: 6, perRound: 3, pauseMs: 200 },
  // The bound (numbers / concurrency × 1 s) is exact only for a multiple of the concurrency.
  bulk: { concurrency: 4, numbers: scale === 1 ? 100 : Math.max(8, 4 * Math.round((100 * scale) / 4)) },
  photoRounds: Math.max(2, Math.round(8 * scale)),
  // The default CONTACTCARD_SYNC_CONCURRENCY (4).
  sync: { lines: n(1_000), latencyMs: 50, concurrency: 4 },
  // Fleet sizes of the scale section, one process each; a scaled run stops at 1,000.
  scaleSizes: scale === 1 ? [100, 1_000, 10_000] : [100, 1_000],
};
export type Plan = typeof plan;
