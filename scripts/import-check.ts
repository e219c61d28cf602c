import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of the TypeScript files under a folder, as the compiler resolves it: every
 * `import`, `import type`, `export … from` and `import()` counts, since a circle of types is still
 * a circle in what a reader must hold in mind. Paths are relative to `root`; imports that leave it
 * (packages, Node built-ins) are not edges.
 */
export function importGraph(root: string): Map<string, string[]> {
  const base = resolve(root);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const graph = new Map<string, string[]>();
  for (const file of typeScriptFiles(base)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) continue;
      const target = relative(base, resolved.resolvedFileName);
      if (!target.startsWith('..')) targets.add(target);
    }
    graph.set(relative(base, file), [...targets].sort());
  }
  return graph;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return typeScriptFiles(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
    })
    .sort();
}

/**
 * Every import circle, one per group of files that import each other (a strongly connected
 * component, Tarjan's algorithm): the shortest way round from its first file, that file repeated at the end.
 */
export function importCircles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component = new Set<string>();
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.add(member);
    } while (member !== file);
    const circle = shortestWayRound(graph, component);
    if (circle) circles.push(circle);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** Breadth first from the component's first file back to it; undefined for a lone file that does not import itself. */
function shortestWayRound(graph: Map<string, string[]>, component: Set<string>): string[] | undefined {
  const first = [...component].sort()[0] as string;
  const cameFrom = new Map<string, string>();
  const queue = [first];
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const target of graph.get(at) ?? []) {
      if (target === first) {
        const path = [first];
        for (
          let step: string | undefined = at;
          step !== first && step !== undefined;
          step = cameFrom.get(step)
        )
          path.splice(1, 0, step);
        return [...path, first];
      }
      if (component.has(target) && !cameFrom.has(target)) {
        cameFrom.set(target, at);
        queue.push(target);
      }
    }
  }
  return undefined;
}

/**
 * The layers of src/, each a folder (or a file), and the layers it may import besides its own. A
 * file belongs to the layer of the longest folder that holds it; the layers form no circle, so
 * neither can their files. ARCHITECTURE.md says what each one owns.
 */
export type Layers = Record<string, readonly string[]>;

export const layers: Layers = {
  // The entry point: configuration, the process, and the wiring.
  'index.ts': ['wiring', 'runtime'],
  // Assembles everything: the only place that knows every concrete class.
  wiring: ['slack', 'slack/views', 'use-cases', 'domain', 'adapters', 'runtime'],
  // Slack-facing: listeners, the receiver's guards, the outbox, the command parser.
  slack: ['slack/views', 'use-cases', 'domain', 'adapters', 'runtime'],
  // Block Kit builders and every sentence for people: plain functions of records, used by the use cases to present.
  'slack/views': ['domain', 'adapters/store/types.ts', 'adapters/sendblue/errors.ts', 'runtime'],
  // The flows and the one change pipeline: they reach Slack only through their ports (use-cases/flows/ports.ts).
  'use-cases': ['slack/views', 'domain', 'adapters', 'runtime'],
  // Sendblue, the photo fetching and hosting, Slack's file host, the SQLite and PostgreSQL stores.
  adapters: ['domain', 'runtime'],
  // Configuration, logging, metrics, the instance lease, process errors, concurrency, intervals.
  runtime: ['domain'],
  // The card, phone numbers and access rules: plain logic that imports no other layer.
  domain: [],
};

/** The layer (or the narrower allowed entry) a path falls in: the longest key that is it or a folder holding it. */
function layerOf(path: string, keys: readonly string[]): string | undefined {
  return keys
    .filter((key) => path === key || path.startsWith(`${key}/`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Every import that crosses into a layer its layer may not import, and every file outside any layer. */
export function layerProblems(graph: Map<string, string[]>, rules: Layers = layers): string[] {
  const names = Object.keys(rules);
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file, names);
    if (from === undefined) {
      problems.push(`${file} is in no layer (add its folder to the layers in scripts/import-check.ts)`);
      continue;
    }
    const allowed = rules[from] ?? [];
    for (const target of targets) {
      const to = layerOf(target, names);
      if (to === from || layerOf(target, allowed) !== undefined) continue;
      problems.push(
        `${file} imports ${target}: ${from} may import ${allowed.join(', ') || 'no other layer'}`,
      );
    }
  }
  return problems;
}

/** The problems found under `root`, one line each; empty when there are none. */
export function importProblems(root: string, rules?: Layers): string[] {
  const graph = importGraph(root);
  const circles = importCircles(graph).map((circle) => `import circle: ${circle.join(' → ')}`);
  return rules === undefined ? circles : [...circles, ...layerProblems(graph, rules)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] ?? 'src';
  const problems = importProblems(root, layers);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log(`${root}: no import circles, every import within the layer rules`);
}
