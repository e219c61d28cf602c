import type Database from 'better-sqlite3';
import { checkLease, UNKNOWN_MESSAGE } from '../common.js';
import type { SqliteContext } from '../sqlite-context.js';
import type { ExclusiveRun, InstanceStore } from './types.js';

function prepare(db: Database.Database) {
  return {
    upsertInstance: db.prepare<[Record<string, string>]>(
      `INSERT INTO instances (id, started_at, renewed_at, expires_at) VALUES (@id, @now, @now, @expiresAt)
       ON CONFLICT (id) DO UPDATE SET renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
    ),
    releaseInstance: db.prepare<[string]>('DELETE FROM instances WHERE id = ?'),
    instanceIds: db.prepare<[], string>('SELECT id FROM instances ORDER BY id').pluck(),
    markOrphansUnknown: db.prepare<[Record<string, string>]>(
      `UPDATE changes SET outcome = 'unknown', message = @message
       WHERE outcome = 'pending' AND (instance_id IS NULL OR NOT EXISTS (
         SELECT 1 FROM instances WHERE instances.id = changes.instance_id AND instances.expires_at > @now))`,
    ),
    deleteExpiredInstances: db.prepare<[string]>('DELETE FROM instances WHERE expires_at <= ?'),
  };
}

export class SqliteInstances implements InstanceStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async registerInstance(id: string, leaseMs: number): Promise<void> {
    checkLease(id, leaseMs);
    this.#upsertInstance(id, leaseMs);
    this.#ctx.instanceId = id;
  }

  async renewInstance(id: string, leaseMs: number): Promise<void> {
    checkLease(id, leaseMs);
    this.#upsertInstance(id, leaseMs);
  }

  #upsertInstance(id: string, leaseMs: number): void {
    const now = this.#ctx.now();
    this.#sql.upsertInstance.run({
      id,
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + leaseMs).toISOString(),
    });
  }

  async instanceIds(): Promise<string[]> {
    return this.#sql.instanceIds.all();
  }

  async releaseInstance(id: string): Promise<void> {
    this.#sql.releaseInstance.run(id);
    if (this.#ctx.instanceId === id) this.#ctx.instanceId = null;
  }

  async markOrphansUnknown(): Promise<number> {
    const now = this.#ctx.now().toISOString();
    return this.#ctx.db
      .transaction(() => {
        const marked = this.#sql.markOrphansUnknown.run({ message: UNKNOWN_MESSAGE, now }).changes;
        this.#sql.deleteExpiredInstances.run(now);
        return marked;
      })
      .immediate();
  }

  async runExclusive<T>(_job: string, work: () => Promise<T>): Promise<ExclusiveRun<T>> {
    return { ran: true, value: await work() };
  }
}
