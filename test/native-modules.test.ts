import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack } from './fakes/fake-slack.js';
import { freePort, spawnEntryPoint } from './helpers/test-app.js';

// The real entry point, run from a temporary install in which a native module is hidden: the
// app's source and package.json copied, every package a link to the real one except those a case
// rebuilds or leaves out. Nothing is ever written into the real node_modules.
const root = fileURLToPath(new URL('..', import.meta.url));
const realModules = join(root, 'node_modules');
const _tsxLoader = new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;

/** How a case installs one package in the copy: built by a function, or left out. */
type Install = ((dir: string, real: string) => void) | 'absent';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function installCopy(changed: Record<string, Install>): string {
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-install-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(realModules)) {
    const names = entry.startsWith('@')
      ? readdirSync(join(realModules, entry)).map((name) => `${entry}/${name}`)
      : [entry];
    if (entry.startsWith('@')) mkdirSync(join(modules, entry));
    for (const name of names) {
      const install = changed[name];
      const real = join(realModules, name);
      if (install === undefined) symlinkSync(real, join(modules, name));
      else if (install !== 'absent') install(join(modules, name), real);
    }
  }
  return dir;
}

// A package resolves its own dependencies from where its files really are, so a package whose
// native part is hidden is a copy (of what loads it), never a link.
const withoutNativeModule: Install = (dir, real) => {
  mkdirSync(dir);
  copyFileSync(join(real, 'package.json'), join(dir, 'package.json'));
  cpSync(join(real, 'lib'), join(dir, 'lib'), { recursive: true });
};
const withBrokenNativeModule: Install = (dir, real) => {
  withoutNativeModule(dir, real);
  mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
  writeFileSync(join(dir, 'build', 'Release', 'better_sqlite3.node'), 'not a shared library');
};
const copied: Install = (dir, real) => cpSync(real, dir, { recursive: true });

// sharp's binary is a platform package, @img/sharp-<platform>; its libvips too. With all of
// them left out (and sharp itself copied, so that it looks for them in the copy) it cannot load.
const withoutSharpBinary: Record<string, Install> = {
  sharp: copied,
  ...Object.fromEntries(
    readdirSync(join(realModules, '@img'))
      .filter((name) => name.startsWith('sharp-'))
      .map((name) => [`@img/${name}`, 'absent' as const]),
  ),
};

async function start(dir: string, env: Record<string, string> = {}) {
  const app = await spawnEntryPoint(
    { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 'native-modules-test-secret', ...env },
    { checkout: dir },
  );
  cleanups.push(() => app.kill());
  return {
    ...app,
    exited: app.exited.then(({ code }) => code),
    /** stdout and stderr so far, one entry per line. */
    lines: () => app.output().trim().split('\n'),
  };
}

const sqliteNeed = 'contactcard: the SQLite store (no CONTACTCARD_DATABASE_URL) needs';
const sharpNeed = 'contactcard: photo hosting (CONTACTCARD_PUBLIC_URL) needs';
const publicUrl = { CONTACTCARD_PUBLIC_URL: 'https://cards.example.com' };
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('start-up with a native module missing', () => {
  it('stops in one line saying to rebuild better-sqlite3 when its native module is missing', async () => {
    const app = await start(installCopy({ 'better-sqlite3': withoutNativeModule }));
    expect(await app.exited).toBe(1);
    expect(app.lines()).toEqual([
      `${sqliteNeed} better-sqlite3's native module, which is missing (its install script builds it; --ignore-scripts skips that): run npm rebuild better-sqlite3`,
    ]);
  });

  it('stops in one line with the loader reason when the native module does not load', async () => {
    const app = await start(installCopy({ 'better-sqlite3': withBrokenNativeModule }));
    expect(await app.exited).toBe(1);
    expect(app.lines()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${literal(sqliteNeed)} better-sqlite3's native module, which does not load \\(.*better_sqlite3\\.node: .+\\): run npm rebuild better-sqlite3$`,
        ),
      ),
    ]);
  });

  it('stops in one line saying to run npm ci when better-sqlite3 is not installed at all', async () => {
    const app = await start(installCopy({ 'better-sqlite3': 'absent' }));
    expect(await app.exited).toBe(1);
    expect(app.lines()).toEqual([`${sqliteNeed} better-sqlite3, which is not installed: run npm ci`]);
  });

  it.each([
    ['its native module is missing', withoutNativeModule],
    ['it is not installed', 'absent' as const],
  ])('goes on to PostgreSQL when better-sqlite3 is broken because %s', async (_case, install) => {
    const closed = await freePort();
    const app = await start(installCopy({ 'better-sqlite3': install }), {
      CONTACTCARD_DATABASE_URL: `postgres://contactcard@127.0.0.1:${closed}/cards`,
    });
    expect(await app.exited).toBe(1);
    // The next step's own failure (no server listens there): the SQLite module was never asked for.
    expect(app.lines()).toEqual([
      `contactcard: could not connect to PostgreSQL at 127.0.0.1:${closed}/cards (ECONNREFUSED)`,
    ]);
  });

  it("stops in one line saying to run npm ci when photo hosting is on and sharp's binary is missing", async () => {
    const app = await start(installCopy(withoutSharpBinary), publicUrl);
    expect(await app.exited).toBe(1);
    expect(app.lines()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${literal(sharpNeed)} sharp's binary for \\S+, which is missing ${literal('(an optional dependency: --omit=optional, or an install made on another platform, leaves it out)')}: run npm ci on this machine$`,
        ),
      ),
    ]);
  });

  it('says both in one line each when both are missing', async () => {
    const app = await start(
      installCopy({ ...withoutSharpBinary, 'better-sqlite3': withoutNativeModule }),
      publicUrl,
    );
    expect(await app.exited).toBe(1);
    expect(app.lines()).toEqual([
      expect.stringMatching(
        new RegExp(`^${literal(sqliteNeed)} better-sqlite3's native module, which is missing`),
      ),
      expect.stringMatching(new RegExp(`^${literal(sharpNeed)} sharp's binary for \\S+, which is missing`)),
    ]);
  });

  it("starts and serves without photo hosting, which is all that needs sharp's binary", async () => {
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const app = await start(installCopy(withoutSharpBinary), { SLACK_API_URL: slack.url });
    await waitForHealth(app);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.lines().join('\n')).not.toMatch(/sharp|native module/);
  });
});

async function waitForHealth(app: Awaited<ReturnType<typeof start>>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`exited early:\n${app.lines().join('\n')}`);
    const ok = await fetch(`http://127.0.0.1:${app.port}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no /healthz within 15 s:\n${app.lines().join('\n')}`);
}
