import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore } from '../src/adapters/store/sqlite.js';
import { InstanceLease } from '../src/runtime/instance.js';
import { silentLog } from '../src/runtime/logger.js';

const child = fileURLToPath(new URL('./fixtures/store-crash-child.ts', import.meta.url));
const tsxLoader = new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('a process killed between begin and complete leaves an entry whose outcome is unknown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-store-crash-'));
  dirs.push(dir);
  const path = join(dir, 'contactcard.db');

  const proc = spawn(process.execPath, ['--import', tsxLoader, child, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on('exit', (_code, signal) => resolve(signal)),
  );
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('pending')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}) before pending: ${stderr}`)));
  });
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const raw = new Database(path);
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  raw.close();

  const store = openSqliteStore(path);
  const lease = new InstanceLease(store, silentLog);
  try {
    // The next instance on this host sees the dead one's process gone: its change is settled at once,
    // well before its lease would lapse.
    expect(await lease.start()).toBe(1);
    const [entry, ...rest] = await store.history('+15551230001');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      actorId: 'U_CRASH',
      outcome: 'unknown',
      finishedAt: null,
      message: expect.stringContaining('stopped before the outcome was known'),
    });
    expect(await store.markOrphansUnknown()).toBe(0);
  } finally {
    await lease.stop();
    await store.close();
  }
});
