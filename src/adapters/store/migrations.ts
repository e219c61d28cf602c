import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  sql: string;
}

// Append only: a released migration is never edited, since databases in the field already ran it.
export const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE assignments (
        number TEXT NOT NULL,
        user_id TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (number, user_id)
      ) STRICT;
      CREATE INDEX assignments_user ON assignments (user_id);

      CREATE TABLE changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL CHECK (action IN ('set', 'delete', 'assign', 'unassign')),
        number TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'ok', 'failed', 'unknown')),
        status INTEGER,
        message TEXT,
        before_card TEXT,
        after_card TEXT,
        subject TEXT
      ) STRICT;
      CREATE INDEX changes_number ON changes (number, id);

      CREATE TABLE cards (
        number TEXT PRIMARY KEY,
        first_name TEXT,
        last_name TEXT,
        display_name TEXT,
        photo_url TEXT,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE changes ADD COLUMN request_key TEXT;
      CREATE UNIQUE INDEX changes_request_key ON changes (request_key) WHERE request_key IS NOT NULL;
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        renewed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX instances_expires ON instances (expires_at);

      ALTER TABLE changes ADD COLUMN instance_id TEXT;
      CREATE INDEX changes_pending_instance ON changes (instance_id) WHERE outcome = 'pending';
      CREATE INDEX changes_pending_number ON changes (number, id) WHERE outcome = 'pending';
    `,
  },
  {
    version: 4,
    sql: `
      CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        jpeg BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX photos_number ON photos (number, created_at);
    `,
  },
  {
    version: 5,
    sql: `
      CREATE TABLE bulk_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        actor_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        message_ts TEXT,
        numbers TEXT NOT NULL,
        card TEXT NOT NULL,
        cards TEXT,
        state TEXT NOT NULL CHECK (state IN ('draft', 'running', 'done', 'cancelled', 'interrupted')),
        instance_id TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    sql: `ALTER TABLE changes ADD COLUMN confirmed_at TEXT;`,
  },
  {
    version: 7,
    sql: `
      CREATE TABLE approvals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('set', 'delete', 'bulk', 'import')),
        requester_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        numbers TEXT NOT NULL,
        changes TEXT NOT NULL,
        photo_hosted INTEGER NOT NULL DEFAULT 0,
        job_id INTEGER,
        request_key TEXT UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'superseded', 'expired')),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        reason TEXT,
        superseded_by INTEGER,
        messages TEXT NOT NULL DEFAULT '[]'
      ) STRICT;
      CREATE INDEX approvals_by_state ON approvals (state, expires_at);
    `,
  },
  {
    version: 8,
    sql: `
      CREATE TABLE observations (
        number TEXT PRIMARY KEY,
        has_card INTEGER NOT NULL CHECK (has_card IN (0, 1)),
        first_name TEXT,
        last_name TEXT,
        display_name TEXT,
        seen_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('editor', 'show', 'list', 'live', 'drift', 'sync'))
      ) STRICT;
      CREATE INDEX changes_card_number ON changes (number, id) WHERE action IN ('set', 'delete');
    `,
  },
];

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the database up to the last migration in `list`; resolves to the version reached. */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): number {
  const latest = list.at(-1)?.version ?? 0;
  const found = schemaVersion(db);
  if (found > latest) {
    throw new Error(
      `${db.name} has schema version ${found}, but this contactcard knows versions up to ${latest}: ` +
        'it was written by a newer release, so run that release (or point CONTACTCARD_DB elsewhere)',
    );
  }
  for (const migration of list) {
    if (migration.version <= found) continue;
    // Immediate, and the version read again inside, so that two processes starting together
    // cannot both apply the same migration.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}
