/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `BENCH_CPU_PROF=app npm run bench`):
 * self time by function and by package or source file, and total (inclusive) time of the app's own
 * functions. Also reads a sampled allocation profile (.heapprofile, from bench/memory-probe.ts with
 * PROBE_ALLOC): the same tables in bytes allocated.
 * Run: npx tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface HeapNode {
  id: number;
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const parsed = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile | { head: HeapNode };
const heap = 'head' in parsed;

const byId = new Map<number, ProfileNode>();
const parentOf = new Map<number, number>();
/** Per node: µs of CPU (a .cpuprofile) or bytes allocated (a .heapprofile). */
const selfUs = new Map<number, number>();
if ('head' in parsed) {
  const walk = (node: HeapNode, parent: number | undefined) => {
    byId.set(node.id, { id: node.id, callFrame: node.callFrame });
    if (parent !== undefined) parentOf.set(node.id, parent);
    if (node.selfSize > 0) selfUs.set(node.id, node.selfSize);
    for (const child of node.children) walk(child, node.id);
  };
  walk(parsed.head, undefined);
} else {
  for (const node of parsed.nodes) byId.set(node.id, node);
  for (const node of parsed.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // A sample lasts until the next one.
  for (let i = 0; i < parsed.samples.length; i++) {
    const id = parsed.samples[i] ?? 0;
    const duration = parsed.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, duration));
  }
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** `name (path:line)` with the path cut down to what follows the repo or node_modules. */
function where(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  return `${name} (${shortPath(url)}:${lineNumber + 1})`;
}

function shortPath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  // The benchmark runs the app compiled into node_modules/.cache/contactcard-bench/.
  const compiled = path.indexOf('/contactcard-bench/');
  if (compiled >= 0) return path.slice(compiled + '/contactcard-bench/'.length);
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  return path;
}

/** The package (node_modules), app file (src/…), node: internals, or V8's own (GC, program, idle). */
function bucket(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const path = shortPath(url);
  if (path.startsWith('node:') || path.startsWith('src/') || path.startsWith('bench/')) return path;
  if (url.includes('/node_modules/')) {
    const parts = path.split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  return path;
}

function table(title: string, entries: Map<string, number>, limit: number): void {
  console.log(`\n${title}`);
  const sorted = [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [key, amount] of sorted) {
    const share = ((amount / totalUs) * 100).toFixed(1).padStart(5);
    const size = heap
      ? `${(amount / 1024 / 1024).toFixed(1).padStart(7)} MiB`
      : `${(amount / 1000).toFixed(0).padStart(7)} ms`;
    console.log(`${share}%  ${size}  ${key}`);
  }
}

const selfByFunction = new Map<string, number>();
const selfByBucket = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined) continue;
  selfByFunction.set(where(node), (selfByFunction.get(where(node)) ?? 0) + us);
  selfByBucket.set(bucket(node), (selfByBucket.get(bucket(node)) ?? 0) + us);
}

// Inclusive time of the app's functions (src/, bench/): each sample counts once per function on its stack.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at);
    if (node === undefined) break;
    const path = shortPath(node.callFrame.url);
    if (!(path.startsWith('src/') || path.includes('/@slack/') || path.startsWith('@slack/'))) continue;
    const key = where(node);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

if ('head' in parsed) {
  console.log(`${file}: ${(totalUs / 1024 / 1024).toFixed(1)} MiB allocated (sampled)`);
} else {
  const idle = selfByBucket.get('(idle)') ?? 0;
  const seconds = (parsed.endTime - parsed.startTime) / 1e6;
  const busy = (totalUs - idle) / 1e6;
  console.log(
    `${file}: ${seconds.toFixed(1)} s profiled, ${busy.toFixed(1)} s busy (${((busy / seconds) * 100).toFixed(0)}%)`,
  );
}
const what = heap ? 'Bytes allocated' : 'Self time';
table(`${what} by package / file`, selfByBucket, top);
table(`${what} by function`, selfByFunction, top);
table(
  `${heap ? 'Bytes allocated under' : 'Total time of'} src/ and @slack/ functions (inclusive)`,
  inclusive,
  top,
);
