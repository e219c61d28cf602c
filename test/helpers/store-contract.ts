// What every store contract test file shares (test/store-contract-*.test.ts, one per part of the
// store, and test/store-contract-database.test.ts for the database as a whole): the two backends,
// SQLite on a temp file and a real PostgreSQL server (see helpers/postgres.ts for where that comes
// from: without one the PostgreSQL half is skipped, except under CI, where that fails), the cards the
// cases use, and the describe blocks that run a file's cases against both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { migrate, migrations, schemaVersion } from '../../src/adapters/store/migrations.js';
import { openPostgresStore, type PostgresStore } from '../../src/adapters/store/postgres.js';
import {
  migratePostgres,
  pgMigrations,
  pgSchemaVersion,
} from '../../src/adapters/store/postgres-migrations.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite.js';
import type { CardSnapshot, Store } from '../../src/adapters/store/types.js';
import { postgresOrSkip } from './postgres.js';

const start = new Date('2026-03-01T12:00:00.000Z');
/** The contract's clock, given to every store opened: each case starts at the same instant. */
export let clock = start;
/** Moves the contract's clock on. */
export const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
const now = () => clock;

export const alice: CardSnapshot = { firstName: 'Alice', lastName: 'Ng', displayName: null, photoUrl: null };
export const aliceWithPhoto: CardSnapshot = { ...alice, photoUrl: 'https://example.com/alice.png' };
export const bob: CardSnapshot = { firstName: 'Bob', lastName: null, displayName: 'Bobby', photoUrl: null };

export /** A gate that a test opens when it pleases. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

export interface OpenOptions {
  now?: (() => Date) | undefined;
  maxWaiting?: number;
}

export interface Backend {
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

export async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

/** Opens a store on `location` (a fresh database when omitted), closed after the test. */
export type OpenStore = (location?: string, options?: OpenOptions) => Promise<Store>;

/** Opens a PostgresStore on `location`, closed after the test. */
export type OpenPostgres = (
  location: string,
  options?: Parameters<typeof openPostgresStore>[1],
) => Promise<PostgresStore>;

/**
 * The backends for one test file: call it once at the top of the file. It gets PostgreSQL (or
 * skips, see above), runs each test's cleanups after it, and stops the server after the file.
 */
export async function storeContract() {
  beforeEach(() => {
    clock = start;
  });
  const server = await postgresOrSkip();
  afterAll(async () => {
    await server?.stop();
  });

  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'contactcard-store-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
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
      await withPool(url, (pool) =>
        pool.query('INSERT INTO schema_version (version) VALUES ($1)', [version]),
      );
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

  /**
   * Runs `body`'s cases against each backend, as "'sqlite' store > contract > …" and
   * "'postgres' store > contract > …", the PostgreSQL ones skipped when there is no server.
   */
  function describeContract(body: (backend: Backend, open: OpenStore) => void): void {
    describe.each([sqlite, postgres])('$name store', (backend) => {
      const open: OpenStore = async (location, options = {}) => {
        const store = await backend.open(location ?? (await backend.fresh()), { now, ...options });
        cleanups.push(() => store.close());
        return store;
      };
      describe.skipIf(!backend.available)('contract', () => body(backend, open));
    });
  }

  /** Cases that only make sense with replicas sharing a database (advisory locks, two pools racing). */
  function describePostgresOnly(body: (open: OpenPostgres, url: () => Promise<string>) => void): void {
    describe.skipIf(!server)('postgres only', () => {
      const url = () => (server as NonNullable<typeof server>).newDatabase();
      const open: OpenPostgres = async (location, options = {}) => {
        const store = await openPostgresStore(location, { now, ...options });
        cleanups.push(() => store.close());
        return store;
      };
      body(open, url);
    });
  }

  return { server, sqlite, postgres, cleanups, tempDir, describeContract, describePostgresOnly };
}
