import type { Log } from '../../runtime/logger.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** A postgres:// or postgresql:// URL (CONTACTCARD_DATABASE_URL); empty or omitted means SQLite. */
  databaseUrl?: string | undefined;
  /** The SQLite file (CONTACTCARD_DB), used when there is no databaseUrl. */
  sqlitePath: string;
  /** PostgreSQL connections at most (CONTACTCARD_DB_POOL_SIZE); 10. */
  poolSize?: number | undefined;
  /** How many changes to one number may be ahead of a new one before it is refused; 50. */
  maxWaiting?: number | undefined;
  now?: () => Date;
  log?: Pick<Log, 'warn'>;
}

export type StoreKind = 'postgres' | 'sqlite';

/** Which store `databaseUrl` selects; any other scheme is refused rather than silently ignored. */
export function storeKind(databaseUrl: string | undefined): StoreKind {
  const url = databaseUrl?.trim() ?? '';
  if (url === '') return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new Error(
    `the database URL must start with postgres:// or postgresql:// (${scheme ? `got ${scheme}:` : 'got no scheme'}); ` +
      'leave it empty to use the SQLite file',
  );
}

/** PostgreSQL when a postgres:// URL is given, else the SQLite file; migrated and ready. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const kind = storeKind(options.databaseUrl);
  if (kind === 'sqlite') {
    // Loaded only when asked for, like node-postgres below: a PostgreSQL set-up starts even where
    // better-sqlite3 is not installed.
    const { openSqliteStore } = await import('./sqlite.js');
    return openSqliteStore(options.sqlitePath, { now: options.now, maxWaiting: options.maxWaiting });
  }
  const url = (options.databaseUrl ?? '').trim();
  // Loaded only when asked for: node-postgres is start-up time a SQLite set-up does not need.
  const { DEFAULT_POOL_SIZE, openPostgresStore, redactPassword } = await import('./postgres.js');
  try {
    return await openPostgresStore(url, {
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
      maxWaiting: options.maxWaiting,
      now: options.now,
      log: options.log,
    });
  } catch (error) {
    if (error instanceof Error) error.message = redactPassword(error.message, url);
    throw error;
  }
}
