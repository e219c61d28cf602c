/**
 * `npm run bench`: the app in HTTP mode and a bare Bolt baseline, each in its own process on this
 * machine, against the same fake Slack and fake Sendblue (a third process), driven with the same
 * signed requests in rounds ordered ABBA. Prints a markdown report and writes bench/RESULTS.md.
 *
 * Environment: BENCH_SCALE (default 1) scales every request count, for a quick look; a scaled run
 * does not write RESULTS.md. BENCH_CPU_PROF=app|baseline|both (1 = app) starts the long-lived
 * child(ren) with --cpu-prof; profiles go to reports/bench-profiles/ (summarise them with
 * `npx tsx bench/profile-summary.ts <file>`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type Child,
  cpuMs,
  freePort,
  machineCpuMs,
  residentMiB,
  spawnChild,
  waitHealthy,
} from './children.js';
import { commandRequests, drive, poolFor, type Run, submissionRequest, type Target } from './load.js';
import { type FakesReady, submissionNumbers, targetEnv } from './protocol.js';
import { median, ms, type Quantiles, quantiles, ratio, spread } from './stats.js';

type Name = Target['name'];
const names: readonly Name[] = ['app', 'baseline'];

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'node_modules', '.cache', 'contactcard-bench');
const profileDir = join(root, 'reports', 'bench-profiles');
const scale = Number(process.env.BENCH_SCALE ?? 1);
const profiled = profileTargets(process.env.BENCH_CPU_PROF);
const n = (count: number) => Math.max(1, Math.round(count * scale));

const plan = {
  rounds: 4,
  // More, shorter rounds for the ack latencies: a burst of load from outside hits both targets alike.
  ackRounds: 8,
  startups: 4,
  globalWarm: n(1_000),
  ack: [
    { concurrency: 1, warm: n(25), measured: n(275) },
    { concurrency: 50, warm: n(100), measured: n(300) },
    { concurrency: 200, warm: n(250), measured: n(350) },
  ],
  viewsOpen: { concurrency: 1, warm: n(20), measured: n(300), pauseMs: 0 },
  paced: { concurrency: 1, warm: n(10), measured: n(100), cool: 0, pauseMs: 15 },
  commandsForMemory: 10_000,
  submissionsWarm: n(400),
  submissions: { concurrency: 20, warm: n(5), measured: n(50) },
};

const began = Date.now();
const progress = (line: string) =>
  console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);

// ---------------------------------------------------------------------------------------------
// Children are compiled to plain JavaScript first, so that they run like `npm start` does (no
// TypeScript loader in their memory or start-up time).
progress('compiling the app, the baseline and the fakes (tsc -p bench/tsconfig.json)');
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'bench', 'tsconfig.json')],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
);
if (tsc.status !== 0) {
  // tsc still emits JavaScript on type errors (another engineer may be mid-edit); say so and go on.
  console.warn(`tsc reported problems (the benchmark runs what was emitted):\n${tsc.stdout}${tsc.stderr}`);
}
writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
const script = (name: string) => join(outDir, 'bench', `${name}.js`);

const baseEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
  ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
};

// The machine is shared: what other processes take from its cores during the run is reported too.
const machineAtStart = machineCpuMs();
const selfAtStart = process.cpuUsage();
let childrenCpuMs = 0;
const fakes = spawnChild('fakes', script('fakes'), baseEnv);
const ready = (await fakes.announcement()) as unknown as FakesReady;
progress(`fakes up: Slack ${ready.slackUrl}, Sendblue ${ready.sendblue.url}`);

function envFor(name: Name, port: number): Record<string, string> {
  return targetEnv(name, ready, port, baseEnv);
}

async function start(name: Name, keep: boolean): Promise<{ child: Child; url: string; startupMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const execArgv =
    keep && profiled.has(name)
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
      : [];
  if (execArgv.length > 0) mkdirSync(profileDir, { recursive: true });
  const since = process.hrtime.bigint();
  const child = spawnChild(
    name,
    script(name === 'app' ? 'app-under-test' : 'baseline'),
    envFor(name, port),
    execArgv,
  );
  const startupMs = await waitHealthy(child, url, since);
  return { child, url, startupMs };
}

/** ABBA: round 0 app first, round 1 baseline first, and so on. */
const orderOf = (round: number): readonly Name[] => (round % 2 === 0 ? names : [...names].reverse());

// ---------------------------------------------------------------------------------------------
// 5. Start-up time to the first 200 on /healthz; the last start of each is the one driven below.
const startups: Record<Name, number[]> = { app: [], baseline: [] };
const running = {} as Record<Name, { child: Child; url: string }>;
for (let round = 0; round < plan.startups; round++) {
  for (const name of orderOf(round)) {
    const keep = round === plan.startups - 1;
    const started = await start(name, keep);
    startups[name].push(started.startupMs);
    if (keep) running[name] = started;
    else {
      childrenCpuMs += cpuMs(started.child.pid);
      await started.child.stop();
    }
  }
}
progress(
  `start-up to /healthz 200: app ${startups.app.map(ms).join(', ')} ms; baseline ${startups.baseline.map(ms).join(', ')} ms`,
);

// 5b. The README's run command. `npm ci` built dist/ once (the prepare script), so `npm start` only
// starts it: measured as `npm start` itself and as the command it runs, each against the baseline.
progress('building dist/ as npm ci does (npm run build), then timing the README run command');
spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const entryCommands = {
  'npm start': ['npm', ['start']],
  'node dist/index.js': [process.execPath, [join(root, 'dist', 'index.js')]],
} as const;
type EntryName = keyof typeof entryCommands;
const entryStartups: Record<EntryName | 'baseline', number[]> = {
  'npm start': [],
  'node dist/index.js': [],
  baseline: [],
};
async function timeEntry(name: EntryName): Promise<number> {
  const port = await freePort();
  const [command, args] = entryCommands[name];
  const since = process.hrtime.bigint();
  // Its own process group: npm starts node as a child, and both must go at the end.
  const started = spawn(command, args, {
    cwd: root,
    env: envFor('app', port),
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => started.once('exit', resolve));
  const startupMs = await waitHealthy({ name, process: started } as Child, `http://127.0.0.1:${port}`, since);
  if (started.pid !== undefined) process.kill(-started.pid, 'SIGTERM');
  await exited;
  return startupMs;
}
for (let round = 0; round < plan.startups; round++) {
  for (const name of Object.keys(entryCommands) as EntryName[]) {
    const order = round % 2 === 0 ? ['entry', 'baseline'] : ['baseline', 'entry'];
    for (const which of order) {
      if (which === 'entry') entryStartups[name].push(await timeEntry(name));
      else {
        const baseline = await start('baseline', false);
        entryStartups.baseline.push(baseline.startupMs);
        await baseline.child.stop();
      }
    }
  }
}
progress(
  `README run command to /healthz 200: npm start ${entryStartups['npm start'].map(ms).join(', ')} ms; ` +
    `node dist/index.js ${entryStartups['node dist/index.js'].map(ms).join(', ')} ms; ` +
    `baseline ${entryStartups.baseline.map(ms).join(', ')} ms`,
);

const targets = Object.fromEntries(
  names.map((name) => [name, { name, url: running[name].url, pool: poolFor(running[name].url) }]),
) as Record<Name, Target>;
const pidOf = (name: Name) => running[name].child.pid;

await sleep(1_000);
const readRss = (which: 'VmRSS' | 'VmHWM' = 'VmRSS') =>
  Object.fromEntries(names.map((name) => [name, residentMiB(pidOf(name), which)])) as Record<Name, number>;
const rssAfterStart = readRss();
progress(
  `resident memory after start: app ${rssAfterStart.app.toFixed(1)} MiB, baseline ${rssAfterStart.baseline.toFixed(1)} MiB`,
);

// ---------------------------------------------------------------------------------------------
const commands = commandRequests(ready.responseUrl);
const commandsSent: Record<Name, number> = { app: 0, baseline: 0 };
const command = (name: Name) => () => {
  commandsSent[name] += 1;
  return commands(`tr${name[0]}${commandsSent[name]}`);
};

interface RoundOf {
  runs: Run[];
  /** CPU ms used by the target's process and by the fakes during the target's rounds. */
  cpu: { own: number; fakes: number; requests: number };
}

/**
 * Runs `rounds` ABBA rounds of `drive` for both targets and keeps every round's run. With `settle`,
 * each round ends only when its target has finished the work it does after its acks, so that none of
 * it runs during the other target's round (and the CPU it costs is counted with its own round).
 */
async function abba(
  label: string,
  options: { concurrency: number; warm: number; measured: number; cool?: number; pauseMs?: number },
  make: (name: Name) => (index: number) => { body: string; key: string },
  settle = true,
  rounds = plan.rounds,
): Promise<Record<Name, RoundOf>> {
  const result: Record<Name, RoundOf> = {
    app: { runs: [], cpu: { own: 0, fakes: 0, requests: 0 } },
    baseline: { runs: [], cpu: { own: 0, fakes: 0, requests: 0 } },
  };
  for (let round = 0; round < rounds; round++) {
    for (const name of orderOf(round)) {
      const ownBefore = cpuMs(pidOf(name));
      const fakesBefore = cpuMs(fakes.pid);
      const run = await drive(targets[name], options, make(name));
      if (settle) await waitIdle(name, 30_000);
      result[name].runs.push(run);
      result[name].cpu.own += cpuMs(pidOf(name)) - ownBefore;
      result[name].cpu.fakes += cpuMs(fakes.pid) - fakesBefore;
      result[name].cpu.requests += options.warm + options.measured + (options.cool ?? options.concurrency);
      if (run.errors > 0) progress(`  ${label} round ${round} ${name}: ${run.errors} request(s) failed`);
    }
  }
  return result;
}

async function waitIdle(name: Name, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { inflight } = await running[name].child.ask('inflight');
    if (inflight === 0) return;
    await sleep(50);
  }
  progress(`  ${name} still had operations in flight after ${timeoutMs / 1000} s`);
}

/** command → views.open, ms, per round, from the fake Slack's arrival times. */
async function viewsOpenLatencies(rounds: Record<Name, RoundOf>): Promise<Record<Name, number[][]>> {
  await sleep(500);
  const { opens } = (await fakes.ask('takeOpens')) as unknown as { opens: [string, string][] };
  const at = new Map(opens.map(([key, ns]) => [key, BigInt(ns)]));
  const result = { app: [] as number[][], baseline: [] as number[][] };
  for (const name of names) {
    let missing = 0;
    for (const run of rounds[name].runs) {
      const latencies: number[] = [];
      for (const [key, sent] of run.sentAt) {
        const opened = at.get(key);
        if (opened === undefined) missing += 1;
        else latencies.push(Number(opened - sent) / 1e6);
      }
      result[name].push(latencies);
    }
    if (missing > 0) progress(`  ${name}: ${missing} command(s) had no views.open at the fake Slack`);
  }
  return result;
}

// Warm-up: JIT, connection pools and the fakes, for both, before anything is recorded.
progress(`warm-up: ${plan.globalWarm} commands each at concurrency 50`);
await fakes.ask('latency', { ms: 0 });
for (const name of orderOf(0)) {
  await drive(targets[name], { concurrency: 50, warm: plan.globalWarm, measured: 0, cool: 0 }, command(name));
}
await fakes.ask('takeOpens');

// 1. Slash-command ack latency at each concurrency (views.open timings kept as a by-product).
const ack: ({ concurrency: number } & Phase)[] = [];
for (const level of plan.ack) {
  progress(
    `ack latency at concurrency ${level.concurrency}: ${plan.ackRounds} ABBA rounds of ${level.measured} measured commands each`,
  );
  const rounds = await abba(`c=${level.concurrency}`, level, command, true, plan.ackRounds);
  ack.push({ concurrency: level.concurrency, rounds, opens: await viewsOpenLatencies(rounds) });
  for (const name of names) await waitIdle(name, 30_000);
}

// 4a. Resident memory 2 s after the ack rounds, the heaviest load (topped up to 10,000 commands if
// the rounds were scaled down).
for (const name of names) {
  const missing = plan.commandsForMemory - commandsSent[name];
  if (missing > 0) {
    progress(`${name}: ${missing} more commands to reach ${plan.commandsForMemory}`);
    await drive(targets[name], { concurrency: 50, warm: missing, measured: 0, cool: 0 }, command(name));
  }
}
for (const name of names) await waitIdle(name, 30_000);
await fakes.ask('takeOpens');
await sleep(2_000);
const commandsAtLoad = commandsSent.app;
const rssAfterLoad = readRss();
progress(
  `resident memory after ${commandsSent.app} / ${commandsSent.baseline} commands: app ${rssAfterLoad.app.toFixed(1)} MiB, baseline ${rssAfterLoad.baseline.toFixed(1)} MiB`,
);

// 2. command → views.open with Sendblue instant, then with Sendblue taking 5 s; each back-to-back
// (concurrency 1, closed loop) and paced (a pause after each ack, so that no command overlaps the
// previous one's follow-up work: views.open, the card read, views.update).
type Pacing = 'backToBack' | 'paced';
type Phase = { rounds: Record<Name, RoundOf>; opens: Record<Name, number[][]> };
const viewsOpen = {} as Record<'instant' | 'slow', Record<Pacing, Phase>>;
for (const [mode, latencyMs] of [
  ['instant', 0],
  ['slow', 5_000],
] as const) {
  await fakes.ask('latency', { ms: latencyMs });
  await fakes.ask('takeOpens');
  const phases = {} as Record<Pacing, Phase>;
  for (const [pacing, options] of [
    ['paced', plan.paced],
    ['backToBack', plan.viewsOpen],
  ] as const) {
    progress(
      `command → views.open, Sendblue answering after ${latencyMs} ms, ${
        pacing === 'paced' ? `one command every ${options.pauseMs} ms` : 'back to back'
      }: ${plan.rounds} ABBA rounds of ${options.measured}`,
    );
    // With Sendblue slow a round of the app ends only when its card reads have been answered or given
    // up (8 s), so that their follow-up work does not land in the baseline's rounds.
    const rounds = await abba(`views.open ${mode} ${pacing}`, options, command);
    phases[pacing] = { rounds, opens: await viewsOpenLatencies(rounds) };
  }
  viewsOpen[mode] = phases;
}
const paced = viewsOpen.instant.paced;
await fakes.ask('latency', { ms: 0 });
progress('waiting for the app to finish the card reads still held by the slow Sendblue');
await waitIdle('app', 30_000);

// 4b. Resident memory after all the commands, the last ones at concurrency 1 (an app at light load).
for (const name of names) await waitIdle(name, 30_000);
await fakes.ask('takeOpens');
await sleep(2_000);
const rssAfterAll = readRss();
progress(
  `resident memory after all ${commandsSent.app} / ${commandsSent.baseline} commands: app ${rssAfterAll.app.toFixed(1)} MiB, baseline ${rssAfterAll.baseline.toFixed(1)} MiB`,
);

// 3. view_submission ack latency with Sendblue taking 10 s per call.
progress(
  `view_submission ack latency, Sendblue taking 10 s: ${plan.rounds} ABBA rounds of ${plan.submissions.measured} at concurrency ${plan.submissions.concurrency}`,
);
const submitted: Record<Name, number> = { app: 0, baseline: 0 };
const submission = (name: Name) => () => {
  const index = submitted[name]++;
  const number = submissionNumbers[index % submissionNumbers.length] ?? '+14155552000';
  return submissionRequest(`VS${name[0]}${index}`, number, ready.responseUrl);
};
// The submission path has not run yet: warm it (Sendblue instant, so that it all completes) first.
for (const name of orderOf(0)) {
  await drive(
    targets[name],
    { concurrency: 20, warm: plan.submissionsWarm, measured: 0, cool: 0 },
    submission(name),
  );
  await waitIdle(name, 30_000);
}
await fakes.ask('latency', { ms: 10_000 });
// Rounds do not settle: the app's Sendblue calls take 10 s each and are meant to be outstanding.
const submissions = await abba('view_submission', { ...plan.submissions, cool: 0 }, submission, false);
const rssAtEnd = readRss();
const rssPeak = readRss('VmHWM');
const counts = ((await fakes.ask('counts')) as unknown as { counts: Record<string, number> }).counts;

progress('stopping');
childrenCpuMs += cpuMs(fakes.pid) + cpuMs(pidOf('app')) + cpuMs(pidOf('baseline'));
const machineAtEnd = machineCpuMs();
const selfCpu = process.cpuUsage(selfAtStart);
const ourCpuMs = childrenCpuMs + (selfCpu.user + selfCpu.system) / 1000;
const foreignShare =
  (machineAtEnd.busy - machineAtStart.busy - ourCpuMs) / (machineAtEnd.total - machineAtStart.total);
for (const name of names) await running[name].child.stop();
await fakes.stop();
for (const name of names) await targets[name].pool.close();

// ---------------------------------------------------------------------------------------------
// 6. The photo pipeline, in a process of its own once the others have stopped.
progress('photo pipeline: a 12-megapixel JPEG, the app’s processing vs a bare sharp resize (ABBA)');
const photoRun = spawnSync(process.execPath, [script('photo-pipeline')], {
  cwd: root,
  env: { ...baseEnv, BENCH_PHOTO_ROUNDS: String(Math.max(2, Math.round(8 * scale))) },
  encoding: 'utf8',
});
if (photoRun.status !== 0) throw new Error(`photo pipeline bench failed:\n${photoRun.stderr}`);
const photoBench = JSON.parse(photoRun.stdout.trim().split('\n').at(-1) ?? '{}') as {
  photoBytes: number;
  appMs: number[];
  bareMs: number[];
  idleMiB: number;
  appPeakMiB: number;
  barePeakMiB: number;
};
progress(
  `photo pipeline: app ${photoBench.appMs.map(ms).join(', ')} ms; bare sharp ${photoBench.bareMs.map(ms).join(', ')} ms; ` +
    `peak with 4 at once: app ${photoBench.appPeakMiB.toFixed(1)} MiB, bare ${photoBench.barePeakMiB.toFixed(1)} MiB (idle ${photoBench.idleMiB.toFixed(1)} MiB)`,
);

// ---------------------------------------------------------------------------------------------
// Report.
interface Row {
  metric: string;
  baseline: number;
  app: number;
  unit: 'ms' | 'MiB';
  perRound?: number[];
  /** On the ratio app/baseline, or with `absolute` on the app's own figure. */
  target?: { max: number; label: string; absolute?: boolean };
}

const rows: Row[] = [];
const perRoundRatios = (app: Quantiles[], baseline: Quantiles[], key: keyof Quantiles) =>
  app.map((a, i) => a[key] / (baseline[i]?.[key] ?? Number.NaN));
const target = (max: number) => ({ max, label: `≤ ${max.toFixed(2)}` });

/** Rows for latencies kept per round (ack latencies of runs, or views.open latencies). */
function latencyRows(
  label: (key: string, n: string) => string,
  perRound: Record<Name, number[][]>,
  keys: readonly (keyof Omit<Quantiles, 'n'>)[],
  targets: Partial<Record<keyof Quantiles, Row['target']>> = {},
): void {
  const app = quantiles(perRound.app.flat());
  const baseline = quantiles(perRound.baseline.flat());
  const appRounds = perRound.app.map(quantiles);
  const baselineRounds = perRound.baseline.map(quantiles);
  for (const key of keys) {
    rows.push({
      metric: label(key, `n=${app.n}/${baseline.n}`),
      baseline: baseline[key],
      app: app[key],
      unit: 'ms',
      perRound: perRoundRatios(appRounds, baselineRounds, key),
      ...(targets[key] ? { target: targets[key] } : {}),
    });
  }
}
const acks = (rounds: Record<Name, RoundOf>) =>
  Object.fromEntries(names.map((name) => [name, rounds[name].runs.map((run) => run.latencies)])) as Record<
    Name,
    number[][]
  >;

for (const level of ack) {
  latencyRows(
    (key, count) => `1. ack ${key}, concurrency ${level.concurrency} (${count})`,
    acks(level.rounds),
    ['p50', 'p95', 'p99'],
    { p50: target(1.1), p99: target(1.25) },
  );
}
latencyRows(
  (key, count) => `1. ack ${key}, one command every ${plan.paced.pauseMs} ms (${count})`,
  acks(paced.rounds),
  ['p50', 'p99'],
);
for (const [mode, label] of [
  ['instant', 'Sendblue instant'],
  ['slow', 'Sendblue 5 s'],
] as const) {
  for (const [pacing, how] of [
    ['backToBack', 'back to back'],
    ['paced', `one every ${plan.paced.pauseMs} ms`],
  ] as const) {
    latencyRows(
      (key, count) => `2. command → views.open ${key}, ${label}, ${how} (${count})`,
      viewsOpen[mode][pacing].opens,
      ['p50', 'p99'],
      mode === 'instant' ? { p50: target(1.15) } : {},
    );
  }
}
latencyRows(
  (key, count) => `3. view_submission ack ${key}, Sendblue 10 s per POST (${count})`,
  acks(submissions),
  ['p50', 'p99'],
  { p99: { max: 3_000, label: 'app < 3 s (Slack)', absolute: true } },
);
rows.push({
  metric: '4. resident memory after start',
  baseline: rssAfterStart.baseline,
  app: rssAfterStart.app,
  unit: 'MiB',
});
rows.push({
  metric: `4. resident memory 2 s after the ack rounds (${commandsAtLoad.toLocaleString('en-US')} commands)`,
  baseline: rssAfterLoad.baseline,
  app: rssAfterLoad.app,
  unit: 'MiB',
  target: target(1.25),
});
rows.push({
  metric: `4. resident memory after all ${commandsSent.app.toLocaleString('en-US')} commands (the last at concurrency 1)`,
  baseline: rssAfterAll.baseline,
  app: rssAfterAll.app,
  unit: 'MiB',
  target: target(1.25),
});
rows.push({
  metric: '4. peak resident memory during the run (VmHWM)',
  baseline: rssPeak.baseline,
  app: rssPeak.app,
  unit: 'MiB',
});
rows.push({
  metric: `5. start-up to first 200 on /healthz (median of ${plan.startups})`,
  baseline: median(startups.baseline),
  app: median(startups.app),
  unit: 'ms',
  perRound: startups.app.map((a, i) => a / (startups.baseline[i] ?? Number.NaN)),
});

for (const [index, name] of (Object.keys(entryCommands) as EntryName[]).entries()) {
  // The baseline starts were interleaved with both commands: each is paired with its own.
  const paired = entryStartups.baseline.filter((_, i) => i % 2 === index);
  rows.push({
    metric: `5. start-up of \`${name}\` (README run command) to first 200 on /healthz (median of ${plan.startups})`,
    baseline: median(paired),
    app: median(entryStartups[name]),
    unit: 'ms',
    perRound: entryStartups[name].map((a, i) => a / (paired[i] ?? Number.NaN)),
    target: target(1.5),
  });
}

rows.push({
  metric: `6. photo: one 12-megapixel JPEG (${(photoBench.photoBytes / 1024 / 1024).toFixed(1)} MB) to a square JPEG (median of ${photoBench.appMs.length}; baseline: bare sharp resize)`,
  baseline: median(photoBench.bareMs),
  app: median(photoBench.appMs),
  unit: 'ms',
  perRound: photoBench.appMs.map((a, i) => a / (photoBench.bareMs[i] ?? Number.NaN)),
  target: target(1.2),
});
rows.push({
  metric: '6. photo: peak resident memory of the process while 4 are processed at once',
  baseline: photoBench.barePeakMiB,
  app: photoBench.appPeakMiB,
  unit: 'MiB',
});

const value = (row: Row, v: number) => (row.unit === 'MiB' ? `${v.toFixed(1)} MiB` : `${ms(v)} ms`);
const met = (value: number, max: number | undefined) =>
  max === undefined ? '' : Number.isFinite(value) && value <= max ? 'yes' : '**no**';
const missed: string[] = [];

const table = [
  '| metric | baseline | app | ratio app/baseline | per-round ratios: median (min–max) | target | met? |',
  '| --- | ---: | ---: | ---: | ---: | ---: | :---: |',
  ...rows.map((row) => {
    const r = row.app / row.baseline;
    const verdict = met(row.target?.absolute ? row.app : r, row.target?.max);
    if (verdict === '**no**') missed.push(row.metric.replace(/ \(n=.*\)$/, ''));
    return `| ${row.metric} | ${value(row, row.baseline)} | ${value(row, row.app)} | ${ratio(r)} | ${
      row.perRound ? `${ratio(median(row.perRound))} (${spread(row.perRound)})` : ''
    } | ${row.target?.label ?? ''} | ${verdict} |`;
  }),
];

// Judged on the app's own change (conservative); the baseline, which never calls Sendblue, shows how
// much the two phases differ anyway (the machine, the fakes, the pauses while the app's reads time out).
const unchangedRows: string[] = [];
for (const [pacing, how] of [
  ['backToBack', 'back to back'],
  ['paced', `one every ${plan.paced.pauseMs} ms`],
] as const) {
  for (const key of ['p50', 'p99'] as const) {
    const at = (mode: 'instant' | 'slow', name: Name) =>
      quantiles(viewsOpen[mode][pacing].opens[name].flat())[key];
    const change = at('slow', 'app') / at('instant', 'app');
    const limit = key === 'p50' ? 1.15 : undefined;
    const verdict = met(change, limit);
    if (verdict === '**no**') missed.push(`views.open ${key} ${how} unchanged with Sendblue at 5 s`);
    unchangedRows.push(
      `| ${key}, ${how} | ${ms(at('instant', 'app'))} | ${ms(at('slow', 'app'))} | ${ratio(change)} | ${
        limit === undefined ? '' : `≤ ${limit.toFixed(2)}`
      } | ${verdict} | ${ms(at('instant', 'baseline'))} → ${ms(at('slow', 'baseline'))} (${ratio(
        at('slow', 'baseline') / at('instant', 'baseline'),
      )}) |`,
    );
  }
}
const unchanged = [
  '| command → views.open (ms) | app, Sendblue instant | app, Sendblue 5 s | app 5 s/instant | target | met? | baseline in the same phases (ratio) |',
  '| --- | ---: | ---: | ---: | ---: | :---: | ---: |',
  ...unchangedRows,
];

const levels = [
  { label: `1, one every ${plan.paced.pauseMs} ms`, ...paced },
  ...ack.map((level) => ({ label: String(level.concurrency), ...level })),
];
const throughput = [
  '| concurrency | app commands/s | baseline commands/s | CPU per command: app | baseline | fakes for app | fakes for baseline | command → views.open p50: app | baseline |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...levels.map((level) => {
    const rate = (name: Name) => {
      const runs = level.rounds[name].runs;
      const total = runs.reduce((sum, run) => sum + run.latencies.length, 0);
      const wall = runs.reduce((sum, run) => sum + run.wallMs, 0);
      return ((total / wall) * 1000).toFixed(0);
    };
    const cpu = (name: Name, of: 'own' | 'fakes') => {
      const { cpu } = level.rounds[name];
      return `${((cpu[of] / cpu.requests) * 1000).toFixed(0)} µs`;
    };
    const opened = (name: Name) => `${ms(quantiles(level.opens[name].flat()).p50)} ms`;
    return `| ${level.label} | ${rate('app')} | ${rate('baseline')} | ${cpu('app', 'own')} | ${cpu(
      'baseline',
      'own',
    )} | ${cpu('app', 'fakes')} | ${cpu('baseline', 'fakes')} | ${opened('app')} | ${opened('baseline')} |`;
  }),
];

const allRuns = (name: Name) => [
  ...ack.flatMap((level) => level.rounds[name].runs),
  ...Object.values(viewsOpen).flatMap((phases) => Object.values(phases).flatMap((p) => p.rounds[name].runs)),
  ...submissions[name].runs,
];
const errors = names
  .map((name) => `${name} ${allRuns(name).reduce((sum, run) => sum + run.errors, 0)}`)
  .join(', ');

const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
const minutes = ((Date.now() - began) / 60_000).toFixed(1);
const report = [
  '# Benchmark: contactcard vs a bare Bolt app',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Node ${process.version}, Linux ${release()}`,
  `- CPU: ${cpuModel}, ${cpus().length} cores, shared by the load generator, the fakes and both apps`,
  `- Other processes on the machine used ${(Math.max(0, foreignShare) * 100).toFixed(0)}% of its CPU time during the run`,
  `- \`npm run bench\` took ${minutes} min${scale === 1 ? '' : ` (BENCH_SCALE=${scale}: request counts scaled)`}`,
  '',
  'Each app runs in its own process (compiled JavaScript, as `npm start` runs it) in HTTP mode; a',
  'third process holds the fake Slack and the fake Sendblue (test/fakes). Requests are signed like',
  'Slack signs them and sent over warm keep-alive connections (undici Pool, one connection per',
  'worker, closed loop); commands are `/contactcard set +1 415 555 1234` (the baseline ignores the',
  `text). Every measurement is made in rounds ordered ABBA (app, baseline, baseline, app, …; ${plan.ackRounds}`,
  `rounds for the ack latencies, ${plan.rounds} for the others), each round ending once its target has`,
  'finished its follow-up work (except with Sendblue at 10 s). The ratio is over all rounds pooled; the',
  'per-round column gives the median, smallest and largest ratio of single rounds. Command →',
  'views.open is the time from sending the command to the fake Slack receiving views.open, on the',
  'machine-wide monotonic clock. Percentiles are nearest-rank; resident memory (RSS) is read from',
  '/proc/<pid>/status.',
  '',
  ...table,
  '',
  missed.length === 0 ? 'Every target was met.' : `Targets missed: ${missed.join('; ')}.`,
  '',
  '**Sendblue never sits in front of the modal**: the app opens its loading view, then reads the card.',
  "The app's command → views.open with Sendblue answering after 5 s against answering at once, both",
  'at concurrency 1. The baseline never calls Sendblue: its change between the same phases is drift',
  "(the machine, the fakes, the pauses while the app's card reads time out), not Sendblue.",
  '',
  ...unchanged,
  '',
  '**Throughput and CPU** in the ack rounds (CPU from /proc/<pid>/stat, per command sent, follow-up',
  'work included; after its ack the app also reads the card from Sendblue and fills the modal with',
  'views.update, which the baseline does not):',
  '',
  ...throughput,
  '',
  `Failed requests (non-200 or transport errors): ${errors}. Resident memory at the very end, after`,
  `${submitted.app} submissions each (${plan.submissionsWarm} of them warm-up) with the last ones' Sendblue calls still held: app ${rssAtEnd.app.toFixed(1)} MiB, baseline ${rssAtEnd.baseline.toFixed(1)} MiB.`,
  `Start-up samples (ms, in ABBA order): app ${startups.app.map(ms).join(', ')}; baseline ${startups.baseline.map(ms).join(', ')}.`,
  `What the fakes received: ${Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => `${key} ${count}`)
    .join('; ')}.`,
  '',
  'Reproduce: `npm ci && npm run bench` (writes this file). To profile the app under the same load:',
  '`BENCH_CPU_PROF=app npm run bench`, then',
  '`npx tsx bench/profile-summary.ts reports/bench-profiles/app-<time>.cpuprofile`; allocations:',
  '`PROBE_ALLOC=/tmp/app.heapprofile npx tsx bench/memory-probe.ts app` and the same summary script.',
  '',
];

const text = report.join('\n');
console.log(`\n${text}`);
if (scale === 1) {
  writeFileSync(join(root, 'bench', 'RESULTS.md'), text);
  progress('wrote bench/RESULTS.md');
} else {
  progress('BENCH_SCALE is not 1: bench/RESULTS.md left as it was');
}

function profileTargets(setting: string | undefined): Set<Name> {
  switch (setting) {
    case undefined:
    case '':
    case '0':
      return new Set();
    case '1':
    case 'app':
      return new Set(['app']);
    case 'baseline':
      return new Set(['baseline']);
    case 'both':
      return new Set(['app', 'baseline']);
    default:
      throw new Error('BENCH_CPU_PROF must be app, baseline, both or 1');
  }
}
