/**
 * A quick look at one part of the benchmark: the fakes, the app and the same-job baseline (compiled
 * by a previous `npm run bench`), alternately driven at one concurrency with `set` commands; prints
 * the ack p50/p95 of each round and the target's CPU per command.
 * Run: npx tsx bench/ack-probe.ts [concurrency=1] [rounds=4] [per round=1000] [known|outside]
 * PROBE_NODE_ARGS adds node flags to the app (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
 * PROBE_PRELOAD=n first sends n commands for the known card to each target at concurrency 50, as the
 * bench's heap batches do, so that the rounds run on a process that has served a sustained load
 * (with --expose-gc in PROBE_NODE_ARGS, followed by the bench's two full collections).
 * Ends with each target's median of the round p50s and the app's ratio to the same job.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { appFormJson } from './app-form.js';
import { cpuMs, freePort, spawnChild, untilIdle, waitHealthy } from './children.js';
import { commandRequests, drive, poolFor } from './load.js';
import { plan } from './plan.js';
import { commandText, type FakesReady, outsideCommandText, responseUrlOf, targetEnv } from './protocol.js';
import { median, percentile } from './stats.js';

const [concurrencyArg = '1', roundsArg = '4', perRoundArg = '1000', which = 'known'] = process.argv.slice(2);
const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'node_modules', '.cache', 'contactcard-bench', 'bench');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const fakes = spawnChild('fakes', join(compiled, 'fakes.js'), env);
const ready = (await fakes.announcement()) as unknown as FakesReady;
const names = ['app', 'samejob'] as const;
const targets = [];
for (const name of names) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = process.env.PROBE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawnChild(
    name,
    join(compiled, `${name === 'app' ? 'app-under-test' : 'samejob'}.js`),
    { ...targetEnv(name, ready, port, env), BENCH_FORM: appFormJson() },
    args,
  );
  await waitHealthy(child, url, process.hrtime.bigint());
  targets.push({ name, url, pool: poolFor(url), child });
}
const text = which === 'outside' ? outsideCommandText : commandText;
let sent = 0;
const roundFigures = () => ({ ack: [] as number[], usable: [] as number[], cpu: [] as number[] });
const perRound = { app: roundFigures(), samejob: roundFigures() };
const preload = Number(process.env.PROBE_PRELOAD ?? 0);
for (const target of preload > 0 ? targets : []) {
  const commands = commandRequests(responseUrlOf(ready, target.name), commandText);
  await drive(target, { concurrency: 50, warm: preload, measured: 0, cool: 0 }, () => {
    sent += 1;
    return commands(`pre${sent}`);
  });
  await untilIdle(target.child);
}
// As the bench does after its heap batches: two full collections (the children need --expose-gc).
if (preload > 0 && process.env.PROBE_NODE_ARGS?.includes('--expose-gc'))
  for (const target of targets) await target.child.ask('heap');
// The bench's warm-up for this concurrency (bench/plan.ts), else 50.
const warm = plan.ack.find((level) => level.concurrency === Number(concurrencyArg))?.warm ?? 50;
for (let round = 0; round < Number(roundsArg); round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) {
    const commands = commandRequests(responseUrlOf(ready, target.name), text);
    const cpuBefore = cpuMs(target.child.pid);
    const run = await drive(
      target,
      { concurrency: Number(concurrencyArg), warm, measured: Number(perRoundArg) },
      () => {
        sent += 1;
        return commands(`probe${sent}`);
      },
    );
    await untilIdle(target.child);
    const cpu = (cpuMs(target.child.pid) - cpuBefore) / (Number(perRoundArg) + warm + Number(concurrencyArg));
    await sleep(300);
    const taken = (await fakes.ask('takeViews')) as unknown as Record<'opens' | 'usable', [string, string][]>;
    const usableAt = new Map(taken.usable.map(([key, ns]) => [key, BigInt(ns)]));
    const usable = [...run.sentAt].flatMap(([key, sentAt]) => {
      const at = usableAt.get(key);
      return at === undefined ? [] : [Number(at - sentAt) / 1e6];
    });
    const figures = { ack: median(run.latencies), usable: median(usable), cpu };
    for (const what of ['ack', 'usable', 'cpu'] as const) perRound[target.name][what].push(figures[what]);
    console.log(
      `round ${round} ${target.name.padEnd(8)} ack p50 ${figures.ack.toFixed(2)} ms p95 ${percentile(run.latencies, 0.95).toFixed(2)} ms usable p50 ${figures.usable.toFixed(2)} ms (n=${usable.length}) cpu/cmd ${cpu.toFixed(2)} ms errors ${run.errors}`,
    );
  }
}
for (const what of ['ack', 'usable', 'cpu'] as const) {
  const [app, samejob] = [median(perRound.app[what]), median(perRound.samejob[what])];
  console.log(
    `median of rounds, ${what}: app ${app.toFixed(2)} same job ${samejob.toFixed(2)} ratio ${(app / samejob).toFixed(3)}`,
  );
}
for (const target of targets) {
  await target.child.stop();
  await target.pool.close();
}
console.log(JSON.stringify(await fakes.ask('counts')));
await fakes.stop();
