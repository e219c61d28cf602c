import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importProblems } from '../scripts/import-check.js';

// The import check over small fixture trees: a circle is found however it is closed (a type-only
// import, a re-export, a dynamic import), and a tree without one passes.

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'import-check-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the import check', () => {
  it('passes a tree whose imports all point one way, packages and Node built-ins aside', () => {
    const dir = tree({
      'a.ts':
        "import { b } from './lib/b.js';\nimport { z } from 'zod';\nimport { join } from 'node:path';\n",
      'lib/b.ts': "import type { C } from './c.js';\nexport const b = 1;\n",
      'lib/c.ts': 'export type C = number;\n',
    });
    expect(importProblems(dir)).toEqual([]);
  });

  it('fails on a circle closed by a type-only import', () => {
    const dir = tree({
      'deps.ts': "import type { Flow } from './flows/flow.js';\nexport interface Deps { flow: Flow }\n",
      'flows/flow.ts':
        "import type { Deps } from '../deps.js';\nexport class Flow { constructor(readonly deps: Deps) {} }\n",
    });
    expect(importProblems(dir)).toEqual(['import circle: deps.ts → flows/flow.ts → deps.ts']);
  });

  it('fails on a longer circle closed by a re-export or a dynamic import', () => {
    const dir = tree({
      'a.ts': "export { c } from './c.js';\n",
      'b.ts': "import { a } from './a.js';\n",
      'c.ts': "export const c = async () => (await import('./b.js')).b;\n",
    });
    expect(importProblems(dir)).toEqual(['import circle: a.ts → c.ts → b.ts → a.ts']);
  });
});
