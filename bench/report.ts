/**
 * The benchmark report's main table: every metric for the three targets, the app's ratio to the
 * same-job baseline (the judged one, with its per-round spread) and to the bare Bolt app beside it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TargetName } from './protocol.js';
import { median, ms, type Quantiles, quantiles, ratio, spread } from './stats.js';

export interface Goal {
  max: number;
  label: string;
  /** On the app's own figure (e.g. Slack's 3 s) rather than on app / same job. */
  absolute?: boolean;
  /** Judged on the mean of this run's ratio and the previous run's at the same scale (p99 is noisy). */
  overTwoRuns?: boolean;
}

export interface Row {
  /** Stable across runs (no sample counts in it): the previous run's ratio is found by it. */
  key: string;
  metric: string;
  unit: 'ms' | 'MiB';
  values: Record<TargetName, number>;
  /** app / same job of single rounds. */
  perRound?: number[];
  goal?: Goal;
  /** Shown after the bare Bolt figure, e.g. a mark that it measures something else. */
  bareMark?: string;
}

export const goal = (max: number, extra: Partial<Goal> = {}): Goal => ({
  max,
  label: `≤ ${max.toFixed(2)}${extra.overTwoRuns ? ' (mean of 2 runs)' : ''}`,
  ...extra,
});

type Quantile = keyof Omit<Quantiles, 'n'>;

/** Rows for latencies kept per target and per round (ack latencies of runs, or views' arrivals). */
export function latencyRows(
  key: string,
  label: (quantile: string, count: string) => string,
  perRound: Record<TargetName, number[][]>,
  keys: readonly Quantile[],
  goals: Partial<Record<Quantile, Goal>> = {},
  bareMark?: string,
): Row[] {
  const pooled = {
    app: quantiles(perRound.app.flat()),
    samejob: quantiles(perRound.samejob.flat()),
    baseline: quantiles(perRound.baseline.flat()),
  };
  const appRounds = perRound.app.map(quantiles);
  const sameRounds = perRound.samejob.map(quantiles);
  const count = `n=${pooled.app.n}/${pooled.samejob.n}/${pooled.baseline.n}`;
  return keys.map((quantile) => ({
    key: `${key} ${quantile}`,
    metric: label(quantile, count),
    unit: 'ms',
    values: {
      app: pooled.app[quantile],
      samejob: pooled.samejob[quantile],
      baseline: pooled.baseline[quantile],
    },
    perRound: appRounds.map((app, i) => app[quantile] / (sameRounds[i]?.[quantile] ?? Number.NaN)),
    ...(goals[quantile] ? { goal: goals[quantile] } : {}),
    ...(bareMark ? { bareMark } : {}),
  }));
}

/** Judged ratios of a run, by row key, kept between runs for the goals judged over two runs. */
export interface Judged {
  date: string;
  ratios: Record<string, number>;
}

export function readPrevious(file: string): Judged | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Judged;
  } catch {
    return undefined;
  }
}

export function writeJudged(file: string, rows: readonly Row[]): void {
  const ratios = Object.fromEntries(rows.map((row) => [row.key, row.values.app / row.values.samejob]));
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ratios } satisfies Judged)}\n`);
}

export const met = (value: number, max: number | undefined) =>
  max === undefined ? '' : Number.isFinite(value) && value <= max ? 'yes' : '**no**';

/** The markdown table and the metrics whose goal was missed. */
export function ratioTable(rows: readonly Row[], previous: Judged | undefined) {
  const missed: string[] = [];
  const value = (row: Row, v: number) =>
    !Number.isFinite(v) ? 'n/a' : row.unit === 'MiB' ? `${v.toFixed(1)} MiB` : `${ms(v)} ms`;
  const lines = [
    '| metric | bare Bolt | same job | app | **app / same job** | per round: median (min–max) | app / bare Bolt | goal | met? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
    ...rows.map((row) => {
      const { app, samejob, baseline } = row.values;
      const judged = app / samejob;
      const before = row.goal?.overTwoRuns ? previous?.ratios[row.key] : undefined;
      const overRuns = before === undefined ? judged : (judged + before) / 2;
      const verdict = met(row.goal?.absolute ? app : overRuns, row.goal?.max);
      if (verdict === '**no**') missed.push(row.metric.replace(/ \(n=.*\)$/, ''));
      const judgedCell =
        before === undefined
          ? `**${ratio(judged)}**${row.goal?.overTwoRuns ? ' (no previous run)' : ''}`
          : `**${ratio(judged)}** (previous ${ratio(before)}, mean ${ratio(overRuns)})`;
      const perRound = row.perRound ? `${ratio(median(row.perRound))} (${spread(row.perRound)})` : '';
      return `| ${row.metric} | ${value(row, baseline)}${row.bareMark ?? ''} | ${value(row, samejob)} | ${value(
        row,
        app,
      )} | ${judgedCell} | ${perRound} | ${ratio(app / baseline)} | ${row.goal?.label ?? ''} | ${verdict} |`;
    }),
  ];
  return { lines, missed };
}
