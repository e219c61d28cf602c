/**
 * The report's tables besides the main one: heap over the batches, calls and CPU per command,
 * throughput, "unchanged by a slow Sendblue", and the measurements made apart (Home tab, bulk job,
 * photo). Each returns its markdown lines and the goals it found missed.
 */
import type { HomeMs } from './home-tab.js';
import type { Plan } from './plan.js';
import { met } from './report.js';
import { cpuPerRequest, label, type Name, names, type Rounds } from './rounds.js';
import type { BulkResult, PhotoResult, ScaleResult, SyncResult } from './side-runs.js';
import { median, ms, quantiles, ratio, spread } from './stats.js';

export type Counts = Record<string, Record<string, number>>;
type Table = { lines: string[]; missed: string[] };

/** The heap after a full collection; "no growth" is at most max(2 MiB, 5 % of the first batch). */
export function heapTable(heapMiB: Record<Name, number[]>, batches: number): Table {
  const missed: string[] = [];
  const rows = names.map((name) => {
    const [first = Number.NaN] = heapMiB[name];
    const last = heapMiB[name].at(-1) ?? Number.NaN;
    const allowed = Math.max(2, first * 0.05);
    const verdict = name === 'app' ? met(last - first, allowed) : '';
    if (verdict === '**no**') missed.push('no growth of the app’s heap over the batches');
    const values = heapMiB[name].map((v) => v.toFixed(2)).join(' | ');
    const limit = name === 'app' ? `≤ ${allowed.toFixed(2)}` : '';
    return `| ${label[name]} | ${values} | ${(last - first).toFixed(2)} | ${limit} | ${verdict} |`;
  });
  const columns = Array.from({ length: batches }, (_, i) => `after batch ${i + 1}`).join(' | ');
  return {
    lines: [
      `| heap after 2 full GCs (MiB) | ${columns} | growth (last − first) | goal | met? |`,
      `| --- | ${'---: | '.repeat(batches)}---: | ---: | :---: |`,
      ...rows,
    ],
    missed,
  };
}

/** Calls the fakes counted for a target between two snapshots, per command: "total (method rate, …)". */
function perCommand(before: Counts, after: Counts, commands: number, name: Name, service: string): string {
  const was = before[name] ?? {};
  const calls = Object.entries(after[name] ?? {})
    .filter(([key]) => key.startsWith(`${service} `))
    .map(([key, count]) => [key.slice(service.length + 1), (count - (was[key] ?? 0)) / commands] as const)
    .filter(([, rate]) => rate > 0);
  const total = calls.reduce((sum, [, rate]) => sum + rate, 0);
  const detail = calls.map(([key, rate]) => `${key} ${rate.toFixed(2)}`).join(', ');
  return `${total.toFixed(2)}${detail ? ` (${detail})` : ''}`;
}

export function callsTable(data: {
  before: Counts;
  after: Counts;
  commands: Record<Name, number>;
  ack: { concurrency: number; rounds: Rounds }[];
  paced: Rounds;
  heapCpuMs: Record<Name, number>;
  plan: Plan;
}): Table {
  const { plan } = data;
  const levels = data.ack.map((level) => `c=${level.concurrency}`).join(' | ');
  const at50 = data.ack.find((level) => level.concurrency === 50);
  const heapCommands = plan.heap.batches * plan.heap.commands;
  return {
    lines: [
      `| target | Slack calls per command | Sendblue calls per command | CPU ms per command: ${levels} | one every ${plan.paced.pauseMs} ms | heap batches (c=${plan.heap.concurrency}) | fakes' CPU ms per command, c=50 |`,
      `| --- | --- | --- | ${'---: | '.repeat(data.ack.length)}---: | ---: | ---: |`,
      ...names.map((name) => {
        const calls = (service: string) =>
          perCommand(data.before, data.after, data.commands[name], name, service);
        const cpu = data.ack.map((level) => cpuPerRequest(level.rounds, name).toFixed(2)).join(' | ');
        const fakes = at50 ? cpuPerRequest(at50.rounds, name, 'fakes').toFixed(2) : 'n/a';
        return `| ${label[name]} | ${calls('slack')} | ${calls('sendblue')} | ${cpu} | ${cpuPerRequest(
          data.paced,
          name,
        ).toFixed(2)} | ${(data.heapCpuMs[name] / heapCommands).toFixed(2)} | ${fakes} |`;
      }),
    ],
    missed: [],
  };
}

export function throughputTable(ack: { concurrency: number; rounds: Rounds }[]): Table {
  const rate = (rounds: Rounds, name: Name) => {
    const runs = rounds[name].runs;
    const total = runs.reduce((sum, run) => sum + run.latencies.length, 0);
    const wall = runs.reduce((sum, run) => sum + run.wallMs, 0);
    return ((total / wall) * 1000).toFixed(0);
  };
  return {
    lines: [
      '| concurrency | app commands/s | same job | bare Bolt |',
      '| ---: | ---: | ---: | ---: |',
      ...ack.map(
        ({ concurrency, rounds }) =>
          `| ${concurrency} | ${names.map((name) => rate(rounds, name)).join(' | ')} |`,
      ),
    ],
    missed: [],
  };
}

type Samples = Record<Name, number[][]>;

/** The app's own figure with a slow Sendblue against an instant one; the baselines beside it. */
export function unchangedTable(
  checks: { what: string; instant: Samples; slow: Samples; max: number }[],
): Table {
  const missed: string[] = [];
  const lines = checks.flatMap(({ what, instant, slow, max }) =>
    (['p50', 'p99'] as const).map((q) => {
      const at = (samples: Samples, name: Name) => quantiles(samples[name].flat())[q];
      const change = at(slow, 'app') / at(instant, 'app');
      const limit = q === 'p50' ? max : undefined;
      const verdict = met(change, limit);
      if (verdict === '**no**') missed.push(`${what} ${q} unchanged by a slow Sendblue`);
      const beside = (name: Name) =>
        `${ms(at(instant, name))} → ${ms(at(slow, name))} (${ratio(at(slow, name) / at(instant, name))})`;
      return `| ${what} ${q} | ${ms(at(instant, 'app'))} | ${ms(at(slow, 'app'))} | ${ratio(change)} | ${
        limit === undefined ? '' : `≤ ${limit.toFixed(2)}`
      } | ${verdict} | ${beside('samejob')} | ${beside('baseline')} |`;
    }),
  );
  return {
    lines: [
      '| (ms) | app, Sendblue instant | app, Sendblue slow | app slow / instant | goal | met? | same job (ratio) | bare Bolt (ratio) |',
      '| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: |',
      ...lines,
    ],
    missed,
  };
}

/** The Home tab, the bulk job and the photo pipeline, each against its own reference. */
export function apartTable(
  home: HomeMs,
  homeNumbers: number,
  bulk: BulkResult,
  photo: PhotoResult,
  sync: SyncResult,
): Table {
  const missed: string[] = [];
  const verdict = (value: number, max: number, what: string) => {
    const result = met(value, max);
    if (result === '**no**') missed.push(what);
    return result;
  };
  const pairRatios = (app: number[][], reference: number[][]) =>
    app.map((samples, i) => median(samples) / median(reference[i] ?? []));
  const perRound = (ratios: number[]) => `${ratio(median(ratios))} (${spread(ratios)})`;
  const homeOf = (samples: number[][]) => {
    const medians = samples.map(median);
    return `${ms(median(samples.flat()))} ms (rounds ${ms(Math.min(...medians))}–${ms(Math.max(...medians))})`;
  };
  const homeRatio = median(home.app.flat()) / median(home.baseline.flat());
  const photoRatio = median(photo.appMs) / median(photo.bareMs);
  const photoRounds = photo.appMs.map((a, i) => a / (photo.bareMs[i] ?? Number.NaN));
  return {
    lines: [
      '| measurement | contactcard | reference | ratio | per round: median (min–max) | goal | met? |',
      '| --- | ---: | ---: | ---: | ---: | ---: | :---: |',
      `| 6. Home tab: app_home_opened → views.publish, ${homeNumbers} numbers (a page of 25); reference: bare Bolt publishing a static 100-block view (median of ${home.app.flat().length}) | ${homeOf(home.app)} | ${homeOf(home.baseline)} | ${ratio(homeRatio)} | ${perRound(pairRatios(home.app, home.baseline))} |  |  |`,
      `| 7. bulk job: ${bulk.numbers} numbers, Sendblue 1 s per call, concurrency ${bulk.concurrency}; reference: the bound ${bulk.numbers} / ${bulk.concurrency} × 1 s | ${ms(bulk.wallMs)} ms | ${ms(bulk.limitMs)} ms | ${ratio(bulk.ratio)} |  | ≤ 1.15 | ${verdict(bulk.ratio, 1.15, 'bulk job within 1.15× of its bound')} |`,
      `| 8. photo: one 12-megapixel JPEG (${(photo.photoBytes / 1024 / 1024).toFixed(1)} MB) to a square JPEG; reference: a bare sharp resize (median of ${photo.appMs.length}) | ${ms(median(photo.appMs))} ms | ${ms(median(photo.bareMs))} ms | ${ratio(photoRatio)} | ${perRound(photoRounds)} | ≤ 1.20 | ${verdict(photoRatio, 1.2, 'photo processing within 1.20× of a bare resize')} |`,
      `| 8. photo: peak resident memory while 4 are processed at once | ${photo.appPeakMiB.toFixed(1)} MiB | ${photo.barePeakMiB.toFixed(1)} MiB | ${ratio(photo.appPeakMiB / photo.barePeakMiB)} |  |  |  |`,
      `| 9. initial sync: ${sync.lines} lines (${sync.observed} read), Sendblue ${sync.latencyMs} ms per read, concurrency ${sync.concurrency}; reference: the bound ${sync.lines} / ${sync.concurrency} × ${sync.latencyMs} ms | ${ms(sync.wallMs)} ms | ${ms(sync.boundMs)} ms | ${ratio(sync.ratio)} |  |  |  |`,
      `| 9. ack of \`/contactcard set\` while the sync reads (n=${sync.ackDuring.n}, p50 / p99 / max); reference: the same once it is done (n=${sync.ackAfter.n}) | ${ms(sync.ackDuring.p50)} / ${ms(sync.ackDuring.p99)} / ${ms(sync.ackDuring.max)} ms | ${ms(sync.ackAfter.p50)} / ${ms(sync.ackAfter.p99)} / ${ms(sync.ackAfter.max)} ms | ${ratio(sync.ackDuring.p50 / sync.ackAfter.p50)} |  |  |  |`,
    ],
    missed,
  };
}

/**
 * The scale section: each cost at every fleet size, how much it grew per ten times the numbers
 * (between neighbouring sizes, normalised to a factor of 10), and the issue's goals: at most
 * linear growth (≤ 12× per 10×), Home open and page sublinear (< 10×), Home open ≤ 150 ms at
 * 10,000, bulk ≤ 1.15× its bound at every size, peak memory at the largest size ≤ 1.5× the
 * smallest's, and no call refused or rate-limited by Slack at any size.
 */
export function scaleTable(runs: readonly ScaleResult[]): Table {
  const missed: string[] = [];
  const sizes = [...runs].sort((a, b) => a.numbers - b.numbers);
  const first = sizes[0];
  const last = sizes.at(-1);
  const growth = (pick: (run: ScaleResult) => number) =>
    sizes.slice(1).map((run, i) => {
      const before = sizes[i] as ScaleResult;
      return (pick(run) / pick(before)) ** (1 / Math.log10(run.numbers / before.numbers));
    });
  const judge = (what: string, ok: boolean) => {
    if (!ok) missed.push(`scale: ${what}`);
    return ok ? 'yes' : '**no**';
  };
  const row = (
    what: string,
    pick: (run: ScaleResult) => number,
    goal: { label: string; ok: (growths: number[]) => boolean },
    shown: (run: ScaleResult) => string = (run) => `${ms(pick(run))} ms`,
  ) => {
    const growths = growth(pick);
    return `| ${what} | ${sizes.map(shown).join(' | ')} | ${growths.map((g) => `${ratio(g)}×`).join(' / ')} | ${goal.label} | ${judge(what, goal.ok(growths))} |`;
  };
  const linear = { label: '≤ 12× per 10×', ok: (growths: number[]) => growths.every((g) => g <= 12) };
  const sublinear = { label: '< 10× per 10×', ok: (growths: number[]) => growths.every((g) => g < 10) };
  const bounded = (wall: (run: ScaleResult) => number) => (run: ScaleResult) =>
    `${ms(wall(run))} ms (${ratio(wall(run) / run.boundMs)}× the bound)`;
  const largest = last?.numbers ?? 0;
  const homeAtLargest = last?.homeOpenP50 ?? Number.NaN;
  const slackTrouble = (run: ScaleResult) =>
    Object.values(run.refusals).reduce((sum, n) => sum + n, 0) + run.rateLimited;
  const peakRatio = (last?.peakRssMiB ?? Number.NaN) / (first?.peakRssMiB ?? Number.NaN);
  return {
    lines: [
      `| cost (median where sampled) | ${sizes.map((run) => `${run.numbers.toLocaleString('en-US')} numbers`).join(' | ')} | growth per 10× numbers | goal | met? |`,
      `| --- | ${sizes.map(() => '---: | ').join('')}---: | ---: | :---: |`,
      row('start-up: the app with the seeded store, to listening', (run) => run.startupMs, linear),
      row(
        `Home tab open: app_home_opened → views.publish, p50 (n=${first?.homeSamples ?? 0})`,
        (run) => run.homeOpenP50,
        {
          label: `< 10× per 10×; ≤ 150 ms at ${largest.toLocaleString('en-US')}`,
          ok: (growths) => sublinear.ok(growths) && (largest < 10_000 || homeAtLargest <= 150),
        },
      ),
      row(
        `Home tab next page → views.publish, p50 (n=${first?.homeSamples ?? 0})`,
        (run) => run.homePageP50,
        sublinear,
      ),
      row('drift round: every number read, Sendblue instant', (run) => run.driftMs, linear),
      row('import: file submitted → preview shown', (run) => run.importPreviewMs, linear),
      row(
        'import: Apply → final message, Sendblue 20 ms per call; bound numbers / 4 × 20 ms',
        (run) => run.importApplyMs,
        linear,
        bounded((run) => run.importApplyMs),
      ),
      row('export: command → file uploaded', (run) => run.exportMs, linear),
      row(
        'bulk change of every number, Sendblue 20 ms per call; bound numbers / 4 × 20 ms',
        (run) => run.bulkMs,
        linear,
        bounded((run) => run.bulkMs),
      ),
      `| bulk change: wall / bound | ${sizes.map((run) => ratio(run.bulkMs / run.boundMs)).join(' | ')} |  | ≤ 1.15 at every size | ${judge(
        'bulk within 1.15× of its bound',
        sizes.every((run) => run.bulkMs / run.boundMs <= 1.15),
      )} |`,
      `| peak resident memory of the app’s process (VmHWM) | ${sizes.map((run) => `${run.peakRssMiB.toFixed(1)} MiB (${run.rssAfterStartMiB.toFixed(1)} after start)`).join(' | ')} | ${ratio(peakRatio)}× from ${first?.numbers ?? 0} to ${largest} | ≤ 1.5× | ${judge('peak memory within 1.5× of the smallest fleet’s', peakRatio <= 1.5)} |`,
      `| Slack: calls refused (Block Kit limits) + views.publish answered ratelimited | ${sizes.map((run) => `${slackTrouble(run)}${run.rateLimited > 0 ? ` (${run.rateLimited} ratelimited)` : ''}`).join(' | ')} |  | 0 at every size | ${judge(
        'no Slack limit broken',
        sizes.every((run) => slackTrouble(run) === 0),
      )} |`,
    ],
    missed,
  };
}
