// The store as a whole: opening it, its migrations, what it keeps across a reopen, ping and the
// connection. One contract for every Store: the same cases run against SQLite and against a real
// PostgreSQL server (helpers/store-contract.ts builds both). Cases that only make sense with replicas
// sharing a database (advisory locks, two pools racing) follow in "postgres only".
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { migrations } from '../src/adapters/store/migrations.js';
import { openStore, storeKind } from '../src/adapters/store/open.js';
import { openPostgresStore, PostgresStore, redactPassword } from '../src/adapters/store/postgres.js';
import { pgMigrations } from '../src/adapters/store/postgres-migrations.js';
import { SqliteStore } from '../src/adapters/store/sqlite.js';
import { DuplicateRequestError } from '../src/adapters/store/types.js';
import { alice, aliceWithPhoto, storeContract, withPool } from './helpers/store-contract.js';

const { cleanups, describeContract, describePostgresOnly, server, tempDir } = await storeContract();

it('both stores have the same schema versions', () => {
  expect(migrations.map((m) => m.version)).toEqual(pgMigrations.map((m) => m.version));
});

describeContract((backend, open) => {
  const latest = backend.versions.length;

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
        expect(await upgraded.history('+15551230009')).toMatchObject([{ outcome: 'unknown', actorId: 'U9' }]);
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

  describe('ping', () => {
    it('is true while the database answers, false once closed', async () => {
      const s = await open();
      expect(await s.ping()).toBe(true);
      await s.close();
      expect(await s.ping()).toBe(false);
    });
  });
});

describePostgresOnly((open, url) => {
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
