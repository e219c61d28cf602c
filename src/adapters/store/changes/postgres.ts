import { DatabaseError } from 'pg';
import type { CardSnapshot, ChangeAction, ChangeEntry, ChangeOutcome } from '../../../domain/card/records.js';
import { cardJson, checkMaxWaiting, snapshot } from '../common.js';
import type { PostgresConnection } from '../postgres-connection.js';
import { lockSpace } from '../postgres-migrations.js';
import {
  type ChangeResult,
  type ChangeStore,
  DuplicateRequestError,
  type NewChange,
  type NumberTurns,
  TooManyWaitingError,
} from './types.js';

/** @internal A changes row; the fleet's pages read each number's latest too (cards/postgres.ts). */
export interface ChangeRow {
  id: string;
  action: ChangeAction;
  number: string;
  actor_id: string;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: string | null;
  outcome: ChangeOutcome;
  status: number | null;
  message: string | null;
  before_card: CardSnapshot | null;
  after_card: CardSnapshot | null;
  subject: string | null;
  request_key: string | null;
  instance_id: string | null;
  confirmed_at: Date | null;
}

export function toEntry(row: ChangeRow): ChangeEntry {
  return {
    id: Number(row.id),
    action: row.action,
    number: row.number,
    actorId: row.actor_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    outcome: row.outcome,
    status: row.status,
    message: row.message,
    before: row.before_card === null ? null : snapshot(row.before_card),
    after: row.after_card === null ? null : snapshot(row.after_card),
    subject: row.subject,
    requestKey: row.request_key,
    confirmedAt: row.confirmed_at,
    instanceId: row.instance_id,
  };
}

/**
 * The pending rows are the queue: a change runs once no change to its number with a smaller id is
 * still pending, whichever replica recorded it. beginChange commits ids in order per number, and a
 * dead replica's rows stop blocking once markOrphansUnknown has marked them unknown.
 */
class DatabaseTurns implements NumberTurns {
  readonly #changes: PostgresChanges;
  readonly #db: PostgresConnection;
  readonly #maxWaiting: number;
  readonly #pollMs: number;

  constructor(changes: PostgresChanges, db: PostgresConnection, maxWaiting: number, pollMs: number) {
    this.#changes = changes;
    this.#db = db;
    this.#maxWaiting = maxWaiting;
    this.#pollMs = pollMs;
  }

  waiting(number: string): Promise<number> {
    return this.#changes.pendingCount(number);
  }

  async run<T>(entry: ChangeEntry, work: () => Promise<T>): Promise<T> {
    let ahead = await this.#changes.pendingCount(entry.number, entry.id);
    if (ahead > this.#maxWaiting) throw new TooManyWaitingError(entry.number, ahead, this.#maxWaiting);
    let failures = 0;
    while (ahead > 0) {
      // No connection is held while waiting: each look borrows one for a single query.
      await this.#db.wakeups.sleep(entry.number, this.#pollMs * (0.75 + Math.random() / 2));
      if (this.#db.closed) throw new Error(`the store was closed while change ${entry.id} waited`);
      try {
        ahead = await this.#changes.pendingCount(entry.number, entry.id);
        failures = 0;
      } catch (error) {
        // A short outage of the database is waited out; a long one fails the change.
        if (++failures >= 10) throw error;
      }
    }
    return work();
  }
}

export class PostgresChanges implements ChangeStore {
  readonly #db: PostgresConnection;
  readonly turns: NumberTurns;

  constructor(
    db: PostgresConnection,
    options: { maxWaiting?: number | undefined; turnPollMs?: number | undefined } = {},
  ) {
    this.#db = db;
    this.turns = new DatabaseTurns(this, db, checkMaxWaiting(options.maxWaiting), options.turnPollMs ?? 150);
  }

  /** @internal Pending changes to `number`, only those before change `beforeId` when given. */
  async pendingCount(number: string, beforeId?: number): Promise<number> {
    const rows = await this.#db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM changes
       WHERE number = $1 AND outcome = 'pending' AND ($2::bigint IS NULL OR id < $2::bigint)`,
      [number, beforeId ?? null],
    );
    return rows[0]?.n ?? 0;
  }

  async beginChange(change: NewChange): Promise<ChangeEntry> {
    const requestKey = change.requestKey ?? null;
    const values = [
      change.action,
      change.number,
      change.actorId,
      change.startedAt ?? this.#db.appNow(),
      cardJson(change.before),
      cardJson(change.after),
      change.subject ?? null,
      requestKey,
      change.instanceId === undefined ? this.#db.instanceId : change.instanceId,
    ];
    try {
      const row = await this.#db.transaction(async (client) => {
        // Changes to one number commit in id order: a change must never see "no smaller pending id"
        // while a smaller one is still being inserted, or two turns would overlap.
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          lockSpace.number,
          change.number,
        ]);
        const { rows } = await client.query<ChangeRow>(
          `INSERT INTO changes (action, number, actor_id, started_at, outcome, before_card, after_card, subject,
             request_key, instance_id)
           VALUES ($1, $2, $3, $4, 'pending', $5::jsonb, $6::jsonb, $7, $8, $9)
           RETURNING *`,
          values,
        );
        return rows[0];
      });
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      return toEntry(row);
    } catch (error) {
      // The unique index, not a read before the insert, decides: only it is race-free across replicas.
      if (requestKey !== null && error instanceof DatabaseError && error.code === '23505') {
        const [existing] = await this.#db.query<ChangeRow>('SELECT * FROM changes WHERE request_key = $1', [
          requestKey,
        ]);
        if (existing) throw new DuplicateRequestError(requestKey, toEntry(existing));
      }
      throw error;
    }
  }

  async completeChange(id: number, result: ChangeResult): Promise<ChangeEntry> {
    if (!Number.isSafeInteger(id)) throw new Error(`no change ${id} to complete`);
    const finishedAt = result.finishedAt ?? this.#db.appNow();
    // One statement, so that two completions racing cannot both write: the second finds it done.
    const [row] = await this.#db.query<ChangeRow>(
      `UPDATE changes SET outcome = $2, status = $3, message = $4, finished_at = $5,
         duration_ms = GREATEST(0, round(extract(epoch FROM $5::timestamptz - started_at) * 1000))::bigint,
         before_card = CASE WHEN $6::boolean THEN $7::jsonb ELSE before_card END
       WHERE id = $1 AND outcome = 'pending'
       RETURNING *`,
      [
        id,
        result.outcome,
        result.status ?? null,
        result.message ?? null,
        finishedAt,
        result.before !== undefined,
        cardJson(result.before),
      ],
    );
    if (row) {
      this.#db.wakeups.wake(row.number);
      return toEntry(row);
    }
    const [found] = await this.#db.query<{ outcome: ChangeOutcome }>(
      'SELECT outcome FROM changes WHERE id = $1',
      [id],
    );
    if (!found) throw new Error(`no change ${id} to complete`);
    throw new Error(`change ${id} is already complete (${found.outcome})`);
  }

  async confirmChange(id: number, at?: Date): Promise<void> {
    await this.#db.query('UPDATE changes SET confirmed_at = $2 WHERE id = $1', [id, at ?? this.#db.appNow()]);
  }

  async history(number: string, limit = 10): Promise<ChangeEntry[]> {
    const rows = await this.#db.query<ChangeRow>(
      'SELECT * FROM changes WHERE number = $1 ORDER BY id DESC LIMIT $2',
      [number, limit],
    );
    return rows.map(toEntry);
  }
}
