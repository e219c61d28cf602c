/**
 * Where does the memory go? Starts the fakes and one target (app, samejob or baseline, compiled by a previous
 * `npm run bench`) with --expose-gc, sends commands in batches and prints, after each batch, the
 * resident size and the heap left after a full collection; optionally writes heap snapshots.
 * Run: npx tsx bench/memory-probe.ts [app|samejob|baseline] [batches=5] [per batch=2000] [snapshot dir]
 * PROBE_ALLOC=<file.heapprofile> samples every allocation (collected or not) over the batches;
 * PROBE_NODE_ARGS adds node flags to the target (e.g. --trace-gc).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { appFormJson } from './app-form.js';
import { freePort, residentMiB, spawnChild, untilIdle, waitHealthy } from './children.js';
import { commandRequests, drive, poolFor } from './load.js';
import { type FakesReady, responseUrlOf, type TargetName, targetEnv, targetNames } from './protocol.js';

const [nameArg = 'app', batchesArg = '5', perBatchArg = '2000', snapshotDir] = process.argv.slice(2);
if (!(targetNames as readonly string[]).includes(nameArg)) throw new Error(`no target ${nameArg}`);
const name = nameArg as TargetName;
const scripts: Record<TargetName, string> = {
  app: 'app-under-test',
  samejob: 'samejob',
  baseline: 'baseline',
};
const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'node_modules', '.cache', 'contactcard-bench', 'bench');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const fakes = spawnChild('fakes', join(compiled, 'fakes.js'), env);
const ready = (await fakes.announcement()) as unknown as FakesReady;
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const child = spawnChild(
  name,
  join(compiled, `${scripts[name]}.js`),
  { ...targetEnv(name, ready, port, env), BENCH_FORM: appFormJson() },
  ['--expose-gc', ...(process.env.PROBE_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
);
await waitHealthy(child, url, process.hrtime.bigint());
const pool = poolFor(url);
const commands = commandRequests(responseUrlOf(ready, name));
let sent = 0;

const mib = (bytes: unknown) => `${(Number(bytes) / 1024 / 1024).toFixed(1)}`;
async function report(label: string): Promise<void> {
  const rss = residentMiB(child.pid);
  const { memory } = (await child.ask('gc')) as unknown as { memory: NodeJS.MemoryUsage };
  console.log(
    `${label.padEnd(16)} rss ${rss.toFixed(1)} MiB before GC, ${residentMiB(child.pid).toFixed(1)} after; ` +
      `heapUsed ${mib(memory.heapUsed)} heapTotal ${mib(memory.heapTotal)} external ${mib(memory.external)} ` +
      `arrayBuffers ${mib(memory.arrayBuffers)} MiB`,
  );
  if (snapshotDir) {
    const { file } = await child.ask('heapSnapshot', {
      file: join(snapshotDir, `${name}-${sent}.heapsnapshot`),
    });
    console.log(`  snapshot ${String(file)}`);
  }
}

await sleep(1_000);
await report('after start');
const allocations = process.env.PROBE_ALLOC;
if (allocations) await child.ask('allocStart');
for (let batch = 0; batch < Number(batchesArg); batch++) {
  const count = Number(perBatchArg);
  await drive({ name, url, pool }, { concurrency: 50, warm: count, measured: 0, cool: 0 }, () => {
    sent += 1;
    return commands(`probe${sent}`);
  });
  await untilIdle(child);
  await sleep(500);
  await report(`after ${sent}`);
}
if (allocations)
  console.log(`allocation profile: ${String((await child.ask('allocStop', { file: allocations })).file)}`);
await child.stop();
await fakes.stop();
await pool.close();
