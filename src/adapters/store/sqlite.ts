// The store on SQLite, for one process: every part (see composed.ts) over one better-sqlite3
// connection, which the parts' transactions share.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteApprovals } from './approvals/sqlite.js';
import { SqliteAssignments } from './assignments/sqlite.js';
import { SqliteCards } from './cards/sqlite.js';
import { SqliteChanges } from './changes/sqlite.js';
import { ComposedStore } from './composed.js';
import { GroupCommit } from './group-commit.js';
import { SqliteInstances } from './instances/sqlite.js';
import { SqliteBulkJobs } from './jobs/sqlite.js';
import { migrate } from './migrations.js';
import { SqlitePhotos } from './photos/sqlite.js';
import type { SqliteContext } from './sqlite-context.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  now?: () => Date;
  /** How many changes to one number may be ahead of a new one before it is refused; 50. */
  maxWaiting?: number;
}

export class SqliteStore extends ComposedStore implements Store {
  readonly #db: Database.Database;
  readonly #ping: Database.Statement<[], number>;
  readonly #changes: SqliteChanges;
  readonly #commits: GroupCommit;

  constructor(db: Database.Database, now: () => Date, options: { maxWaiting?: number } = {}) {
    const ctx: SqliteContext = { db, now, instanceId: null, commits: new GroupCommit(db) };
    const parts = {
      assignments: new SqliteAssignments(ctx),
      cards: new SqliteCards(ctx),
      photos: new SqlitePhotos(ctx),
      jobs: new SqliteBulkJobs(ctx),
      approvals: new SqliteApprovals(ctx),
      instances: new SqliteInstances(ctx),
      // Last: it takes its share of the file's number queue, which close() gives back.
      changes: new SqliteChanges(ctx, { maxWaiting: options.maxWaiting }),
    };
    super(parts);
    this.#db = db;
    this.#ping = db.prepare<[], number>('SELECT 1').pluck();
    this.#changes = parts.changes;
    this.#commits = ctx.commits;
  }

  async ping(): Promise<boolean> {
    try {
      return this.#ping.get() === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#commits.flush();
    this.#changes.release();
    this.#db.close();
  }
}

/** Opens (creating file, folder and schema as needed) and migrates; `:memory:` gives a throwaway store. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 builds with NORMAL as the WAL default, under which a power cut can lose the
    // last commits: a pending entry lost that way would be exactly the silent gap the audit forbids.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteStore(db, options.now ?? (() => new Date()), { maxWaiting: options.maxWaiting });
  } catch (error) {
    db.close();
    throw error;
  }
}
