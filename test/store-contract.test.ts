// One contract for every Store: the same cases run against SQLite and against a real PostgreSQL
// server (see helpers/postgres.ts for where that comes from). Cases that only make sense with replicas
// sharing a database (advisory locks, two pools racing) follow in "postgres only".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate, migrations, schemaVersion } from '../src/adapters/store/migrations.js';
import { openStore, storeKind } from '../src/adapters/store/open.js';
import { openPostgresStore, PostgresStore, redactPassword } from '../src/adapters/store/postgres.js';
import { migratePostgres, pgMigrations, pgSchemaVersion } from '../src/adapters/store/postgres-migrations.js';
import { openSqliteStore, SqliteStore } from '../src/adapters/store/sqlite.js';
import {
  type CardSnapshot,
  type ChangeEntry,
  DuplicateRequestError,
  type NewApproval,
  OUTSIDE_ACTOR,
  type Store,
  TooManyWaitingError,
} from '../src/adapters/store/types.js';
import { pictureOf, statuses } from '../src/domain/card/picture.js';
import { postgresOrSkip } from './helpers/postgres.js';

const server = await postgresOrSkip();
afterAll(async () => {
  await server?.stop();
});

const alice: CardSnapshot = { firstName: 'Alice', lastName: 'Ng', displayName: null, photoUrl: null };
const aliceWithPhoto: CardSnapshot = { ...alice, photoUrl: 'https://example.com/alice.png' };
const bob: CardSnapshot = { firstName: 'Bob', lastName: null, displayName: 'Bobby', photoUrl: null };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface OpenOptions {
  now?: (() => Date) | undefined;
  maxWaiting?: number;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  available: boolean;
  versions: readonly number[];
  /** The pending rows are the queue (shared by replicas), so an orphan's row blocks its number. */
  turnsInDatabase: boolean;
  /** runExclusive really excludes a second store. */
  exclusive: boolean;
  /** A new, empty database. */
  fresh(): Promise<string>;
  open(location: string, options: OpenOptions): Promise<Store>;
  schemaVersion(location: string): Promise<number>;
  /** Pretends that a newer release wrote the database. */
  setSchemaVersion(location: string, version: number): Promise<void>;
  /** Migrates an empty database to `version` only and writes rows as that version's code would. */
  buildOld(location: string, version: number): Promise<void>;
  /** Runs the migrations plus one that fails half-way. */
  migrateBroken(location: string): Promise<{ error: unknown; version: number; extraTable: boolean }>;
  /** Runs the migrations again on an up-to-date database: the version reached. */
  migrateAgain(location: string): Promise<number>;
  tables(location: string): Promise<string[]>;
}

function inspect<T>(path: string, look: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return look(db);
  } finally {
    db.close();
  }
}

const sqlite: Backend = {
  name: 'sqlite',
  available: true,
  versions: migrations.map((m) => m.version),
  turnsInDatabase: false,
  exclusive: false,
  async fresh() {
    return join(tempDir(), 'contactcard.db');
  },
  async open(path, options) {
    return openSqliteStore(path, options);
  },
  async schemaVersion(path) {
    return inspect(path, schemaVersion);
  },
  async setSchemaVersion(path, version) {
    inspect(path, (db) => db.pragma(`user_version = ${version}`));
  },
  async buildOld(path, version) {
    inspect(path, (db) => {
      migrate(db, migrations.slice(0, version));
      db.prepare(
        "INSERT INTO assignments VALUES ('+15551230001', 'U1', 'UADMIN', '2025-01-01T00:00:00.000Z')",
      ).run();
      db.prepare(
        `INSERT INTO changes (action, number, actor_id, started_at, finished_at, duration_ms, outcome, after_card)
         VALUES ('set', '+15551230001', 'U1', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.250Z', 250, 'ok', ?)`,
      ).run(JSON.stringify(alice));
      db.prepare(
        `INSERT INTO changes (action, number, actor_id, started_at, outcome)
         VALUES ('delete', '+15551230009', 'U9', '2025-01-01T00:00:01.000Z', 'pending')`,
      ).run();
      db.prepare(
        "INSERT INTO cards VALUES ('+15551230001', 'Alice', 'Ng', NULL, NULL, '2025-01-01T00:00:00.000Z', 'U1')",
      ).run();
    });
  },
  async migrateBroken(path) {
    return inspect(path, (db) => {
      const broken = { version: migrations.length + 1, sql: 'CREATE TABLE extra (a); SELECT nonsense(;' };
      let error: unknown;
      try {
        migrate(db, [...migrations, broken]);
      } catch (caught) {
        error = caught;
      }
      const extraTable =
        db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get() === 1;
      return { error, version: schemaVersion(db), extraTable };
    });
  },
  async migrateAgain(path) {
    return inspect(path, (db) => migrate(db));
  },
  async tables(path) {
    return inspect(path, (db) =>
      db
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all(),
    );
  },
};

async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

const postgres: Backend = {
  name: 'postgres',
  available: server !== undefined,
  versions: pgMigrations.map((m) => m.version),
  turnsInDatabase: true,
  exclusive: true,
  async fresh() {
    if (!server) throw new Error('no PostgreSQL server');
    return server.newDatabase();
  },
  open: (url, options) => openPostgresStore(url, options),
  schemaVersion: (url) => withPool(url, (pool) => pgSchemaVersion(pool)),
  async setSchemaVersion(url, version) {
    await withPool(url, (pool) => pool.query('INSERT INTO schema_version (version) VALUES ($1)', [version]));
  },
  async buildOld(url, version) {
    await withPool(url, async (pool) => {
      await migratePostgres(pool, pgMigrations.slice(0, version));
      await pool.query(
        "INSERT INTO assignments VALUES ('+15551230001', 'U1', 'UADMIN', '2025-01-01T00:00:00.000Z')",
      );
      await pool.query(
        `INSERT INTO changes (action, number, actor_id, started_at, finished_at, duration_ms, outcome, after_card)
         VALUES ('set', '+15551230001', 'U1', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.250Z', 250, 'ok', $1)`,
        [JSON.stringify(alice)],
      );
      await pool.query(
        `INSERT INTO changes (action, number, actor_id, started_at, outcome)
         VALUES ('delete', '+15551230009', 'U9', '2025-01-01T00:00:01.000Z', 'pending')`,
      );
      await pool.query(
        "INSERT INTO cards VALUES ('+15551230001', 'Alice', 'Ng', NULL, NULL, '2025-01-01T00:00:00.000Z', 'U1')",
      );
    });
  },
  async migrateBroken(url) {
    return withPool(url, async (pool) => {
      const broken = {
        version: pgMigrations.length + 1,
        sql: 'CREATE TABLE extra (a int); SELECT nonsense(;',
      };
      let error: unknown;
      try {
        await migratePostgres(pool, [...pgMigrations, broken]);
      } catch (caught) {
        error = caught;
      }
      const { rows } = await pool.query<{ present: boolean }>(
        "SELECT to_regclass('extra') IS NOT NULL AS present",
      );
      return { error, version: await pgSchemaVersion(pool), extraTable: rows[0]?.present === true };
    });
  },
  migrateAgain: (url) => withPool(url, (pool) => migratePostgres(pool)),
  async tables(url) {
    return withPool(url, async (pool) => {
      const { rows } = await pool.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      return rows.map((row) => row.name);
    });
  },
};

let clock: Date;
const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
beforeEach(() => {
  clock = new Date('2026-03-01T12:00:00.000Z');
});

/** A gate that a test opens when it pleases. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

it('both stores have the same schema versions', () => {
  expect(migrations.map((m) => m.version)).toEqual(pgMigrations.map((m) => m.version));
});

describe.each([sqlite, postgres])('$name store', (backend) => {
  const latest = backend.versions.length;
  const number = '+15551230001';

  /** Opens a store on `location` (a fresh database when omitted), closed after the test. */
  async function open(location?: string, options: OpenOptions = {}): Promise<Store> {
    const store = await backend.open(location ?? (await backend.fresh()), { now: () => clock, ...options });
    cleanups.push(() => store.close());
    return store;
  }

  describe.skipIf(!backend.available)('contract', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });

    describe('migrations', () => {
      it('are numbered 1, 2, … with no gap', () => {
        expect(backend.versions).toEqual(backend.versions.map((_, i) => i + 1));
      });

      it('create the schema on an empty database', async () => {
        const location = await backend.fresh();
        await (await open(location)).close();
        expect(await backend.tables(location)).toEqual(
          expect.arrayContaining(['assignments', 'cards', 'changes', 'instances']),
        );
        expect(await backend.schemaVersion(location)).toBe(latest);
      });

      it.each(backend.versions.slice(0, -1))(
        'upgrade a version %i database, keeping its data',
        async (from) => {
          const location = await backend.fresh();
          await backend.buildOld(location, from);
          expect(await backend.schemaVersion(location)).toBe(from);

          const upgraded = await open(location);
          expect(await upgraded.ownersOf('+15551230001')).toEqual(['U1']);
          expect(await upgraded.history('+15551230001')).toMatchObject([
            { outcome: 'ok', durationMs: 250, after: alice, requestKey: null, instanceId: null },
          ]);
          expect(await upgraded.lastKnownCard('+15551230001')).toMatchObject(alice);
          // A change left pending by the old release belongs to no instance: an orphan.
          expect(await upgraded.markOrphansUnknown()).toBe(1);
          expect(await upgraded.history('+15551230009')).toMatchObject([
            { outcome: 'unknown', actorId: 'U9' },
          ]);
          await upgraded.close();
          expect(await backend.schemaVersion(location)).toBe(latest);
        },
      );

      it('refuse a database written by a newer release', async () => {
        const location = await backend.fresh();
        await (await open(location)).close();
        await backend.setSchemaVersion(location, latest + 1);
        await expect(open(location)).rejects.toThrow(
          `has schema version ${latest + 1}, but this contactcard knows versions up to ${latest}`,
        );
        expect(await backend.schemaVersion(location)).toBe(latest + 1);
      });

      it('roll a failing migration back whole', async () => {
        const location = await backend.fresh();
        await (await open(location)).close();
        const result = await backend.migrateBroken(location);
        expect(result.error).toBeInstanceOf(Error);
        expect(result.version).toBe(latest);
        expect(result.extraTable).toBe(false);
      });

      it('leave an up-to-date database alone when reopened', async () => {
        const location = await backend.fresh();
        const first = await open(location);
        await first.assign('+15551230001', 'U1', 'UADMIN');
        await first.close();
        const second = await open(location);
        expect(await second.ownersOf('+15551230001')).toEqual(['U1']);
        await second.close();
        expect(await backend.migrateAgain(location)).toBe(latest);
      });
    });

    describe('audit trail', () => {
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
          instanceId: null,
          confirmedAt: null,
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

      it('takes the card "before" given at completion, and keeps the begin-time one otherwise', async () => {
        const replaced = await store.beginChange({
          action: 'set',
          number,
          actorId: 'U1',
          before: alice,
          after: bob,
        });
        expect(
          await store.completeChange(replaced.id, { outcome: 'ok', before: aliceWithPhoto }),
        ).toMatchObject({
          before: aliceWithPhoto,
          after: bob,
        });
        const cleared = await store.beginChange({ action: 'set', number, actorId: 'U1', before: alice });
        expect((await store.completeChange(cleared.id, { outcome: 'ok', before: null })).before).toBeNull();
        const kept = await store.beginChange({ action: 'set', number, actorId: 'U1', before: alice });
        expect((await store.completeChange(kept.id, { outcome: 'ok' })).before).toEqual(alice);
      });

      it('never records a negative duration when the clock steps back', async () => {
        const begun = await store.beginChange({ action: 'set', number, actorId: 'U1' });
        const done = await store.completeChange(begun.id, {
          outcome: 'ok',
          finishedAt: new Date(clock.getTime() - 5_000),
        });
        expect(done.durationMs).toBe(0);
      });

      it('writes an outcome once', async () => {
        const { id } = await store.beginChange({ action: 'delete', number, actorId: 'U1' });
        await store.completeChange(id, { outcome: 'ok' });
        await expect(store.completeChange(id, { outcome: 'failed' })).rejects.toThrow(
          'already complete (ok)',
        );
        await expect(store.completeChange(id + 1, { outcome: 'ok' })).rejects.toThrow(`no change ${id + 1}`);
        expect(await store.history(number)).toMatchObject([{ id, outcome: 'ok' }]);
      });

      it('lets only one of two racing completions write', async () => {
        const { id } = await store.beginChange({ action: 'set', number, actorId: 'U1' });
        const results = await Promise.allSettled([
          store.completeChange(id, { outcome: 'ok' }),
          store.completeChange(id, { outcome: 'failed', message: 'late' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
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

      it('markOrphansUnknown turns only pending entries of no live instance into unknown ones', async () => {
        const ok = await store.beginChange({ action: 'set', number, actorId: 'U1' });
        await store.completeChange(ok.id, { outcome: 'ok' });
        const failed = await store.beginChange({ action: 'set', number, actorId: 'U1' });
        await store.completeChange(failed.id, { outcome: 'failed', status: 500, message: 'boom' });
        await store.beginChange({ action: 'delete', number, actorId: 'U1' });

        expect(await store.markOrphansUnknown()).toBe(1);
        const [unknown, ...rest] = await store.history(number);
        expect(unknown).toMatchObject({ outcome: 'unknown', finishedAt: null, durationMs: null });
        expect(unknown?.message).toMatch(/stopped before the outcome was known/);
        expect(rest.map((e) => [e.outcome, e.message])).toEqual([
          ['failed', 'boom'],
          ['ok', null],
        ]);
        expect(await store.markOrphansUnknown()).toBe(0);
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
        // Bytewise order whatever the database's locale: '+' < '1' < 'a' < 'b' ('+15550000010' last).
        await store.assign('+15550000010', 'U1', 'UADMIN');
        expect(await store.knownNumbers()).toEqual([
          '+15550000001',
          '+15550000002',
          '+15550000003',
          '+15550000010',
        ]);
      });
    });

    describe('observed cards', () => {
      it('keep the last card seen at Sendblue, with when and how, beside the applied one', async () => {
        expect(await store.observedCard(number)).toBeUndefined();
        await store.observeCard(number, { card: alice, source: 'sync' });
        const seenFirst = clock;
        expect(await store.observedCard(number)).toEqual({
          number,
          card: { firstName: 'Alice', lastName: 'Ng', displayName: null },
          seenAt: seenFirst,
          source: 'sync',
        });
        tick(1_000);
        await store.observeCard(number, { card: null, source: 'editor' });
        expect(await store.observedCard(number)).toEqual({
          number,
          card: null,
          seenAt: clock,
          source: 'editor',
        });
        // The applied card is another thing: observing never touches it.
        expect(await store.lastKnownCard(number)).toBeUndefined();
        expect(await store.knownNumbers()).toEqual([number]);
      });

      it('an older read finishing late does not replace a newer observation', async () => {
        const newer = new Date(clock.getTime() + 10_000);
        await store.observeCard(number, { card: bob, source: 'drift', at: newer });
        await store.observeCard(number, { card: alice, source: 'show', at: clock });
        expect(await store.observedCard(number)).toMatchObject({ card: { firstName: 'Bob' }, seenAt: newer });
        await store.observeCard(number, { card: alice, source: 'show', at: newer });
        expect(await store.observedCard(number)).toMatchObject({
          card: { firstName: 'Alice' },
          source: 'show',
        });
      });

      it('observedCards lists every observation by number', async () => {
        await store.observeCard('+15550000002', { card: null, source: 'sync' });
        await store.observeCard('+15550000001', { card: bob, source: 'list' });
        expect(
          (await store.observedCards()).map((seen) => [seen.number, seen.card?.displayName ?? null]),
        ).toEqual([
          ['+15550000001', 'Bobby'],
          ['+15550000002', null],
        ]);
      });
    });

    describe('the whole fleet at once', () => {
      it('knownCards lists every card by number; a page each number’s latest set or delete', async () => {
        await store.rememberCard('+15550000002', alice, 'U1');
        await store.rememberCard('+15550000001', aliceWithPhoto, 'U2');
        const a1 = await store.beginChange({ action: 'set', number: '+15550000001', actorId: 'U1' });
        await store.completeChange(a1.id, { outcome: 'ok' });
        const a2 = await store.beginChange({ action: 'delete', number: '+15550000001', actorId: 'U2' });
        const b1 = await store.beginChange({ action: 'set', number: '+15550000002', actorId: 'U1' });
        // An assignment is no change to the card.
        await store.beginChange({ action: 'assign', number: '+15550000002', actorId: 'U1', subject: 'U3' });
        expect((await store.knownCards()).map((card) => [card.number, card.updatedBy])).toEqual([
          ['+15550000001', 'U2'],
          ['+15550000002', 'U1'],
        ]);
        const page = await store.fleetPage(['+15550000002', '+15550000001'], { offset: 0, limit: 10 });
        expect(page.map((record) => [record.number, record.latest?.id])).toEqual([
          ['+15550000001', a2.id],
          ['+15550000002', b1.id],
        ]);
      });
    });

    describe('a page of the fleet', () => {
      const card = fc.constantFrom(alice, aliceWithPhoto, bob);
      // What may happen to one number, in any order: everything its status is computed from.
      const step = fc.oneof(
        fc.record({ kind: fc.constant('remember' as const), card }),
        fc.record({ kind: fc.constant('forget' as const) }),
        fc.record({ kind: fc.constant('observe' as const), card: fc.option(card, { nil: null }) }),
        fc.record({
          kind: fc.constant('change' as const),
          action: fc.constantFrom('set' as const, 'delete' as const),
          outside: fc.boolean(),
          outcome: fc.constantFrom('ok' as const, 'failed' as const, 'pending' as const),
          confirm: fc.boolean(),
        }),
        fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 1_000) }),
      );
      let run = 0;

      async function play(
        target: string,
        steps: ReadonlyArray<typeof step extends fc.Arbitrary<infer T> ? T : never>,
      ) {
        for (const happening of steps) {
          if (happening.kind === 'remember') await store.rememberCard(target, happening.card, 'U1');
          else if (happening.kind === 'forget') await store.forgetCard(target);
          else if (happening.kind === 'observe')
            await store.observeCard(target, { card: happening.card, source: 'drift' });
          else if (happening.kind === 'tick') tick(happening.ms);
          else {
            const actorId = happening.outside ? OUTSIDE_ACTOR : 'U1';
            const entry = await store.beginChange({
              action: happening.action,
              number: target,
              actorId,
              instanceId: null,
            });
            if (happening.outcome !== 'pending')
              await store.completeChange(entry.id, { outcome: happening.outcome });
            if (happening.confirm) await store.confirmChange(entry.id);
          }
        }
      }

      it('counts and filters every status as pictureOf computes it from the same facts', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(step, { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
            fc.boolean(),
            async (fleet, orphans) => {
              run += 1;
              const numbers = fleet.map(
                (_, i) => `+1555${String(run).padStart(4, '0')}${String(i).padStart(3, '0')}`,
              );
              for (const [i, steps] of fleet.entries()) await play(numbers[i] as string, steps);
              // Pending changes of no instance become "outcome unknown".
              if (orphans) await store.markOrphansUnknown();
              const expected = new Map<string, string>();
              for (const target of numbers) {
                const [applied, observed, history] = await Promise.all([
                  store.lastKnownCard(target),
                  store.observedCard(target),
                  store.history(target, 50),
                ]);
                const latest = history.find((entry) => entry.action === 'set' || entry.action === 'delete');
                expected.set(target, pictureOf({ applied, observed, latest }).status);
              }
              const tally: Record<string, number> = {};
              for (const status of expected.values()) tally[status] = (tally[status] ?? 0) + 1;
              expect(await store.statusCounts(numbers)).toEqual(tally);
              for (const status of statuses) {
                const page = await store.fleetPage(numbers, { status, offset: 0, limit: 100 });
                expect(page.map((record) => record.number)).toEqual(
                  numbers.filter((target) => expected.get(target) === status),
                );
              }
            },
          ),
          { numRuns: 40 },
        );
      });

      it('reads one page in number order, each number with its facts and owners, duplicates once', async () => {
        const numbers = ['+15550000003', '+15550000001', '+15550000002', '+15550000001', '+15550000004'];
        await store.rememberCard('+15550000002', alice, 'U1');
        await store.observeCard('+15550000003', { card: bob, source: 'sync' });
        const set = await store.beginChange({ action: 'set', number: '+15550000002', actorId: 'U1' });
        await store.completeChange(set.id, { outcome: 'ok' });
        await store.beginChange({ action: 'assign', number: '+15550000002', actorId: 'U1', subject: 'U3' });
        await store.assign('+15550000002', 'U3', 'U1');
        tick(1_000);
        await store.assign('+15550000002', 'U2', 'U1');
        const page = await store.fleetPage(numbers, { offset: 1, limit: 2 });
        expect(page.map((record) => record.number)).toEqual(['+15550000002', '+15550000003']);
        expect(page[0]).toMatchObject({
          applied: { firstName: 'Alice', updatedBy: 'U1' },
          observed: undefined,
          latest: { id: set.id, outcome: 'ok' },
          owners: ['U3', 'U2'],
        });
        expect(page[1]).toMatchObject({
          applied: undefined,
          observed: { card: { displayName: 'Bobby' } },
          owners: [],
        });
        expect(await store.statusCounts(numbers)).toEqual({ submitted: 1, live: 1, 'not read yet': 2 });
        expect(await store.fleetPage(numbers, { status: 'live', offset: 1, limit: 25 })).toEqual([]);
        expect(await store.statusCounts([])).toEqual({});
      });
    });

    describe('live confirmation', () => {
      it('records when Sendblue was seen showing a change’s card', async () => {
        const change = await store.beginChange({
          action: 'set',
          number: '+15551230001',
          actorId: 'U1',
          after: alice,
        });
        await store.completeChange(change.id, { outcome: 'ok' });
        tick(4_000);
        await store.confirmChange(change.id);
        expect((await store.history('+15551230001'))[0]?.confirmedAt).toEqual(clock);
      });
    });

    describe('bulk jobs', () => {
      it('are created running, found by id and by state, and updated', async () => {
        const job = await store.createBulkJob({
          actorId: 'U1',
          channel: 'C1',
          numbers: ['+15550000001', '+15550000002'],
          card: alice,
        });
        expect(job).toMatchObject({
          actorId: 'U1',
          channel: 'C1',
          messageTs: null,
          state: 'running',
          card: alice,
        });
        expect(job.numbers).toEqual(['+15550000001', '+15550000002']);
        await store.updateBulkJob(job.id, { messageTs: '1700000000.000001' });
        await store.updateBulkJob(job.id, { state: 'done' });
        expect(await store.bulkJob(job.id)).toMatchObject({ messageTs: '1700000000.000001', state: 'done' });
        expect(await store.bulkJobs('running')).toEqual([]);
        expect((await store.bulkJobs('done')).map((j) => j.id)).toEqual([job.id]);
        expect(await store.bulkJob(job.id + 1000)).toBeUndefined();
      });

      it('a draft starts once, however many ask at the same time', async () => {
        const draft = await store.createBulkJob({
          actorId: 'U1',
          channel: 'C1',
          numbers: ['+15550000001'],
          card: alice,
          state: 'draft',
        });
        const started = await Promise.all([
          store.startDraftJob(draft.id),
          store.startDraftJob(draft.id),
          store.startDraftJob(draft.id),
        ]);
        expect(started.filter(Boolean)).toHaveLength(1);
        expect((await store.bulkJob(draft.id))?.state).toBe('running');
      });
    });

    describe('approvals', () => {
      const day = 86_400_000;
      const proposed = (n: string, after: CardSnapshot | null = bob) => ({ number: n, before: alice, after });
      const ask = (changes: ReturnType<typeof proposed>[], extra: Partial<NewApproval> = {}) =>
        store.requestApproval({
          kind: 'set',
          requesterId: 'UOWNER',
          channel: 'C1',
          changes,
          expiresAt: new Date(clock.getTime() + day),
          ...extra,
        });

      it('are recorded waiting, found by id, number, requester and state, and keep their messages', async () => {
        const { approval, superseded, duplicate } = await ask([proposed(number)], {
          photoHosted: true,
          requestKey: 'view-1',
        });
        expect(duplicate).toBe(false);
        expect(superseded).toEqual([]);
        expect(approval).toMatchObject({
          kind: 'set',
          requesterId: 'UOWNER',
          channel: 'C1',
          changes: [{ number, before: alice, after: bob }],
          photoHosted: true,
          jobId: null,
          state: 'waiting',
          createdAt: clock,
          expiresAt: new Date(clock.getTime() + day),
          decidedBy: null,
          messages: [],
        });
        const bulk = await ask([proposed('+15550000001'), proposed('+15550000002', null)], {
          kind: 'bulk',
          jobId: 7,
          requesterId: 'UOTHER',
        });
        await store.addApprovalMessages(approval.id, [{ channel: 'C2', ts: '1.1' }]);
        await store.addApprovalMessages(approval.id, [{ channel: 'D3', ts: '2.2' }]);
        expect((await store.approval(approval.id))?.messages).toEqual([
          { channel: 'C2', ts: '1.1' },
          { channel: 'D3', ts: '2.2' },
        ]);
        expect((await store.approvals({ number: '+15550000002' })).map((a) => a.id)).toEqual([
          bulk.approval.id,
        ]);
        expect((await store.approvals({ requesterId: 'UOWNER' })).map((a) => a.id)).toEqual([approval.id]);
        expect((await store.approvals({ state: 'waiting' })).map((a) => a.id)).toEqual([
          bulk.approval.id,
          approval.id,
        ]);
        expect((await store.approvals({ limit: 1 })).map((a) => a.id)).toEqual([bulk.approval.id]);
        expect((await store.approval(bulk.approval.id))?.jobId).toBe(7);
        expect(await store.approval(bulk.approval.id + 100)).toBeUndefined();
      });

      it('a repeated request key finds the first request and changes nothing', async () => {
        const first = await ask([proposed(number)], { requestKey: 'view-2' });
        const again = await ask([proposed(number, null)], { requestKey: 'view-2' });
        expect(again).toEqual({ approval: first.approval, superseded: [], duplicate: true });
        expect(await store.approvals()).toHaveLength(1);
      });

      it('a newer request supersedes the waiting ones it covers entirely, and only those', async () => {
        const single = await ask([proposed(number)]);
        const wide = await ask([proposed(number), proposed('+15550000002')], { kind: 'bulk' });
        expect(wide.superseded.map((a) => [a.id, a.state, a.supersededBy])).toEqual([
          [single.approval.id, 'superseded', wide.approval.id],
        ]);
        // One number of a bulk request does not cover the whole job: it stays waiting.
        const narrow = await ask([proposed('+15550000002')]);
        expect(narrow.superseded).toEqual([]);
        expect((await store.approval(single.approval.id))?.state).toBe('superseded');
        expect((await store.approval(wide.approval.id))?.state).toBe('waiting');
        const decided = await store.decideApproval(narrow.approval.id, { state: 'rejected', by: 'UADMIN' });
        expect(decided?.state).toBe('rejected');
        // A decided request is not superseded any more.
        expect((await ask([proposed('+15550000002')])).superseded).toEqual([]);
      });

      it('are decided once, however many decide at the same time; not after they expire', async () => {
        const { approval } = await ask([proposed(number)]);
        const decisions = await Promise.all(
          ['UA1', 'UA2', 'UA3'].map((by) => store.decideApproval(approval.id, { state: 'approved', by })),
        );
        const won = decisions.filter((d) => d !== undefined);
        expect(won).toHaveLength(1);
        expect(won[0]).toMatchObject({ state: 'approved', decidedAt: clock });
        expect(await store.decideApproval(approval.id, { state: 'rejected', by: 'UA4' })).toBeUndefined();

        const late = await ask([proposed('+15550000003')]);
        const after = new Date(clock.getTime() + day);
        expect(
          await store.decideApproval(late.approval.id, { state: 'approved', by: 'UA1', at: after }),
        ).toBe(undefined);
        const rejected = await ask([proposed('+15550000004')]);
        expect(
          await store.decideApproval(rejected.approval.id, {
            state: 'rejected',
            by: 'UA1',
            reason: 'off brand',
          }),
        ).toMatchObject({ state: 'rejected', decidedBy: 'UA1', reason: 'off brand' });
      });

      it('expire once their time is up, each once', async () => {
        const soon = await ask([proposed(number)], { expiresAt: new Date(clock.getTime() + 1_000) });
        const later = await ask([proposed('+15550000002')]);
        expect(await store.expireApprovals(clock)).toEqual([]);
        const expired = await store.expireApprovals(new Date(clock.getTime() + 1_000));
        expect(expired.map((a) => [a.id, a.state])).toEqual([[soon.approval.id, 'expired']]);
        expect(await store.expireApprovals(new Date(clock.getTime() + 1_000))).toEqual([]);
        expect((await store.approval(later.approval.id))?.state).toBe('waiting');
      });
    });

    describe('hosted photos', () => {
      it('keep the bytes exactly, list per number oldest first without them, and delete', async () => {
        const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0xfe, 0xff, 0xd9]);
        await store.savePhoto({ id: 'photo-a', number: '+15551230001', jpeg, createdBy: 'U1' });
        tick(1_000);
        await store.savePhoto({
          id: 'photo-b',
          number: '+15551230001',
          jpeg: Buffer.alloc(3),
          createdBy: 'U2',
        });
        await store.savePhoto({
          id: 'photo-c',
          number: '+15551230002',
          jpeg: Buffer.alloc(5),
          createdBy: 'U2',
        });
        const stored = await store.photo('photo-a');
        expect(stored?.jpeg.equals(jpeg)).toBe(true);
        expect(stored).toMatchObject({ id: 'photo-a', number: '+15551230001', createdBy: 'U1' });
        expect((await store.photos('+15551230001')).map((p) => [p.id, p.bytes])).toEqual([
          ['photo-a', 8],
          ['photo-b', 3],
        ]);
        expect((await store.photos()).map((p) => p.id)).toEqual(['photo-a', 'photo-b', 'photo-c']);
        await store.deletePhoto('photo-a');
        expect(await store.photo('photo-a')).toBeUndefined();
        expect(await store.photo('no-such-photo')).toBeUndefined();
        await expect(
          store.savePhoto({ id: 'photo-b', number: '+1', jpeg, createdBy: 'U1' }),
        ).rejects.toThrow();
      });
    });

    describe('kept', () => {
      it('keeps everything across close and reopen', async () => {
        const location = await backend.fresh();
        const first = await open(location);
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

        const second = await open(location, { now: undefined });
        expect(await second.ownersOf('+15551230001')).toEqual(['U1']);
        expect(await second.lastKnownCard('+15551230001')).toMatchObject(aliceWithPhoto);
        expect(await second.history('+15551230001')).toMatchObject([{ id, outcome: 'ok', requestKey: 'k' }]);
        await expect(
          second.beginChange({ action: 'set', number: '+15551230001', actorId: 'U1', requestKey: 'k' }),
        ).rejects.toBeInstanceOf(DuplicateRequestError);
      });
    });

    describe('instance leases', () => {
      it('record changes as the registered instance’s, unless told otherwise', async () => {
        expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBeNull();
        await store.registerInstance('replica-a', 30_000);
        expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBe(
          'replica-a',
        );
        const other = await store.beginChange({
          action: 'set',
          number,
          actorId: 'U1',
          instanceId: 'replica-b',
        });
        expect(other.instanceId).toBe('replica-b');
        const nobody = await store.beginChange({ action: 'set', number, actorId: 'U1', instanceId: null });
        expect(nobody.instanceId).toBeNull();
        expect((await store.history(number)).map((e) => e.instanceId)).toEqual([
          null,
          'replica-b',
          'replica-a',
          null,
        ]);
        await store.releaseInstance('replica-a');
        expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBeNull();
      });

      it('refuse an empty id or a lease that is not positive', async () => {
        await expect(store.registerInstance('', 1_000)).rejects.toThrow('non-empty');
        await expect(store.registerInstance('a', 0)).rejects.toThrow('positive');
        await expect(store.renewInstance('a', Number.NaN)).rejects.toThrow('positive');
      });

      it('markOrphansUnknown marks only the pending changes of dead instances, and counts them', async () => {
        const location = await backend.fresh();
        const a = await open(location);
        const b = await open(location);
        const c = await open(location);
        await a.registerInstance('a', 30_000);
        await b.registerInstance('b', 10_000);
        await c.registerInstance('c', 30_000);

        const a1 = await a.beginChange({ action: 'set', number, actorId: 'UA' });
        const a2 = await a.beginChange({ action: 'set', number: '+15551230002', actorId: 'UA' });
        await a.completeChange(a2.id, { outcome: 'ok' });
        const b1 = await b.beginChange({ action: 'set', number, actorId: 'UB' });
        const c1 = await c.beginChange({ action: 'set', number, actorId: 'UC' });
        const nobody = await a.beginChange({ action: 'set', number, actorId: 'UN', instanceId: null });
        const ghost = await a.beginChange({ action: 'set', number, actorId: 'UG', instanceId: 'ghost' });
        await c.releaseInstance('c'); // a clean stop with c1 still pending

        tick(5_000);
        expect(await b.markOrphansUnknown()).toBe(3);
        const outcome = async (entry: ChangeEntry) =>
          (await a.history(entry.number, 50)).find((e) => e.id === entry.id)?.outcome;
        expect(await outcome(c1)).toBe('unknown');
        expect(await outcome(nobody)).toBe('unknown');
        expect(await outcome(ghost)).toBe('unknown');
        expect(await outcome(a1)).toBe('pending');
        expect(await outcome(b1)).toBe('pending');
        expect(await outcome(a2)).toBe('ok');
        expect((await a.history(number, 50)).find((e) => e.id === c1.id)).toMatchObject({
          finishedAt: null,
          durationMs: null,
          message: expect.stringContaining('stopped before the outcome was known'),
        });
        expect(await a.markOrphansUnknown()).toBe(0);

        // b's lease (10 s from t=0) lapses unless renewed; a renews its own in time.
        tick(4_000);
        await a.renewInstance('a', 30_000);
        tick(2_000); // t = 11 s
        expect(await a.markOrphansUnknown()).toBe(1);
        expect(await outcome(b1)).toBe('unknown');
        expect(await outcome(a1)).toBe('pending');
        // A live instance's change can still be completed; a dead one's no longer.
        await expect(b.completeChange(b1.id, { outcome: 'ok' })).rejects.toThrow(
          'already complete (unknown)',
        );
        expect((await a.completeChange(a1.id, { outcome: 'ok' })).outcome).toBe('ok');

        // b comes back: renewing re-creates its lease, and its new changes are safe again.
        await b.renewInstance('b', 10_000);
        const b2 = await b.beginChange({ action: 'set', number, actorId: 'UB' });
        expect(await a.markOrphansUnknown()).toBe(0);
        expect(await outcome(b2)).toBe('pending');
      });
    });

    describe('turns', () => {
      it('run 20 changes to one number, begun alternately by two stores, one at a time in id order', async () => {
        const location = await backend.fresh();
        const stores = [await open(location), await open(location)] as const;
        const entries: Array<{ entry: ChangeEntry; store: Store }> = [];
        for (let i = 0; i < 20; i++) {
          const store = stores[i % 2] as Store;
          entries.push({
            entry: await store.beginChange({ action: 'set', number, actorId: `U${i}` }),
            store,
          });
        }
        const ids = entries.map(({ entry }) => entry.id);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        expect(await stores[0].turns.waiting(number)).toBe(20);

        const spans: Array<{ id: number; start: number; end: number }> = [];
        await Promise.all(
          entries.map(({ entry, store }) =>
            store.turns.run(entry, async () => {
              const start = performance.now();
              await sleep(2);
              spans.push({ id: entry.id, start, end: performance.now() });
              await store.completeChange(entry.id, { outcome: 'ok' });
            }),
          ),
        );
        expect(spans.map((s) => s.id)).toEqual(ids);
        for (let i = 1; i < spans.length; i++) {
          expect(spans[i]?.start).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? Number.POSITIVE_INFINITY);
        }
        expect(await stores[1].turns.waiting(number)).toBe(0);
      });

      it('let another number proceed while one waits', async () => {
        const location = await backend.fresh();
        const a = await open(location);
        const b = await open(location);
        const other = '+15557770000';
        const a1 = await a.beginChange({ action: 'set', number, actorId: 'U1' });
        const a2 = await b.beginChange({ action: 'set', number, actorId: 'U2' });
        const o1 = await b.beginChange({ action: 'set', number: other, actorId: 'U3' });
        const held = gate();
        const started = gate();
        const log: string[] = [];
        const first = a.turns.run(a1, async () => {
          log.push('a1');
          started.open();
          await held.wait;
          await a.completeChange(a1.id, { outcome: 'ok' });
        });
        const second = b.turns.run(a2, async () => {
          log.push('a2');
          await b.completeChange(a2.id, { outcome: 'ok' });
        });
        const parallel = b.turns.run(o1, async () => {
          log.push('o1');
          await b.completeChange(o1.id, { outcome: 'ok' });
          return 'done';
        });
        await started.wait;
        expect(await parallel).toBe('done');
        expect(log).not.toContain('a2');
        expect(await a.turns.waiting(number)).toBe(2);
        expect(await a.turns.waiting(other)).toBe(0);
        held.open();
        await Promise.all([first, second]);
        expect(log.filter((step) => step !== 'o1')).toEqual(['a1', 'a2']);
      });

      it('refuse a change with more than maxWaiting ahead of it, without running it', async () => {
        const s = await open(undefined, { maxWaiting: 2 });
        const entries: ChangeEntry[] = [];
        for (let i = 0; i < 4; i++)
          entries.push(await s.beginChange({ action: 'set', number, actorId: `U${i}` }));
        const held = gate();
        const ran: number[] = [];
        const runs = entries.map((entry, i) =>
          s.turns.run(entry, async () => {
            ran.push(entry.id);
            if (i === 0) await held.wait;
            await s.completeChange(entry.id, { outcome: 'ok' });
          }),
        );
        const refused = runs[3] as Promise<void>;
        await expect(refused).rejects.toBeInstanceOf(TooManyWaitingError);
        await expect(refused).rejects.toMatchObject({ number, ahead: 3, maxWaiting: 2 });
        const last = entries[3] as ChangeEntry;
        await s.completeChange(last.id, { outcome: 'failed', message: 'too many waiting' });
        held.open();
        await Promise.all(runs.slice(0, 3));
        expect(ran).toEqual(entries.slice(0, 3).map((e) => e.id));
      });

      it(`${backend.turnsInDatabase ? 'wait for' : 'do not wait for'} a dead instance’s pending change until markOrphansUnknown`, async () => {
        const location = await backend.fresh();
        const dead = await open(location);
        await dead.registerInstance('dead', 1_000);
        const orphan = await dead.beginChange({ action: 'set', number, actorId: 'UDEAD' });
        await dead.close(); // died without completing it

        const live = await open(location);
        await live.registerInstance('live', 60_000);
        const mine = await live.beginChange({ action: 'set', number, actorId: 'ULIVE' });
        let ran = false;
        const turn = live.turns.run(mine, async () => {
          ran = true;
          await live.completeChange(mine.id, { outcome: 'ok' });
        });
        if (backend.turnsInDatabase) {
          await sleep(500);
          expect(ran).toBe(false);
          expect(await live.markOrphansUnknown()).toBe(0); // its lease has not lapsed yet
          tick(1_001);
          expect(await live.markOrphansUnknown()).toBe(1);
        }
        await turn;
        expect(ran).toBe(true);
        expect((await live.history(number)).map((e) => [e.id, e.outcome])).toEqual([
          [mine.id, 'ok'],
          [orphan.id, backend.turnsInDatabase ? 'unknown' : 'pending'],
        ]);
      });
    });

    describe('runExclusive', () => {
      it(`${backend.exclusive ? 'runs a job on one store at a time' : 'always runs the job'}`, async () => {
        const location = await backend.fresh();
        const a = await open(location);
        const b = await open(location);
        const held = gate();
        const started = gate();
        const running = a.runExclusive('refresh-lines', async () => {
          started.open();
          await held.wait;
          return 'a';
        });
        await started.wait;
        const second = await b.runExclusive('refresh-lines', async () => 'b');
        expect(second).toEqual(backend.exclusive ? { ran: false } : { ran: true, value: 'b' });
        expect(await b.runExclusive('another-job', async () => 'other')).toEqual({
          ran: true,
          value: 'other',
        });
        held.open();
        expect(await running).toEqual({ ran: true, value: 'a' });
        expect(await b.runExclusive('refresh-lines', async () => 'b')).toEqual({ ran: true, value: 'b' });

        // A job that throws releases the lock too.
        await expect(
          a.runExclusive('refresh-lines', async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await b.runExclusive('refresh-lines', async () => 'again')).toEqual({
          ran: true,
          value: 'again',
        });
      });
    });

    describe('ping', () => {
      it('is true while the database answers, false once closed', async () => {
        const s = await open();
        expect(await s.ping()).toBe(true);
        await s.close();
        expect(await s.ping()).toBe(false);
      });
    });
  });
});

describe.skipIf(!server)('postgres only', () => {
  const number = '+15551230001';
  const url = () => (server as NonNullable<typeof server>).newDatabase();
  async function open(location: string, options: Parameters<typeof openPostgresStore>[1] = {}) {
    const store = await openPostgresStore(location, { now: () => clock, ...options });
    cleanups.push(() => store.close());
    return store;
  }

  it('two replicas starting together on an empty database both migrate it, once', async () => {
    const location = await url();
    const [a, b] = await Promise.all([open(location), open(location)]);
    expect(await a.ping()).toBe(true);
    expect(await b.ping()).toBe(true);
    const versions = await withPool(location, async (pool) => {
      const { rows } = await pool.query<{ version: number }>(
        'SELECT version FROM schema_version ORDER BY version',
      );
      return rows.map((row) => row.version);
    });
    expect(versions).toEqual(pgMigrations.map((m) => m.version));
  });

  it('a request key raced from two replicas is recorded once', async () => {
    const location = await url();
    const a = await open(location);
    const b = await open(location);
    for (let round = 0; round < 10; round++) {
      // Same number (serialised by the number's lock) and different numbers (only the index decides).
      const numbers =
        round % 2 === 0 ? [number, number] : [number, `+1555000${String(round).padStart(4, '0')}`];
      const results = await Promise.allSettled([
        a.beginChange({
          action: 'set',
          number: numbers[0] as string,
          actorId: 'UA',
          requestKey: `key-${round}`,
        }),
        b.beginChange({
          action: 'set',
          number: numbers[1] as string,
          actorId: 'UB',
          requestKey: `key-${round}`,
        }),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<ChangeEntry> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(DuplicateRequestError);
      expect((lost[0]?.reason as DuplicateRequestError | undefined)?.existing).toEqual(won[0]?.value);
    }
    const { rows } = await withPool(location, (pool) =>
      pool.query<{ n: number }>('SELECT count(*)::int AS n FROM changes'),
    );
    expect(rows[0]?.n).toBe(10);
  });

  it('an approval decided from two replicas at once is decided once; requests made at once supersede in order', async () => {
    const location = await url();
    const a = await open(location);
    const b = await open(location);
    const expiresAt = new Date(clock.getTime() + 60_000);
    for (let round = 0; round < 5; round++) {
      const { approval } = await a.requestApproval({
        kind: 'delete',
        requesterId: 'UOWNER',
        channel: 'C1',
        changes: [{ number: `+1555000${round}000`, before: alice, after: null }],
        expiresAt,
      });
      const [x, y] = await Promise.all([
        a.decideApproval(approval.id, { state: 'approved', by: 'UA' }),
        b.decideApproval(approval.id, { state: 'rejected', by: 'UB', reason: 'no' }),
      ]);
      expect([x, y].filter((d) => d !== undefined)).toHaveLength(1);
    }
    const both = await Promise.all(
      [a, b].map((store) =>
        store.requestApproval({
          kind: 'set',
          requesterId: 'UOWNER',
          channel: 'C1',
          changes: [{ number, before: null, after: bob }],
          expiresAt,
        }),
      ),
    );
    // Whichever came second saw the first and superseded it: exactly one is still waiting.
    expect(both.flatMap((r) => r.superseded)).toHaveLength(1);
    expect(await a.approvals({ state: 'waiting', number })).toHaveLength(1);
  });

  it('leases follow the database clock when no clock is injected', async () => {
    const location = await url();
    const a = await open(location, { now: undefined });
    const b = await open(location, { now: undefined });
    await a.registerInstance('short', 300);
    await b.registerInstance('long', 60_000);
    await a.beginChange({ action: 'set', number, actorId: 'UA' });
    await b.beginChange({ action: 'set', number, actorId: 'UB' });
    expect(await b.markOrphansUnknown()).toBe(0);
    await sleep(400);
    expect(await b.markOrphansUnknown()).toBe(1);
    expect((await b.history(number)).map((e) => [e.actorId, e.outcome])).toEqual([
      ['UB', 'pending'],
      ['UA', 'unknown'],
    ]);
    const { rows } = await withPool(location, (pool) =>
      pool.query<{ id: string }>('SELECT id FROM instances ORDER BY id'),
    );
    expect(rows.map((row) => row.id)).toEqual(['long']); // the expired lease was removed
  });

  it('a wrong password is refused with one line that does not show it', async () => {
    const good = new URL(await url());
    if (!(server as NonNullable<typeof server>).passwordAuth) return; // a trusting server lets anyone in
    good.password = 'wrong-password-1234';
    const attempt = openPostgresStore(good.toString());
    await expect(attempt).rejects.toThrow(
      /^could not connect to PostgreSQL at 127\.0\.0\.1:\d+\/\S+ \(28P01: /,
    );
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).not.toContain('wrong-password-1234');
    expect(message).not.toContain('\n');
  });

  it('survives idle connections being cut, and a job whose connection is cut', async () => {
    const location = await url();
    const warn = vi.fn();
    const s = await open(location, { log: { warn } });
    await Promise.all([s.ping(), s.ping(), s.ping()]); // a few idle connections in the pool
    const terminate = () =>
      withPool(location, (pool) =>
        pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'contactcard'`,
        ),
      );
    await terminate();
    await vi.waitFor(() => expect(warn).toHaveBeenCalled(), { timeout: 5_000 });
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/idle connection failed/);
    await sleep(200); // the other cut connections report too
    expect(await s.ping()).toBe(true);

    const result = await s.runExclusive('cut-job', async () => {
      await terminate();
      await sleep(100);
      return 'finished';
    });
    expect(result).toEqual({ ran: true, value: 'finished' });
    expect(await s.runExclusive('cut-job', async () => 'again')).toEqual({ ran: true, value: 'again' });
    expect(await s.ping()).toBe(true);
  });

  it('openStore opens PostgreSQL for a postgres:// or postgresql:// URL', async () => {
    const location = await url();
    const viaUrl = await openStore({
      databaseUrl: location,
      sqlitePath: '/nonexistent/never.db',
      poolSize: 3,
    });
    cleanups.push(() => viaUrl.close());
    expect(viaUrl).toBeInstanceOf(PostgresStore);
    const alias = await openStore({
      databaseUrl: location.replace(/^postgres:/, 'postgresql:'),
      sqlitePath: '/nonexistent/never.db',
    });
    cleanups.push(() => alias.close());
    expect(await alias.ping()).toBe(true);
  });
});

describe('opening', () => {
  it('an unreachable PostgreSQL fails with one line naming host, port and database, not the password', async () => {
    const attempt = openPostgresStore('postgres://app:hunter2-secret@127.0.0.1:1/contactcard');
    await expect(attempt).rejects.toThrow(
      'could not connect to PostgreSQL at 127.0.0.1:1/contactcard (ECONNREFUSED)',
    );
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('\n');
  });

  it('refuses a pool smaller than 2', async () => {
    await expect(openPostgresStore('postgres://127.0.0.1:1/x', { poolSize: 1 })).rejects.toThrow(
      'at least 2',
    );
  });

  it('redacts the password from messages', () => {
    const url = 'postgres://app:p%40ss-w0rd@db.internal:5433/cc';
    expect(redactPassword(`failed for ${url}: p@ss-w0rd and p%40ss-w0rd`, url)).toBe(
      'failed for postgres://db.internal:5433/cc: *** and ***',
    );
  });

  it('openStore chooses SQLite without a URL, and refuses other schemes', async () => {
    expect(storeKind(undefined)).toBe('sqlite');
    expect(storeKind('  ')).toBe('sqlite');
    expect(storeKind('postgres://h/db')).toBe('postgres');
    expect(storeKind('POSTGRESQL://h/db')).toBe('postgres');
    expect(() => storeKind('mysql://h/db')).toThrow('must start with postgres:// or postgresql://');
    const store = await openStore({ databaseUrl: '', sqlitePath: join(tempDir(), 'contactcard.db') });
    cleanups.push(() => store.close());
    expect(store).toBeInstanceOf(SqliteStore);
  });
});
