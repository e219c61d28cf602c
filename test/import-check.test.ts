import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importProblems, layers } from '../scripts/import-check.js';

// The import check over small fixture trees: a circle is found however it is closed (a type-only
// import, a re-export, a dynamic import), an import against the layer rules is named, and a tree
// that keeps both passes.

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

  it('names an import from a lower layer up into a higher one, and a file in no layer', () => {
    const dir = tree({
      'domain/card.ts': "import type { Store } from '../adapters/store/types.js';\n",
      'adapters/store/types.ts': 'export interface Store {}\n',
      'helpers.ts': 'export const loose = 1;\n',
    });
    expect(importProblems(dir, layers)).toEqual([
      'domain/card.ts imports adapters/store/types.ts: domain may import no other layer',
      'helpers.ts is in no layer (add its folder to the layers in scripts/import-check.ts)',
    ]);
  });

  it('holds a folder to the narrower rule it has inside its layer', () => {
    const dir = tree({
      'slack/views/home.ts': "import { open } from '../../adapters/store/open.js';\n",
      'slack/views/ids.ts': "import type { Store } from '../../adapters/store/types.js';\n",
      'slack/listeners/home.ts':
        "import { home } from '../views/home.js';\nimport { open } from '../../adapters/store/open.js';\n",
      'adapters/store/open.ts': "import type { Store } from './types.js';\nexport const open = 1;\n",
      'adapters/store/types.ts': 'export interface Store {}\n',
    });
    expect(importProblems(dir, layers)).toEqual([
      'slack/views/home.ts imports adapters/store/open.ts: slack/views may import domain, adapters/store/types.ts, adapters/sendblue/errors.ts, runtime',
    ]);
  });
});
