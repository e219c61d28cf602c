// What only the SQLite file does. Everything a Store promises, SQLite and PostgreSQL alike
// (migrations, the audit trail, assignments, cards, leases, turns), is in the store's contract
// tests, store-contract-*.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, migrations, schemaVersion } from '../src/adapters/store/migrations.js';
import { openSqliteStore } from '../src/adapters/store/sqlite.js';

const latest = migrations.length;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function inspect<T>(path: string, look: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return look(db);
  } finally {
    db.close();
  }
}

describe('the SQLite file', () => {
  it('create the folder, the schema and a WAL database on first run', async () => {
    const path = join(tempDir(), 'nested', 'data', 'contactcard.db');
    await openSqliteStore(path).close();
    inspect(path, (db) => {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(expect.arrayContaining(['assignments', 'cards', 'changes', 'instances']));
      expect(schemaVersion(db)).toBe(latest);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    });
  });

  it('roll a failing migration back whole, in memory too', () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    const broken = { version: latest + 1, sql: 'CREATE TABLE extra (a); SELECT nonsense(;' };
    expect(() => migrate(db, [...migrations, broken])).toThrow();
    expect(schemaVersion(db)).toBe(latest);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(0);
  });

  it('two stores on one file in this process share its turns; :memory: stores do not', async () => {
    const path = join(tempDir(), 'shared.db');
    const a = openSqliteStore(path, { maxWaiting: 0 });
    const b = openSqliteStore(path, { maxWaiting: 0 });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const first = await a.beginChange({ action: 'set', number: '+15551230001', actorId: 'U1' });
    const second = await b.beginChange({ action: 'set', number: '+15551230001', actorId: 'U2' });
    let release: () => void = () => {};
    const held = a.turns.run(first, () => new Promise<void>((resolve) => (release = resolve)));
    // maxWaiting 0: the second store's change finds the first one ahead of it in the same queue.
    await expect(b.turns.run(second, async () => undefined)).rejects.toMatchObject({ ahead: 1 });
    release();
    await held;

    const m1 = openSqliteStore(':memory:', { maxWaiting: 0 });
    const m2 = openSqliteStore(':memory:', { maxWaiting: 0 });
    cleanups.push(
      () => m1.close(),
      () => m2.close(),
    );
    const e1 = await m1.beginChange({ action: 'set', number: '+15551230001', actorId: 'U1' });
    const e2 = await m2.beginChange({ action: 'set', number: '+15551230001', actorId: 'U2' });
    let releaseMemory: () => void = () => {};
    const heldMemory = m1.turns.run(e1, () => new Promise<void>((resolve) => (releaseMemory = resolve)));
    await expect(m2.turns.run(e2, async () => 'ran')).resolves.toBe('ran');
    releaseMemory();
    await heldMemory;
  });
});
