import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrations, schemaVersion } from '../src/store/migrations.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.js';
import { type CardSnapshot, DuplicateRequestError } from '../src/store/types.js';

const latest = migrations.length;
const alice: CardSnapshot = { firstName: 'Alice', lastName: 'Ng', displayName: null, photoUrl: null };
const aliceWithPhoto: CardSnapshot = { ...alice, photoUrl: 'https://example.com/alice.png' };

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

let clock: Date;
const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
let store: SqliteStore;
beforeEach(() => {
  clock = new Date('2026-03-01T12:00:00.000Z');
  store = openSqliteStore(':memory:', { now: () => clock });
  cleanups.push(() => store.close());
});

describe('migrations', () => {
  it('are numbered 1, 2, … with no gap', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('create the folder, the schema and a WAL database on first run', async () => {
    const path = join(tempDir(), 'nested', 'data', 'contactcard.db');
    await openSqliteStore(path).close();
    inspect(path, (db) => {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(expect.arrayContaining(['assignments', 'cards', 'changes']));
      expect(schemaVersion(db)).toBe(latest);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    });
  });

  it.each(migrations.slice(0, -1).map((m) => m.version))(
    'upgrade a version %i database, keeping its data',
    async (from) => {
      const path = join(tempDir(), 'old.db');
      inspect(path, (db) => {
        migrate(db, migrations.slice(0, from));
        db.prepare(
          "INSERT INTO assignments VALUES ('+15551230001', 'U1', 'UADMIN', '2025-01-01T00:00:00.000Z')",
        ).run();
        db.prepare(
          `INSERT INTO changes (action, number, actor_id, started_at, finished_at, duration_ms, outcome, after_card)
         VALUES ('set', '+15551230001', 'U1', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.250Z', 250, 'ok', ?)`,
        ).run(JSON.stringify(alice));
        db.prepare(
          "INSERT INTO cards VALUES ('+15551230001', 'Alice', 'Ng', NULL, NULL, '2025-01-01T00:00:00.000Z', 'U1')",
        ).run();
      });

      const upgraded = openSqliteStore(path);
      expect(await upgraded.ownersOf('+15551230001')).toEqual(['U1']);
      expect(await upgraded.history('+15551230001')).toMatchObject([
        { outcome: 'ok', durationMs: 250, after: alice, requestKey: null },
      ]);
      expect(await upgraded.lastKnownCard('+15551230001')).toMatchObject(alice);
      await upgraded.close();
      expect(inspect(path, schemaVersion)).toBe(latest);
    },
  );

  it('refuse a database written by a newer release', () => {
    const path = join(tempDir(), 'future.db');
    inspect(path, (db) => {
      migrate(db);
      db.pragma(`user_version = ${latest + 1}`);
    });
    expect(() => openSqliteStore(path)).toThrow(
      `has schema version ${latest + 1}, but this contactcard knows versions up to ${latest}`,
    );
    expect(inspect(path, schemaVersion)).toBe(latest + 1);
  });

  it('roll a failing migration back whole', () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    const broken = { version: latest + 1, sql: 'CREATE TABLE extra (a); SELECT nonsense(;' };
    expect(() => migrate(db, [...migrations, broken])).toThrow();
    expect(schemaVersion(db)).toBe(latest);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(0);
  });

  it('leave an up-to-date database alone when reopened', async () => {
    const path = join(tempDir(), 'again.db');
    const first = openSqliteStore(path);
    await first.assign('+15551230001', 'U1', 'UADMIN');
    await first.close();
    const second = openSqliteStore(path);
    expect(await second.ownersOf('+15551230001')).toEqual(['U1']);
    await second.close();
    expect(inspect(path, (db) => migrate(db))).toBe(latest);
  });
});

describe('audit trail', () => {
  const number = '+15551230001';

  it('records a change as pending, then completes it with its outcome and duration', async () => {
    const begun = await store.beginChange({
      action: 'set',
      number,
      actorId: 'U1',
      before: alice,
      after: aliceWithPhoto,
    });
    expect(begun).toEqual({
      id: begun.id,
      action: 'set',
      number,
      actorId: 'U1',
      startedAt: clock,
      finishedAt: null,
      durationMs: null,
      outcome: 'pending',
      status: null,
      message: null,
      before: alice,
      after: aliceWithPhoto,
      subject: null,
      requestKey: null,
    });

    tick(1_234);
    const done = await store.completeChange(begun.id, { outcome: 'ok' });
    expect(done).toMatchObject({ outcome: 'ok', finishedAt: clock, durationMs: 1_234, status: null });
    expect(await store.history(number)).toEqual([done]);
  });

  it('keeps Sendblue status and message of a failure', async () => {
    const begun = await store.beginChange({ action: 'assign', number, actorId: 'UADMIN', subject: 'U2' });
    const failed = await store.completeChange(begun.id, {
      outcome: 'failed',
      status: 422,
      message: 'invalid number',
      finishedAt: new Date(clock.getTime() + 80),
    });
    expect(failed).toMatchObject({
      outcome: 'failed',
      status: 422,
      message: 'invalid number',
      durationMs: 80,
    });
    expect(failed.subject).toBe('U2');
  });

  it('writes an outcome once', async () => {
    const { id } = await store.beginChange({ action: 'delete', number, actorId: 'U1' });
    await store.completeChange(id, { outcome: 'ok' });
    await expect(store.completeChange(id, { outcome: 'failed' })).rejects.toThrow('already complete (ok)');
    await expect(store.completeChange(id + 1, { outcome: 'ok' })).rejects.toThrow(`no change ${id + 1}`);
  });

  it('lists history newest first, 10 by default, for that number only', async () => {
    for (let i = 0; i < 12; i++) {
      await store.beginChange({ action: 'set', number, actorId: `U${i}` });
      tick(1_000);
    }
    await store.beginChange({ action: 'set', number: '+15559990000', actorId: 'UOTHER' });
    const history = await store.history(number);
    expect(history.map((e) => e.actorId)).toEqual([
      'U11',
      'U10',
      'U9',
      'U8',
      'U7',
      'U6',
      'U5',
      'U4',
      'U3',
      'U2',
    ]);
    expect((await store.history(number, 3)).map((e) => e.actorId)).toEqual(['U11', 'U10', 'U9']);
    expect(await store.history('+15550000000')).toEqual([]);
  });

  it('records a repeated request key once and reports the first entry', async () => {
    const first = await store.beginChange({ action: 'set', number, actorId: 'U1', requestKey: 'view-1' });
    const again = store.beginChange({ action: 'set', number, actorId: 'U1', requestKey: 'view-1' });
    await expect(again).rejects.toBeInstanceOf(DuplicateRequestError);
    await expect(again).rejects.toMatchObject({ requestKey: 'view-1', existing: first });
    expect(await store.history(number)).toHaveLength(1);

    await store.beginChange({ action: 'set', number, actorId: 'U1' });
    await store.beginChange({ action: 'set', number, actorId: 'U1' });
    expect(await store.history(number)).toHaveLength(3);
  });

  it('turns only pending entries into unknown ones', async () => {
    const ok = await store.beginChange({ action: 'set', number, actorId: 'U1' });
    await store.completeChange(ok.id, { outcome: 'ok' });
    const failed = await store.beginChange({ action: 'set', number, actorId: 'U1' });
    await store.completeChange(failed.id, { outcome: 'failed', status: 500, message: 'boom' });
    await store.beginChange({ action: 'delete', number, actorId: 'U1' });

    expect(await store.markPendingUnknown()).toBe(1);
    const [unknown, ...rest] = await store.history(number);
    expect(unknown).toMatchObject({ outcome: 'unknown', finishedAt: null, durationMs: null });
    expect(unknown?.message).toMatch(/stopped before the outcome was known/);
    expect(rest.map((e) => [e.outcome, e.message])).toEqual([
      ['failed', 'boom'],
      ['ok', null],
    ]);
    expect(await store.markPendingUnknown()).toBe(0);
  });
});

describe('assignments', () => {
  it('assign, list and unassign one owner or all', async () => {
    expect(await store.hasAssignments()).toBe(false);
    expect(await store.assign('+15551230002', 'U2', 'UADMIN')).toBe(true);
    tick(1);
    expect(await store.assign('+15551230002', 'U1', 'UADMIN')).toBe(true);
    expect(await store.assign('+15551230001', 'U1', 'UADMIN')).toBe(true);
    expect(await store.assign('+15551230001', 'U1', 'UOTHER')).toBe(false);

    expect(await store.hasAssignments()).toBe(true);
    expect(await store.ownersOf('+15551230002')).toEqual(['U2', 'U1']);
    expect(await store.numbersOf('U1')).toEqual(['+15551230001', '+15551230002']);
    expect(await store.assignments()).toEqual([
      { number: '+15551230001', userId: 'U1', assignedBy: 'UADMIN', assignedAt: clock },
      {
        number: '+15551230002',
        userId: 'U2',
        assignedBy: 'UADMIN',
        assignedAt: new Date(clock.getTime() - 1),
      },
      { number: '+15551230002', userId: 'U1', assignedBy: 'UADMIN', assignedAt: clock },
    ]);

    expect(await store.unassign('+15551230002', 'U2')).toEqual(['U2']);
    expect(await store.unassign('+15551230002', 'U2')).toEqual([]);
    await store.assign('+15551230001', 'U3', 'UADMIN');
    expect(await store.unassign('+15551230001')).toEqual(['U1', 'U3']);
    expect(await store.numbersOf('U1')).toEqual(['+15551230002']);
    expect(await store.unassign('+15551230002')).toEqual(['U1']);
    expect(await store.hasAssignments()).toBe(false);
  });
});

describe('last known cards', () => {
  it('remember, update and forget a card, photo URL included', async () => {
    expect(await store.lastKnownCard('+15551230001')).toBeUndefined();
    await store.rememberCard('+15551230001', alice, 'U1');
    tick(5_000);
    await store.rememberCard('+15551230001', aliceWithPhoto, 'U2');
    expect(await store.lastKnownCard('+15551230001')).toEqual({
      number: '+15551230001',
      ...aliceWithPhoto,
      updatedAt: clock,
      updatedBy: 'U2',
    });
    await store.forgetCard('+15551230001');
    expect(await store.lastKnownCard('+15551230001')).toBeUndefined();
  });

  it('knownNumbers joins assignments, cards and changes, sorted and once each', async () => {
    await store.assign('+15550000003', 'U1', 'UADMIN');
    await store.rememberCard('+15550000001', alice, 'U1');
    await store.rememberCard('+15550000003', alice, 'U1');
    await store.beginChange({ action: 'delete', number: '+15550000002', actorId: 'U1' });
    expect(await store.knownNumbers()).toEqual(['+15550000001', '+15550000002', '+15550000003']);
  });
});

describe('on disk', () => {
  it('keeps everything across close and reopen', async () => {
    const path = join(tempDir(), 'contactcard.db');
    const first = openSqliteStore(path, { now: () => clock });
    await first.assign('+15551230001', 'U1', 'UADMIN');
    await first.rememberCard('+15551230001', aliceWithPhoto, 'U1');
    const { id } = await first.beginChange({
      action: 'set',
      number: '+15551230001',
      actorId: 'U1',
      requestKey: 'k',
    });
    await first.completeChange(id, { outcome: 'ok' });
    await first.close();

    const second = openSqliteStore(path);
    cleanups.push(() => second.close());
    expect(await second.ownersOf('+15551230001')).toEqual(['U1']);
    expect(await second.lastKnownCard('+15551230001')).toMatchObject(aliceWithPhoto);
    expect(await second.history('+15551230001')).toMatchObject([{ id, outcome: 'ok', requestKey: 'k' }]);
    await expect(
      second.beginChange({ action: 'set', number: '+15551230001', actorId: 'U1', requestKey: 'k' }),
    ).rejects.toBeInstanceOf(DuplicateRequestError);
  });
});
