// The store on PostgreSQL, for several replicas sharing one database: the same semantics as
// SqliteStore, plus what replicas need: leases, per-number turns taken in the database, and jobs
// that run on one replica at a time.
import { DatabaseError, Pool } from 'pg';
import type { Log } from '../../runtime/logger.js';
import { PostgresApprovals } from './approvals/postgres.js';
import { PostgresAssignments } from './assignments/postgres.js';
import { PostgresCards } from './cards/postgres.js';
import { PostgresChanges } from './changes/postgres.js';
import { checkMaxWaiting } from './common.js';
import { ComposedStore } from './composed.js';
import { PostgresInstances } from './instances/postgres.js';
import { PostgresBulkJobs } from './jobs/postgres.js';
import { PostgresPhotos } from './photos/postgres.js';
import { describePostgresUrl, PostgresConnection, redactPassword } from './postgres-connection.js';
import { migratePostgres, pgMigrations } from './postgres-migrations.js';
import type { Store } from './types.js';

export { describePostgresUrl, redactPassword } from './postgres-connection.js';

export const DEFAULT_POOL_SIZE = 10;

export interface PostgresStoreOptions {
  /** Connections at most (pg.Pool's max); 10. At least 2: runExclusive holds one while its job runs. */
  poolSize?: number;
  /**
   * The clock for timestamps. Omitted, changes use this process's clock and leases the database's,
   * so that replicas whose clocks differ a little still agree on which leases have expired.
   */
  now?: () => Date;
  /** How many changes to one number may be ahead of a new one before it is refused; 50. */
  maxWaiting?: number;
  /** Where an idle connection's failure is reported (it never crashes the process). */
  log?: Pick<Log, 'warn'>;
  /** How long to wait for a connection, at start-up and for each query; 5 s. */
  connectionTimeoutMs?: number;
  /** How long ping() waits for `SELECT 1`; 2 s. */
  pingTimeoutMs?: number;
  /** How often a change waiting for its turn looks again (±25 %); 150 ms. */
  turnPollMs?: number;
}

const consoleWarn: Pick<Log, 'warn'> = { warn: (...msg) => console.warn(...msg) };

// Failures that mean "the database could not be reached or would not let us in", as opposed to a
// failing migration: those get the one-line "could not connect" message.
const connectCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT', // a Unix socket path that does not exist
]);

function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) return errorCode(inner[0]);
  return undefined;
}

function startupError(error: unknown, url: string, connectionTimeoutMs: number): Error {
  const target = describePostgresUrl(url);
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  let reason: string | undefined;
  if (error instanceof DatabaseError) {
    // 28: invalid authorization; 3D000: no such database; 57P03: starting up; 53300: too many clients.
    if (code?.startsWith('28') || code === '3D000' || code === '57P03' || code === '53300') {
      reason = `${code}: ${message}`;
    }
  } else if (code && connectCodes.has(code)) {
    reason = code;
  } else if (/timeout|terminated/i.test(message)) {
    reason = `no answer within ${connectionTimeoutMs} ms`;
  }
  if (reason !== undefined) {
    return new Error(redactPassword(`could not connect to PostgreSQL at ${target} (${reason})`, url));
  }
  const wrapped = new Error(redactPassword(message.split('\n')[0] ?? message, url));
  wrapped.name = error instanceof Error ? error.name : 'Error';
  return wrapped;
}

export class PostgresStore extends ComposedStore implements Store {
  readonly #db: PostgresConnection;
  readonly #pingTimeoutMs: number;

  constructor(
    pool: Pool,
    url: string,
    options: Pick<PostgresStoreOptions, 'now' | 'maxWaiting' | 'pingTimeoutMs' | 'turnPollMs'> = {},
  ) {
    const db = new PostgresConnection(pool, url, options.now);
    super({
      assignments: new PostgresAssignments(db),
      cards: new PostgresCards(db),
      photos: new PostgresPhotos(db),
      jobs: new PostgresBulkJobs(db),
      approvals: new PostgresApprovals(db),
      instances: new PostgresInstances(db),
      changes: new PostgresChanges(db, { maxWaiting: options.maxWaiting, turnPollMs: options.turnPollMs }),
    });
    this.#db = db;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  }

  get closed(): boolean {
    return this.#db.closed;
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#pingTimeoutMs);
    });
    const once = () =>
      this.#db.pool.query<{ one: number }>('SELECT 1 AS one').then((r) => r.rows[0]?.one === 1);
    // Once more on a failure: a pooled connection cut a moment ago (a restart, a proxy) is not an outage.
    const answer = once().catch(() => (this.closed ? false : once().catch(() => false)));
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the pool; changes still waiting for their turn reject. */
  close(): Promise<void> {
    return this.#db.close();
  }
}

/**
 * Connects, migrates (replicas starting together take turns) and opens the store. An unreachable
 * database rejects with one line, `could not connect to PostgreSQL at host:port/db (ECONNREFUSED)`,
 * never with the password.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 2) {
    throw new RangeError(`the PostgreSQL pool needs at least 2 connections, not ${options.poolSize}`);
  }
  checkMaxWaiting(options.maxWaiting);
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 5_000;
  const log = options.log ?? consoleWarn;
  const target = describePostgresUrl(url);
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'contactcard',
  });
  // An idle connection that fails (the server restarted, a proxy cut it) is dropped by the pool; without
  // a listener its 'error' event would end the process.
  pool.on('error', (error) => {
    log.warn(`PostgreSQL at ${target}: an idle connection failed: ${redactPassword(error.message, url)}`);
  });
  try {
    await migratePostgres(pool, pgMigrations, `the PostgreSQL database ${target}`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw startupError(error, url, connectionTimeoutMs);
  }
  return new PostgresStore(pool, url, options);
}
