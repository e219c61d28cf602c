import { checkLease, UNKNOWN_MESSAGE } from '../common.js';
import { type PostgresConnection, sqlNow } from '../postgres-connection.js';
import { lockSpace } from '../postgres-migrations.js';
import type { ExclusiveRun, InstanceStore } from './types.js';

export class PostgresInstances implements InstanceStore {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async registerInstance(id: string, leaseMs: number): Promise<void> {
    checkLease(id, leaseMs);
    await this.#upsertInstance(id, leaseMs);
    this.#db.instanceId = id;
  }

  async renewInstance(id: string, leaseMs: number): Promise<void> {
    checkLease(id, leaseMs);
    await this.#upsertInstance(id, leaseMs);
  }

  async #upsertInstance(id: string, leaseMs: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO instances (id, started_at, renewed_at, expires_at)
       SELECT $1, t.now, t.now, t.now + $2::double precision * interval '1 millisecond'
       FROM (SELECT ${sqlNow('$3')} AS now) t
       ON CONFLICT (id) DO UPDATE SET renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
      [id, leaseMs, this.#db.leaseNow()],
    );
  }

  async instanceIds(): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>('SELECT id FROM instances ORDER BY id');
    return rows.map((row) => row.id);
  }

  async releaseInstance(id: string): Promise<void> {
    await this.#db.query('DELETE FROM instances WHERE id = $1', [id]);
    if (this.#db.instanceId === id) this.#db.instanceId = null;
  }

  async markOrphansUnknown(): Promise<number> {
    const now = this.#db.leaseNow();
    const numbers = await this.#db.transaction(async (client) => {
      const { rows } = await client.query<{ number: string }>(
        `UPDATE changes SET outcome = 'unknown', message = $1
         WHERE outcome = 'pending' AND (instance_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM instances
           WHERE instances.id = changes.instance_id AND instances.expires_at > ${sqlNow('$2')}))
         RETURNING number`,
        [UNKNOWN_MESSAGE, now],
      );
      await client.query(`DELETE FROM instances WHERE expires_at <= ${sqlNow('$1')}`, [now]);
      return rows.map((row) => row.number);
    });
    for (const number of new Set(numbers)) this.#db.wakeups.wake(number);
    return numbers.length;
  }

  async runExclusive<T>(job: string, work: () => Promise<T>): Promise<ExclusiveRun<T>> {
    // A session-level lock, so it lives on one connection kept out of the pool while the job runs.
    const { client, release, fail } = await this.#db.checkout();
    let locked = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [lockSpace.job, job],
      );
      locked = rows[0]?.locked === true;
      if (!locked) return { ran: false };
      return { ran: true, value: await work() };
    } finally {
      if (locked) {
        // If this fails the connection is destroyed, and the lock goes with its session.
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockSpace.job, job]).catch(fail);
      }
      release();
    }
  }
}
