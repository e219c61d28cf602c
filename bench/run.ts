/**
 * `npm run bench`: the app in HTTP mode, the least code that does the same job (bench/samejob.ts)
 * and a bare Bolt app (bench/baseline.ts), each in its own process on this machine, against the
 * same fake Slack and fake Sendblue (a third process), driven with the same signed requests in
 * rounds whose order rotates (bench/rounds.ts). The app is judged on its ratio to the same-job
 * baseline; the ratio to bare Bolt is shown beside it. Then, apart: the Home tab, a bulk job, the
 * initial sync, the photo pipeline and the scale section (100, 1,000 and 10,000 numbers;
 * `npm run bench -- scale` runs it alone and prints its table). Prints a markdown report (bench/report-text.ts) and writes bench/RESULTS.md.
 *
 * Environment: BENCH_SCALE (default 1) scales every request count (bench/plan.ts), for a quick
 * look; a scaled run does not write RESULTS.md. BENCH_CPU_PROF=app|samejob|baseline|all (1 = app)
 * starts those long-lived children with --cpu-prof; profiles go to reports/bench-profiles/
 * (summarise them with `npx tsx bench/profile-summary.ts <file>`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { appFormJson } from './app-form.js';
import {
  type Child,
  cpuMs,
  freePort,
  machineCpuMs,
  residentMiB,
  spawnChild,
  startFlags,
  untilIdle,
  waitHealthy,
} from './children.js';
import { measureHome } from './home-tab.js';
import { commandRequests, drive, poolFor, type Request, submissionRequest, type Target } from './load.js';
import { plan, scale } from './plan.js';
import {
  type FakesReady,
  outsideCommandText,
  responseUrlOf,
  submissionNumbers,
  targetEnv,
} from './protocol.js';
import { readPrevious, writeJudged } from './report.js';
import { mainRows, type Results, reportText, scaleSection } from './report-text.js';
import {
  each,
  type Name,
  names,
  orderOf,
  perTarget,
  type RoundOf,
  type Rounds,
  type Views,
} from './rounds.js';
import { runBulk, runPhoto, runScale, runSync, type ScaleResult } from './side-runs.js';
import { median, ms, ratio } from './stats.js';
import type { Counts } from './tables.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'node_modules', '.cache', 'contactcard-bench');
const profileDir = join(root, 'reports', 'bench-profiles');
const profiled = profileTargets(process.env.BENCH_CPU_PROF);

const began = Date.now();
const progress = (line: string) =>
  console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const mib = (values: Record<Name, number>) => each(perTarget((name) => `${values[name].toFixed(1)} MiB`));

// ---------------------------------------------------------------------------------------------
// Children are compiled to plain JavaScript first, so that they run like `npm start` does (no
// TypeScript loader in their memory or start-up time).
progress('compiling the app, both baselines and the fakes (tsc -p bench/tsconfig.json)');
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
const scriptOf: Record<Name, string> = { app: 'app-under-test', samejob: 'samejob', baseline: 'baseline' };

const baseEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
  ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
};

/** The scale section: each fleet size in a process of its own (bench/scale.ts), smallest first. */
function measureScale(): ScaleResult[] {
  return plan.scaleSizes.map((numbers) => {
    progress(`scale: ${numbers.toLocaleString('en-US')} numbers`);
    const run = runScale(script('scale'), baseEnv, root, numbers);
    progress(
      `scale: ${numbers} numbers: Home open p50 ${ms(run.homeOpenP50)} ms, bulk ${ms(run.bulkMs)} ms (bound ${ms(run.boundMs)} ms), peak ${run.peakRssMiB} MiB`,
    );
    return run;
  });
}

// `npm run bench -- scale`: the scale section alone, printed (bench/RESULTS.md is left as it was).
if (process.argv.slice(2).includes('scale')) {
  console.log(`\n${scaleSection(measureScale()).lines.join('\n')}\n`);
  process.exit(0);
}

// The machine is shared: what other processes take from its cores during the run is reported too.
const machineAtStart = machineCpuMs();
const selfAtStart = process.cpuUsage();
let childrenCpuMs = 0;
const fakes = spawnChild('fakes', script('fakes'), baseEnv);
const ready = (await fakes.announcement()) as unknown as FakesReady;
progress(
  `fakes up: Slack ${ready.slackUrl}, Sendblue ${ready.sendblue.app.url} and ${ready.sendblue.samejob.url}`,
);

const formJson = appFormJson();
const envFor = (name: Name, port: number) => ({
  ...targetEnv(name, ready, port, baseEnv),
  ...(name === 'samejob' ? { BENCH_FORM: formJson } : {}),
});

/**
 * Starts a target; every one with `npm start`'s node options and --expose-gc (the heap is read
 * after a full collection).
 */
async function start(
  name: Name,
  options: { keep?: boolean; env?: Record<string, string> } = {},
): Promise<{ child: Child; url: string; startupMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const profile = options.keep === true && profiled.has(name);
  const execArgv = [
    ...startFlags(),
    '--expose-gc',
    ...(profile
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
      : []),
  ];
  if (profile) mkdirSync(profileDir, { recursive: true });
  const since = process.hrtime.bigint();
  const child = spawnChild(name, script(scriptOf[name]), { ...envFor(name, port), ...options.env }, execArgv);
  const startupMs = await waitHealthy(child, url, since);
  return { child, url, startupMs };
}

// ---------------------------------------------------------------------------------------------
// 5. Start-up time to the first 200 on /healthz; the last start of each is the one driven below.
const startups = perTarget(() => [] as number[]);
const running = {} as Record<Name, { child: Child; url: string }>;
for (let round = 0; round < plan.startups; round++) {
  for (const name of orderOf(names, round)) {
    const keep = round === plan.startups - 1;
    const started = await start(name, { keep });
    startups[name].push(started.startupMs);
    if (keep) running[name] = started;
    else {
      childrenCpuMs += cpuMs(started.child.pid);
      await started.child.stop();
    }
  }
}
progress(`start-up to /healthz 200 (ms): ${each(perTarget((name) => startups[name].map(ms).join(', ')))}`);

// 5b. The README's run command. `npm ci` built dist/ once (the prepare script), so `npm start` only
// starts it: measured as `npm start` itself and as the command it runs, in the app's place in the
// rotation with both baselines.
progress('building dist/ as npm ci does (npm run build), then timing the README run command');
spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const entryCommands = {
  'npm start': ['npm', ['start']],
  'node dist/index.js': [process.execPath, [...startFlags(), join(root, 'dist', 'index.js')]],
} as const;
type EntryName = keyof typeof entryCommands;
const entryNames = Object.keys(entryCommands) as EntryName[];
const entryStartups = Object.fromEntries(
  entryNames.map((entry) => [entry, perTarget(() => [] as number[])]),
) as Record<EntryName, Record<Name, number[]>>;
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
for (let round = 0; round < plan.entryStartups; round++) {
  for (const entry of entryNames) {
    for (const name of orderOf(names, round)) {
      if (name === 'app') entryStartups[entry].app.push(await timeEntry(entry));
      else {
        const started = await start(name);
        entryStartups[entry][name].push(started.startupMs);
        await started.child.stop();
      }
    }
  }
}
for (const entry of entryNames) {
  const samples = each(perTarget((name) => entryStartups[entry][name].map(ms).join(', ')));
  progress(`\`${entry}\` to /healthz 200 (ms): ${samples}`);
}

const targets = perTarget(
  (name): Target => ({ name, url: running[name].url, pool: poolFor(running[name].url) }),
);
const pidOf = (name: Name) => running[name].child.pid;

await sleep(1_000);
const readRss = (which: 'VmRSS' | 'VmHWM' = 'VmRSS') => perTarget((name) => residentMiB(pidOf(name), which));
const rssAfterStart = readRss();
progress(`resident memory after start: ${mib(rssAfterStart)}`);

// ---------------------------------------------------------------------------------------------
const commandsSent = perTarget(() => 0);
const command = (name: Name) => {
  const commands = commandRequests(responseUrlOf(ready, name));
  return () => {
    commandsSent[name] += 1;
    return commands(`tr${name[0]}${commandsSent[name]}`);
  };
};
type Options = { concurrency: number; warm: number; measured: number; cool?: number; pauseMs?: number };

/**
 * Runs `rounds` rounds of `drive` for every target, in rotating order, and keeps every round's run.
 * With `settle`, each round ends only when its target has finished the work it does after its acks,
 * so that none of it runs during another target's round (and the CPU it costs is counted with its
 * own round).
 */
async function rotate(
  what: string,
  options: Options,
  make: (name: Name) => (index: number) => Request,
  settle = true,
  rounds = plan.rounds,
): Promise<Rounds> {
  const result = perTarget((): RoundOf => ({ runs: [], cpu: { own: 0, fakes: 0, requests: 0 } }));
  for (let round = 0; round < rounds; round++) {
    for (const name of orderOf(names, round)) {
      const ownBefore = cpuMs(pidOf(name));
      const fakesBefore = cpuMs(fakes.pid);
      const run = await drive(targets[name], options, make(name));
      if (settle) await waitIdle(name);
      result[name].runs.push(run);
      result[name].cpu.own += cpuMs(pidOf(name)) - ownBefore;
      result[name].cpu.fakes += cpuMs(fakes.pid) - fakesBefore;
      result[name].cpu.requests += options.warm + options.measured + (options.cool ?? options.concurrency);
      if (run.errors > 0) progress(`  ${what} round ${round} ${name}: ${run.errors} request(s) failed`);
    }
  }
  return result;
}

async function waitIdle(name: Name, timeoutMs = 30_000): Promise<void> {
  if (!(await untilIdle(running[name].child, timeoutMs)))
    progress(`  ${name} still had operations in flight after ${timeoutMs / 1000} s`);
}

/** command → views.open and command → usable form, ms, per round, from the fake Slack's arrival times. */
async function viewLatencies(rounds: Rounds): Promise<Views> {
  await sleep(500);
  const taken = (await fakes.ask('takeViews')) as unknown as Record<'opens' | 'usable', [string, string][]>;
  const latencies = (arrivals: [string, string][], what: string, expected: readonly Name[]) => {
    const at = new Map(arrivals.map(([key, ns]) => [key, BigInt(ns)]));
    return perTarget((name) => {
      let missing = 0;
      const perRound = rounds[name].runs.map((run) =>
        [...run.sentAt].flatMap(([key, sent]) => {
          const arrived = at.get(key);
          if (arrived === undefined) missing += 1;
          return arrived === undefined ? [] : [Number(arrived - sent) / 1e6];
        }),
      );
      if (missing > 0 && expected.includes(name))
        progress(`  ${name}: ${missing} command(s) without ${what}`);
      return perRound;
    });
  };
  return {
    opens: latencies(taken.opens, 'views.open', names),
    // The bare Bolt app's modal has no inputs: it never shows a usable form.
    usable: latencies(taken.usable, 'a usable form', ['app', 'samejob']),
  };
}

const readCounts = async () => ((await fakes.ask('counts')) as unknown as { counts: Counts }).counts;

// Warm-up: JIT, connection pools and the fakes, for every target, before anything is recorded.
progress(`warm-up: ${plan.globalWarm} commands each at concurrency 50`);
await fakes.ask('latency', { ms: 0 });
for (const name of orderOf(names, 0)) {
  await drive(targets[name], { concurrency: 50, warm: plan.globalWarm, measured: 0, cool: 0 }, command(name));
  await waitIdle(name);
}
await fakes.ask('takeViews');
const countsBefore = await readCounts();
const commandsBefore = { ...commandsSent };

// 1, 2. Slash-command ack latency and command → usable form at each concurrency.
const ack: Results['ack'] = [];
for (const level of plan.ack) {
  progress(
    `ack latency and command → usable form at concurrency ${level.concurrency}: ${plan.ackRounds} rounds of ${level.measured} measured commands each`,
  );
  const rounds = await rotate(`c=${level.concurrency}`, level, command, true, plan.ackRounds);
  ack.push({ concurrency: level.concurrency, rounds, ...(await viewLatencies(rounds)) });
}

// 4. The heap after a full collection, after each of three batches of commands: what stays.
const { heap: batches } = plan;
progress(
  `heap: ${batches.batches} batches of ${batches.commands} commands at concurrency ${batches.concurrency} each`,
);
const heapMiB = perTarget(() => [] as number[]);
const heapCpuMs = perTarget(() => 0);
let rssAfterBatches = perTarget(() => Number.NaN);
for (let batch = 0; batch < batches.batches; batch++) {
  for (const name of orderOf(names, batch)) {
    const before = cpuMs(pidOf(name));
    const options = { concurrency: batches.concurrency, warm: batches.commands, measured: 0, cool: 0 };
    await drive(targets[name], options, command(name));
    await waitIdle(name);
    heapCpuMs[name] += cpuMs(pidOf(name)) - before;
  }
  await fakes.ask('takeViews');
  await sleep(2_000);
  // Resident memory as the load left it, before the collections below.
  if (batch === batches.batches - 1) rssAfterBatches = readRss();
  for (const name of names) {
    const { heapUsed } = (await running[name].child.ask('heap')) as unknown as { heapUsed: number };
    heapMiB[name].push(heapUsed / 1024 / 1024);
  }
  progress(
    `  after batch ${batch + 1}: heap ${mib(perTarget((name) => heapMiB[name].at(-1) ?? Number.NaN))}`,
  );
}
const countsAfter = await readCounts();
const commandsAtBatches = { ...commandsSent };
progress(`resident memory 2 s after the batches, before their collection: ${mib(rssAfterBatches)}`);

// 2c. The case every number is in on the day the app is installed: its card was set in Sendblue's
// dashboard, never through contactcard. The app's store has only what the start-up sync saw; the
// warm-up of each round includes the number's first open. Same levels, then paced with a 5 s Sendblue.
const outsideSent = perTarget(() => 0);
const outsideCommand = (name: Name) => {
  const commands = commandRequests(responseUrlOf(ready, name), outsideCommandText);
  return () => {
    outsideSent[name] += 1;
    return commands(`to${name[0]}${outsideSent[name]}`);
  };
};
const outsideAck: Results['outside']['ack'] = [];
for (const level of plan.ack) {
  progress(
    `card set outside contactcard: ack and command → usable form at concurrency ${level.concurrency}: ${plan.ackRounds} rounds of ${level.measured}`,
  );
  const rounds = await rotate(`outside c=${level.concurrency}`, level, outsideCommand, true, plan.ackRounds);
  outsideAck.push({ concurrency: level.concurrency, rounds, ...(await viewLatencies(rounds)) });
}
await fakes.ask('latency', { ms: 5_000 });
progress(
  `card set outside contactcard: command → usable form, Sendblue 5 s, one every ${plan.paced.pauseMs} ms: ${plan.pacedSlowRounds} rounds of ${plan.paced.measured}`,
);
const outsideSlow = await rotate(
  'outside paced slow',
  plan.paced,
  outsideCommand,
  true,
  plan.pacedSlowRounds,
);
const outside = { ack: outsideAck, slow: { rounds: outsideSlow, ...(await viewLatencies(outsideSlow)) } };
await fakes.ask('latency', { ms: 0 });

// 2b. command → usable form paced (a pause after each ack, so that no command overlaps the previous
// one's follow-up work), with Sendblue answering at once and then after 5 s: with the card known,
// Sendblue must never sit in front of the usable form.
const paced = {} as Results['paced'];
for (const [mode, latencyMs, rounds] of [
  ['instant', 0, plan.rounds],
  ['slow', 5_000, plan.pacedSlowRounds],
] as const) {
  await fakes.ask('latency', { ms: latencyMs });
  progress(
    `command → usable form, Sendblue answering after ${latencyMs} ms, one command every ${plan.paced.pauseMs} ms: ${rounds} rounds of ${plan.paced.measured}`,
  );
  // With Sendblue slow a round ends only when its reads have been answered, so that their
  // follow-up work does not land in another target's round.
  const done = await rotate(`paced ${mode}`, plan.paced, command, true, rounds);
  paced[mode] = { rounds: done, ...(await viewLatencies(done)) };
}
await fakes.ask('latency', { ms: 0 });
for (const name of names) await waitIdle(name);
await fakes.ask('takeViews');
await sleep(2_000);
const rssAfterAll = readRss();
progress(`resident memory after all ${commandsSent.app} commands each: ${mib(rssAfterAll)}`);

// 3. view_submission ack latency with Sendblue answering at once, then taking 10 s per call.
progress(
  `view_submission ack latency, Sendblue instant then 10 s: ${plan.rounds} rounds of ${plan.submissions.measured} each at concurrency ${plan.submissions.concurrency}`,
);
const submitted = perTarget(() => 0);
const submission = (name: Name) => () => {
  const index = submitted[name]++;
  const number = submissionNumbers[index % submissionNumbers.length] ?? '+14155552000';
  return submissionRequest(`VS${name[0]}${index}`, number, responseUrlOf(ready, name));
};
// The submission path has not run yet: warm it (Sendblue instant, so that it all completes) first.
for (const name of orderOf(names, 0)) {
  const options = {
    concurrency: plan.submissions.concurrency,
    warm: plan.submissionsWarm,
    measured: 0,
    cool: 0,
  };
  await drive(targets[name], options, submission(name));
  await waitIdle(name);
}
const submissionsInstant = await rotate('view_submission instant', plan.submissions, submission);
await fakes.ask('latency', { ms: 10_000 });
// Rounds do not settle: the app's Sendblue calls take 10 s each and are meant to be outstanding.
const submissionsSlow = await rotate('view_submission 10 s', plan.submissions, submission, false);
const rssAtEnd = readRss();
const rssPeak = readRss('VmHWM');
const countsAtEnd = await readCounts();

progress('stopping the three targets');
for (const name of names) {
  childrenCpuMs += cpuMs(pidOf(name));
  await running[name].child.stop();
  await targets[name].pool.close();
}

// ---------------------------------------------------------------------------------------------
// 6. The Home tab of 250 numbers, through fresh processes (bench/home-tab.ts).
progress(`Home tab: ${plan.home.rounds} ABBA rounds of ${plan.home.perRound} opens`);
const home = await measureHome({
  start: (name, env) => start(name, { env }),
  fakes,
  plan: plan.home,
  warn: progress,
});
for (const child of home.children) {
  childrenCpuMs += cpuMs(child.pid);
  await child.stop();
}
progress(
  `Home tab published after (ms, median): app ${ms(median(home.ms.app.flat()))}, bare Bolt ${ms(median(home.ms.baseline.flat()))}`,
);
childrenCpuMs += cpuMs(fakes.pid);
await fakes.stop();
// What other processes took, up to here: the side runs below are processes the runner cannot read.
const machineAtEnd = machineCpuMs();
const selfCpu = process.cpuUsage(selfAtStart);
const ourCpuMs = childrenCpuMs + (selfCpu.user + selfCpu.system) / 1000;
const foreignShare =
  (machineAtEnd.busy - machineAtStart.busy - ourCpuMs) / (machineAtEnd.total - machineAtStart.total);

// 7. A bulk job with a 1 s Sendblue, through the real app in a process of its own (bench/bulk.ts).
progress(
  `bulk job: ${plan.bulk.numbers} numbers, Sendblue 1 s per call, concurrency ${plan.bulk.concurrency}`,
);
const bulk = runBulk(script('bulk'), baseEnv, root, plan.bulk);
progress(`bulk job: ${ms(bulk.wallMs)} ms against the bound ${ms(bulk.limitMs)} ms (${ratio(bulk.ratio)}×)`);

// 9. The initial sync of 1,000 lines at 50 ms per read, in a process of its own.
progress(`initial sync: ${plan.sync.lines} lines, Sendblue ${plan.sync.latencyMs} ms per read`);
const sync = runSync(script('sync'), baseEnv, root, plan.sync);
progress(
  `initial sync: ${ms(sync.wallMs)} ms against the bound ${ms(sync.boundMs)} ms (${ratio(sync.ratio)}×); ack p50 ${ms(sync.ackDuring.p50)} ms during, ${ms(sync.ackAfter.p50)} ms after`,
);

// 8. The photo pipeline, in a process of its own.
progress('photo pipeline: a 12-megapixel JPEG, the app’s processing vs a bare sharp resize (ABBA)');
const photo = runPhoto(script('photo-pipeline'), baseEnv, root, plan.photoRounds);
progress(
  `photo pipeline: app ${photo.appMs.map(ms).join(', ')} ms; bare sharp ${photo.bareMs.map(ms).join(', ')} ms`,
);

// 10. The scale section: 100, 1,000 and 10,000 numbers, each in a process of its own.
const scaleRuns = measureScale();

// ---------------------------------------------------------------------------------------------
const results: Results = {
  ack,
  paced,
  submissions: { instant: submissionsInstant, slow: submissionsSlow },
  rss: { start: rssAfterStart, batches: rssAfterBatches, all: rssAfterAll, end: rssAtEnd, peak: rssPeak },
  commands: { atBatches: commandsAtBatches.app, all: commandsSent.app, submitted: submitted.app },
  startups,
  entryStartups,
  heap: { mib: heapMiB, cpuMs: heapCpuMs },
  calls: {
    before: countsBefore,
    after: countsAfter,
    commands: perTarget((name) => commandsAtBatches[name] - commandsBefore[name]),
    atEnd: countsAtEnd,
  },
  home: home.ms,
  bulk,
  photo,
  outside,
  sync,
  scale: scaleRuns,
};
const rows = mainRows(results, plan);
// The goals judged over two runs compare with the previous run at the same scale.
const judgedFile = join(outDir, `judged-scale-${scale}.json`);
const previous = readPrevious(judgedFile);
writeJudged(judgedFile, rows);
const minutes = ((Date.now() - began) / 60_000).toFixed(1);
const text = reportText(results, { plan, scale, minutes, foreignShare, previous }, rows);
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
      return new Set(['app']);
    case 'all':
    case 'both':
      return new Set(names);
    default:
      if ((names as readonly string[]).includes(setting)) return new Set([setting as Name]);
      throw new Error('BENCH_CPU_PROF must be app, samejob, baseline, all or 1');
  }
}
