/**
 * What a run measured (Results) and the markdown report made of it: the main table of ratios to
 * the same-job baseline, then the other tables, then the raw counts.
 */

import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import type { HomeMs } from './home-tab.js';
import type { Plan } from './plan.js';
import { homeNumbers } from './protocol.js';
import { goal, type Judged, latencyRows, type Row, ratioTable } from './report.js';
import {
  acks,
  each,
  label,
  type Name,
  names,
  perTarget,
  type Rounds,
  usableOrOpen,
  type Views,
} from './rounds.js';
import type { BulkResult, PhotoResult, ScaleResult, SyncResult } from './side-runs.js';
import { median, ms } from './stats.js';
import {
  apartTable,
  type Counts,
  callsTable,
  heapTable,
  scaleTable,
  throughputTable,
  unchangedTable,
} from './tables.js';

type PerTarget<T> = Record<Name, T>;

export interface Results {
  ack: ({ concurrency: number; rounds: Rounds } & Views)[];
  paced: Record<'instant' | 'slow', { rounds: Rounds } & Views>;
  submissions: Record<'instant' | 'slow', Rounds>;
  rss: Record<'start' | 'batches' | 'all' | 'end' | 'peak', PerTarget<number>>;
  commands: { atBatches: number; all: number; submitted: number };
  startups: PerTarget<number[]>;
  entryStartups: Record<string, PerTarget<number[]>>;
  heap: { mib: PerTarget<number[]>; cpuMs: PerTarget<number> };
  /** Fakes' counts before and after the ack rounds and heap batches, the commands between, and at the end. */
  calls: { before: Counts; after: Counts; commands: PerTarget<number>; atEnd: Counts };
  home: HomeMs;
  bulk: BulkResult;
  photo: PhotoResult;
  /** A number whose card was set outside contactcard, opened again and again. */
  outside: { ack: ({ concurrency: number; rounds: Rounds } & Views)[]; slow: { rounds: Rounds } & Views };
  sync: SyncResult;
  /** The scale section: one run per fleet size. */
  scale: ScaleResult[];
}

/** The scale section's heading, how it was measured, and its table (also printed alone: `npm run bench -- scale`). */
export function scaleSection(runs: readonly ScaleResult[]): { lines: string[]; missed: string[] } {
  const table = scaleTable(runs);
  return {
    lines: [
      `**At fleet scale** (bench/scale.ts): for each size, the real app runs in HTTP mode in a process`,
      'of its own (bench/scale-app.ts, compiled, started as src/index.ts starts it, under the node',
      'options of `npm start`), on a SQLite store',
      'seeded directly with a card applied and seen for each of the account’s lines; a second process',
      'holds the fake Slack and fake Sendblue and drives it with signed requests. Five admins each open',
      'the Home tab and click Next four times (the first of each warms up); then one drift round;',
      'then, with Slack’s limit of one views.publish a second per person enforced by the fake and the',
      'five tabs still open, an import of one row a number (preview, then Apply), an export and a bulk',
      'change of every number at 20 ms per Sendblue call, concurrency 4. Start-up is the app’s own',
      '(migrations, the lines listed, the app listening), its modules already loaded. Peak memory is',
      'the app process’s. The fake Slack stamps each call to the millisecond.',
      'Growth is each cost’s factor per ten times the numbers, between neighbouring sizes.',
      '',
      ...table.lines,
    ],
    missed: table.missed,
  };
}

const memoryRow = (key: string, metric: string, values: PerTarget<number>, max?: number): Row => ({
  key,
  metric,
  unit: 'MiB',
  values,
  ...(max === undefined ? {} : { goal: goal(max) }),
});

const startupRow = (key: string, metric: string, samples: PerTarget<number[]>, max?: number): Row => ({
  key,
  metric,
  unit: 'ms',
  values: perTarget((name) => median(samples[name])),
  perRound: samples.app.map((app, i) => app / (samples.samejob[i] ?? Number.NaN)),
  ...(max === undefined ? {} : { goal: goal(max) }),
});

/** The main table's rows, every one judged (if it has a goal) on app / same job. */
export function mainRows(results: Results, plan: Plan): Row[] {
  const pace = `one every ${plan.paced.pauseMs} ms`;
  const rows: Row[] = [];
  for (const level of results.ack) {
    rows.push(
      ...latencyRows(
        `ack c=${level.concurrency}`,
        (q, count) => `1. ack ${q}, concurrency ${level.concurrency} (${count})`,
        acks(level.rounds),
        ['p50', 'p95', 'p99'],
        { p50: goal(1.1), p99: goal(1.25, { overTwoRuns: true }) },
      ),
    );
  }
  rows.push(
    ...latencyRows(
      'ack paced',
      (q, count) => `1. ack ${q}, ${pace} (${count})`,
      acks(results.paced.instant.rounds),
      ['p50', 'p99'],
    ),
  );
  for (const level of results.ack) {
    rows.push(
      ...latencyRows(
        `usable c=${level.concurrency}`,
        (q, count) => `2. command → usable form ${q}, concurrency ${level.concurrency} (${count})`,
        usableOrOpen(level),
        ['p50', 'p99'],
        { p50: goal(1.1) },
        '†',
      ),
    );
  }
  for (const [mode, how] of [
    ['instant', 'Sendblue instant'],
    ['slow', 'Sendblue 5 s'],
  ] as const) {
    rows.push(
      ...latencyRows(
        `usable paced ${mode}`,
        (q, count) => `2. command → usable form ${q}, ${pace}, ${how} (${count})`,
        usableOrOpen(results.paced[mode]),
        ['p50', 'p99'],
        {},
        '†',
      ),
    );
  }
  for (const [mode, how] of [
    ['instant', 'Sendblue instant'],
    ['slow', 'Sendblue 10 s per POST'],
  ] as const) {
    rows.push(
      ...latencyRows(
        `submission ${mode}`,
        (q, count) => `3. view_submission ack ${q}, ${how} (${count})`,
        acks(results.submissions[mode]),
        ['p50', 'p99'],
        mode === 'slow' ? { p99: { max: 3_000, label: 'app < 3 s (Slack)', absolute: true } } : {},
      ),
    );
  }
  rows.push(...outsideRows(results.outside, pace));
  const { rss, commands } = results;
  const count = (value: number) => value.toLocaleString('en-US');
  rows.push(
    memoryRow('rss start', '4. resident memory after start', rss.start),
    memoryRow(
      'rss batches',
      `4. resident memory 2 s after the heap batches (${count(commands.atBatches)} commands each)`,
      rss.batches,
      1.25,
    ),
    memoryRow(
      'rss all',
      `4. resident memory after all ${count(commands.all)} commands (the last at concurrency 1)`,
      rss.all,
      1.25,
    ),
    memoryRow('rss peak', '4. peak resident memory during the run (VmHWM)', rss.peak),
    startupRow(
      'startup',
      `5. start-up to first 200 on /healthz (median of ${results.startups.app.length})`,
      results.startups,
    ),
  );
  for (const [entry, samples] of Object.entries(results.entryStartups)) {
    rows.push(
      startupRow(
        `startup ${entry}`,
        `5. start-up of \`${entry}\` (README run command) to first 200 on /healthz (median of ${samples.app.length})`,
        samples,
        1.5,
      ),
    );
  }
  return rows;
}

/** 2c: the number whose card was set outside contactcard (issue 18's goals). */
function outsideRows(outside: Results['outside'], pace: string): Row[] {
  const rows: Row[] = [];
  const what = 'card set outside contactcard';
  for (const level of outside.ack) {
    rows.push(
      ...latencyRows(
        `outside ack c=${level.concurrency}`,
        (q, count) => `2c. ${what}: ack ${q}, concurrency ${level.concurrency} (${count})`,
        acks(level.rounds),
        ['p50'],
        { p50: goal(1.1) },
      ),
      ...latencyRows(
        `outside usable c=${level.concurrency}`,
        (q, count) => `2c. ${what}: command → usable form ${q}, concurrency ${level.concurrency} (${count})`,
        usableOrOpen(level),
        ['p50', 'p99'],
        { p50: goal(1.1) },
        '†',
      ),
    );
  }
  rows.push(
    ...latencyRows(
      'outside usable paced slow',
      (q, count) => `2c. ${what}: command → usable form ${q}, ${pace}, Sendblue 5 s (${count})`,
      usableOrOpen(outside.slow),
      ['p50', 'p99'],
      { p50: goal(1.1) },
      '†',
    ),
  );
  const all = [...outside.ack.map((level) => level.rounds), outside.slow.rounds];
  const cpu = perTarget((name) => {
    const own = all.reduce((sum, rounds) => sum + rounds[name].cpu.own, 0);
    return own / all.reduce((sum, rounds) => sum + rounds[name].cpu.requests, 0);
  });
  rows.push({
    key: 'outside cpu per command',
    metric: `2c. ${what}: CPU of the target's process per command, all of 2c (ms)`,
    unit: 'ms',
    values: cpu,
    goal: goal(1.25),
  });
  return rows;
}

export function reportText(
  results: Results,
  context: { plan: Plan; scale: number; minutes: string; foreignShare: number; previous: Judged | undefined },
  rows: readonly Row[],
): string {
  const { plan, scale } = context;
  const main = ratioTable(rows, context.previous);
  const heap = heapTable(results.heap.mib, plan.heap.batches);
  const calls = callsTable({
    ...results.calls,
    ack: results.ack,
    paced: results.paced.instant.rounds,
    heapCpuMs: results.heap.cpuMs,
    plan,
  });
  const throughput = throughputTable(results.ack);
  const unchanged = unchangedTable([
    {
      what: `command → usable form (5 s), one every ${plan.paced.pauseMs} ms,`,
      instant: usableOrOpen(results.paced.instant),
      slow: usableOrOpen(results.paced.slow),
      max: 1.15,
    },
    {
      what: 'view_submission ack (10 s),',
      instant: acks(results.submissions.instant),
      slow: acks(results.submissions.slow),
      max: 1.15,
    },
  ]);
  const apart = apartTable(results.home, homeNumbers.length, results.bulk, results.photo, results.sync);
  const atScale = scaleSection(results.scale);
  const missed = [main, heap, unchanged, apart, atScale].flatMap((table) => table.missed);
  const allRuns = (name: Name) => [
    ...results.ack.flatMap((level) => level.rounds[name].runs),
    ...Object.values(results.paced).flatMap((phase) => phase.rounds[name].runs),
    ...Object.values(results.submissions).flatMap((rounds) => rounds[name].runs),
  ];
  const errors = each(perTarget((name) => String(allRuns(name).reduce((sum, run) => sum + run.errors, 0))));
  const mib = (values: PerTarget<number>) => each(perTarget((name) => `${values[name].toFixed(1)} MiB`));
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return [
    '# Benchmark: contactcard against the same job done by the least code, and against bare Bolt',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Node ${process.version}, Linux ${release()}`,
    `- Machine: ${cpuModel}, ${cpus().length} cores, shared by the load generator, the fakes and the three targets`,
    `- Other processes on the machine used ${(Math.max(0, context.foreignShare) * 100).toFixed(0)}% of its CPU time while the three targets were measured`,
    `- \`npm run bench\` took ${context.minutes} min${scale === 1 ? '' : ` (BENCH_SCALE=${scale}: request counts scaled)`}`,
    '',
    'Three targets, each in its own process (compiled JavaScript, under the node options of `npm start`',
    '(its heap bound), with `--expose-gc`), all on the same Bolt and HTTPReceiver: **app** is contactcard in HTTP mode, its',
    'store knowing the card of the command number (as after a set through the app), which the fake',
    'Sendblue reports too; **same job** (bench/samejob.ts) is the least code that does what the app does',
    'for that command: ack, views.open with the same filled-in card form (the very view the app',
    'opens, built once by the runner), one read of the number from Sendblue, nothing more; **bare Bolt** (bench/baseline.ts) acks and opens a static modal without',
    'inputs. The judged ratio is app / same job; app / bare Bolt is shown beside it. A third process',
    'holds the fake Slack and one fake Sendblue per target that calls it (test/fakes). Requests are',
    'signed like Slack signs them and sent over warm keep-alive connections (undici Pool, one',
    'connection per worker, closed loop); commands are `/contactcard set +1 415 555 1234`.',
    '',
    `Measurements are made in rounds whose order rotates (app, same job, bare Bolt, then each rotation`,
    `reversed: each target runs in every position ${plan.ackRounds / 3} times over the ${plan.ackRounds} rounds of ack and command → usable form at each concurrency, ${plan.rounds / 3} times over ${plan.rounds} rounds elsewhere; ${plan.pacedSlowRounds} rounds, each position`,
    'once, with Sendblue at 5 s). Each round ends once its target has finished its follow-up work',
    '(except with Sendblue at 10 s). The ratio is over all rounds pooled; the per-round column gives the',
    'median, smallest and largest app / same job ratio of single rounds. Command → usable form is the',
    'time from sending the command to the fake Slack receiving the first views.open or views.update',
    'whose inputs hold what they will keep (for the app with the card known: its views.open, when it',
    'opens filled in), on the machine-wide monotonic clock. † The bare Bolt app never shows a usable',
    'form: its column gives command → views.open. Percentiles are nearest-rank; resident memory (RSS)',
    'is read from /proc/<pid>/status. The goals are the issue’s; p99 is judged on the mean of this',
    'run’s ratio and the previous run’s at the same scale.',
    '',
    ...main.lines,
    '',
    `**Heap after a full collection** (two \`gc()\` calls), after each of ${plan.heap.batches} successive batches of`,
    `${plan.heap.commands.toLocaleString('en-US')} commands at concurrency ${plan.heap.concurrency} per target; no growth means at most max(2 MiB, 5 % of the first`,
    'batch’s figure):',
    '',
    ...heap.lines,
    '',
    '**Calls and CPU per command**: calls counted by the fakes per target (Slack by bot token, Sendblue',
    `by its own fake) over the ack rounds and the heap batches (${each(
      perTarget((name) => results.calls.commands[name].toLocaleString('en-US')),
    )} commands); CPU of the target's process from /proc/<pid>/stat per command sent, follow-up work`,
    'included:',
    '',
    ...calls.lines,
    '',
    ...throughput.lines,
    '',
    '**Unchanged by a slow Sendblue**: the app’s own figure with Sendblue answering after 5 s (command →',
    'usable form) or 10 s (view_submission ack) against answering at once; the baselines show how much',
    'the phases differ anyway.',
    '',
    ...unchanged.lines,
    '',
    '**Measured apart**, each against its own reference, once the three targets have stopped:',
    '',
    ...apart.lines,
    '',
    ...atScale.lines,
    '',
    missed.length === 0 ? 'Every goal was met.' : `Goals not met: ${missed.join('; ')}.`,
    '',
    `Failed requests (non-200 or transport errors): ${errors}. Resident memory at the very end, after`,
    `${results.commands.submitted} submissions each with the last ones' Sendblue calls still held: ${mib(results.rss.end)}.`,
    `Start-up samples (ms, in rotation order): ${each(perTarget((name) => results.startups[name].map(ms).join(', ')))}.`,
    `What the fakes received: ${names
      .map(
        (name) =>
          `${label[name]}: ${Object.entries(results.calls.atEnd[name] ?? {})
            .map(([key, count]) => `${key} ${count}`)
            .join(', ')}`,
      )
      .join('; ')}.`,
    '',
    'Reproduce: `npm ci && npm run bench` (writes this file). To profile the app under the same load:',
    '`BENCH_CPU_PROF=app npm run bench`, then',
    '`npx tsx bench/profile-summary.ts reports/bench-profiles/app-<time>.cpuprofile`; allocations:',
    '`PROBE_ALLOC=/tmp/app.heapprofile npx tsx bench/memory-probe.ts app` and the same summary script.',
    '',
  ].join('\n');
}
