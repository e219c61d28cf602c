import type pg from 'pg';

export interface PgMigration {
  version: number;
  sql: string;
}

/**
 * Keys of the advisory locks this app takes, in the two-integer key space (which never overlaps the
 * single bigint one other software tends to use). The first integer names the purpose.
 */
export const lockSpace = {
  /** (migrate, 0): held by the transaction that migrates the schema. */
  migrate: 0x43430001,
  /** (number, hashtext(number)): held by the transaction that records a change to that number. */
  number: 0x43430002,
  /** (job, hashtext(job)): held by the session running that job in runExclusive. */
  job: 0x43430003,
  /** (approvals, 0): held by the transaction that records a request for approval (and supersedes). */
  approvals: 0x43430004,
} as const;

// Append only: a released migration is never edited, since databases in the field already ran it.
// The same schema as SQLite's migrations, version for version. Text keys sort as bytes (COLLATE "C"),
// as SQLite's do, whatever the database's locale.
export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE assignments (
        number text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        assigned_by text NOT NULL,
        assigned_at timestamptz NOT NULL,
        PRIMARY KEY (number, user_id)
      );
      CREATE INDEX assignments_user ON assignments (user_id);

      CREATE TABLE changes (
        id bigserial PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('set', 'delete', 'assign', 'unassign')),
        number text COLLATE "C" NOT NULL,
        actor_id text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        duration_ms bigint,
        outcome text NOT NULL CHECK (outcome IN ('pending', 'ok', 'failed', 'unknown')),
        status integer,
        message text,
        before_card jsonb,
        after_card jsonb,
        subject text
      );
      CREATE INDEX changes_number ON changes (number, id);

      CREATE TABLE cards (
        number text COLLATE "C" PRIMARY KEY,
        first_name text,
        last_name text,
        display_name text,
        photo_url text,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE changes ADD COLUMN request_key text;
      CREATE UNIQUE INDEX changes_request_key ON changes (request_key) WHERE request_key IS NOT NULL;
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE instances (
        id text COLLATE "C" PRIMARY KEY,
        started_at timestamptz NOT NULL,
        renewed_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX instances_expires ON instances (expires_at);

      ALTER TABLE changes ADD COLUMN instance_id text COLLATE "C";
      CREATE INDEX changes_pending_instance ON changes (instance_id) WHERE outcome = 'pending';
      CREATE INDEX changes_pending_number ON changes (number, id) WHERE outcome = 'pending';
    `,
  },
  {
    version: 4,
    sql: `
      CREATE TABLE photos (
        id text COLLATE "C" PRIMARY KEY,
        number text COLLATE "C" NOT NULL,
        jpeg bytea NOT NULL,
        bytes integer NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL
      );
      CREATE INDEX photos_number ON photos (number, created_at);
    `,
  },
  {
    version: 5,
    sql: `
      CREATE TABLE bulk_jobs (
        id bigserial PRIMARY KEY,
        actor_id text NOT NULL,
        channel text NOT NULL,
        message_ts text,
        numbers jsonb NOT NULL,
        card jsonb NOT NULL,
        cards jsonb,
        state text NOT NULL CHECK (state IN ('draft', 'running', 'done', 'cancelled', 'interrupted')),
        instance_id text,
        created_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 6,
    sql: `ALTER TABLE changes ADD COLUMN confirmed_at timestamptz;`,
  },
  {
    version: 7,
    sql: `
      CREATE TABLE approvals (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('set', 'delete', 'bulk', 'import')),
        requester_id text NOT NULL,
        channel text NOT NULL,
        numbers jsonb NOT NULL,
        changes jsonb NOT NULL,
        photo_hosted boolean NOT NULL DEFAULT false,
        job_id bigint,
        request_key text UNIQUE,
        state text NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'superseded', 'expired')),
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        reason text,
        superseded_by bigint,
        messages jsonb NOT NULL DEFAULT '[]'
      );
      CREATE INDEX approvals_by_state ON approvals (state, expires_at);
      CREATE INDEX approvals_by_number ON approvals USING gin (numbers);
    `,
  },
  {
    version: 8,
    sql: `
      CREATE TABLE observations (
        number text PRIMARY KEY,
        has_card boolean NOT NULL,
        first_name text,
        last_name text,
        display_name text,
        seen_at timestamptz NOT NULL,
        source text NOT NULL CHECK (source IN ('editor', 'show', 'list', 'live', 'drift', 'sync'))
      );
      CREATE INDEX changes_card_number ON changes (number, id) WHERE action IN ('set', 'delete');
    `,
  },
];

type Queryable = Pick<pg.ClientBase, 'query'>;

async function currentVersion(client: Queryable): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_version',
  );
  return rows[0]?.version ?? 0;
}

/** The version a database is at, 0 when it has no schema yet. */
export async function pgSchemaVersion(client: Queryable): Promise<number> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT to_regclass('schema_version') IS NOT NULL AS present",
  );
  return rows[0]?.present ? currentVersion(client) : 0;
}

/**
 * Brings the database up to the last migration in `list`, in one transaction that holds an advisory
 * lock, so that replicas starting together take turns and the second finds the work done. Resolves
 * to the version reached; refuses (changing nothing) a database newer than `list`.
 */
export async function migratePostgres(
  pool: pg.Pool,
  list: readonly PgMigration[] = pgMigrations,
  describe = 'the PostgreSQL database',
): Promise<number> {
  const latest = list.at(-1)?.version ?? 0;
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [lockSpace.migrate]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_version (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const found = await currentVersion(client);
      if (found > latest) {
        throw new Error(
          `${describe} has schema version ${found}, but this contactcard knows versions up to ${latest}: ` +
            'it was written by a newer release, so run that release (or point CONTACTCARD_DATABASE_URL elsewhere)',
        );
      }
      for (const migration of list) {
        if (migration.version <= found) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [migration.version]);
      }
      await client.query('COMMIT');
      return Math.max(found, latest);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
