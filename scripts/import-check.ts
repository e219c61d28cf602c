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

/** The problems found under `root`, one line each; empty when there are none. */
export function importProblems(root: string): string[] {
  return importCircles(importGraph(root)).map((circle) => `import circle: ${circle.join(' → ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] ?? 'src';
  const problems = importProblems(root);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log(`${root}: no import circles`);
}
