import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CardSnapshot, ChangeAction, ChangeEntry, ChangeOutcome } from '../../../domain/card/records.js';
import { cardJson, checkMaxWaiting, snapshot } from '../common.js';
import { NumberQueue } from '../number-queue.js';
import type { SqliteContext } from '../sqlite-context.js';
import {
  type ChangeResult,
  type ChangeStore,
  DuplicateRequestError,
  type NewChange,
  type NumberTurns,
  TooManyWaitingError,
} from './types.js';

/** @internal A changes row; the fleet's pages read each number's latest too (cards/sqlite.ts). */
export interface ChangeRow {
  id: number;
  action: ChangeAction;
  number: string;
  actor_id: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  outcome: ChangeOutcome;
  status: number | null;
  message: string | null;
  before_card: string | null;
  after_card: string | null;
  subject: string | null;
  request_key: string | null;
  instance_id: string | null;
  confirmed_at: string | null;
}

const parseCard = (json: string | null) =>
  json === null ? null : snapshot(JSON.parse(json) as CardSnapshot);

export function toEntry(row: ChangeRow): ChangeEntry {
  return {
    id: row.id,
    action: row.action,
    number: row.number,
    actorId: row.actor_id,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    status: row.status,
    message: row.message,
    before: parseCard(row.before_card),
    after: parseCard(row.after_card),
    subject: row.subject,
    requestKey: row.request_key,
    confirmedAt: row.confirmed_at ? new Date(row.confirmed_at) : null,
    instanceId: row.instance_id,
  };
}

function prepare(db: Database.Database) {
  return {
    insertChange: db.prepare<[Record<string, string | null>], ChangeRow>(
      `INSERT INTO changes (action, number, actor_id, started_at, outcome, before_card, after_card, subject,
         request_key, instance_id)
       VALUES (@action, @number, @actorId, @startedAt, 'pending', @before, @after, @subject, @requestKey,
         @instanceId)
       RETURNING *`,
    ),
    changeById: db.prepare<[number], ChangeRow>('SELECT * FROM changes WHERE id = ?'),
    changeByKey: db.prepare<[string], ChangeRow>('SELECT * FROM changes WHERE request_key = ?'),
    completeChange: db.prepare<[Record<string, string | number | null>], ChangeRow>(
      `UPDATE changes SET outcome = @outcome, status = @status, message = @message,
         finished_at = @finishedAt, duration_ms = @durationMs,
         before_card = CASE WHEN @setBefore = 1 THEN @before ELSE before_card END
       WHERE id = @id RETURNING *`,
    ),
    confirmChange: db.prepare<[string, number]>('UPDATE changes SET confirmed_at = ? WHERE id = ?'),
    history: db.prepare<[string, number], ChangeRow>(
      'SELECT * FROM changes WHERE number = ? ORDER BY id DESC LIMIT ?',
    ),
    pendingCount: db
      .prepare<[string], number>("SELECT count(*) FROM changes WHERE number = ? AND outcome = 'pending'")
      .pluck(),
  };
}

/**
 * One queue per database file in this process, so that two stores opened on the same file (as the
 * contract tests do) still take turns; SQLite is for a single process, so that is all there is.
 */
const sharedQueues = new Map<string, { queue: NumberQueue; users: number }>();

function acquireQueue(path: string): { queue: NumberQueue; release: () => void } {
  if (path === ':memory:' || path === '') return { queue: new NumberQueue(), release: () => undefined };
  const key = resolve(path);
  let shared = sharedQueues.get(key);
  if (!shared) {
    shared = { queue: new NumberQueue(), users: 0 };
    sharedQueues.set(key, shared);
  }
  shared.users++;
  const entry = shared;
  let released = false;
  return {
    queue: entry.queue,
    release: () => {
      if (released) return;
      released = true;
      if (--entry.users === 0 && sharedQueues.get(key) === entry) sharedQueues.delete(key);
    },
  };
}

class QueueTurns implements NumberTurns {
  readonly #queue: NumberQueue;
  readonly #maxWaiting: number;
  readonly #pending: (number: string) => number;

  constructor(queue: NumberQueue, maxWaiting: number, pending: (number: string) => number) {
    this.#queue = queue;
    this.#maxWaiting = maxWaiting;
    this.#pending = pending;
  }

  async waiting(number: string): Promise<number> {
    return this.#pending(number);
  }

  run<T>(entry: ChangeEntry, work: () => Promise<T>): Promise<T> {
    // Not async: the slot must be taken now, before the caller's next await, to keep begin order.
    const ahead = this.#queue.busy(entry.number);
    if (ahead > this.#maxWaiting) {
      return Promise.reject(new TooManyWaitingError(entry.number, ahead, this.#maxWaiting));
    }
    return this.#queue.run(entry.number, work);
  }
}

export class SqliteChanges implements ChangeStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #releaseQueue: () => void;
  readonly turns: NumberTurns;

  constructor(ctx: SqliteContext, options: { maxWaiting?: number | undefined } = {}) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
    const maxWaiting = checkMaxWaiting(options.maxWaiting);
    const { queue, release } = acquireQueue(ctx.db.name);
    this.#releaseQueue = release;
    const pendingCount = this.#sql.pendingCount;
    this.turns = new QueueTurns(queue, maxWaiting, (number) => pendingCount.get(number) ?? 0);
  }

  async beginChange(change: NewChange): Promise<ChangeEntry> {
    const requestKey = change.requestKey ?? null;
    const values = {
      action: change.action,
      number: change.number,
      actorId: change.actorId,
      startedAt: (change.startedAt ?? this.#ctx.now()).toISOString(),
      before: cardJson(change.before),
      after: cardJson(change.after),
      subject: change.subject ?? null,
      requestKey,
      instanceId: change.instanceId === undefined ? this.#ctx.instanceId : change.instanceId,
    };
    return this.#ctx.commits.write(() => {
      let row: ChangeRow | undefined;
      try {
        row = this.#sql.insertChange.get(values);
      } catch (error) {
        // The unique index, not a read before the insert, decides: only it is race-free across processes.
        const duplicate = error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
        const existing = duplicate && requestKey !== null ? this.#sql.changeByKey.get(requestKey) : undefined;
        if (requestKey !== null && existing) throw new DuplicateRequestError(requestKey, toEntry(existing));
        throw error;
      }
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      return toEntry(row);
    });
  }

  async completeChange(id: number, result: ChangeResult): Promise<ChangeEntry> {
    const finishedAt = result.finishedAt ?? this.#ctx.now();
    return this.#ctx.commits.write(() => {
      const row = this.#sql.changeById.get(id);
      if (!row) throw new Error(`no change ${id} to complete`);
      if (row.outcome !== 'pending') throw new Error(`change ${id} is already complete (${row.outcome})`);
      const completed = this.#sql.completeChange.get({
        id,
        outcome: result.outcome,
        status: result.status ?? null,
        message: result.message ?? null,
        finishedAt: finishedAt.toISOString(),
        // The wall clock can be stepped back between the two calls; a negative duration would mislead.
        durationMs: Math.max(0, finishedAt.getTime() - new Date(row.started_at).getTime()),
        setBefore: result.before === undefined ? 0 : 1,
        before: cardJson(result.before),
      });
      if (!completed) throw new Error(`change ${id} vanished while being completed`);
      return toEntry(completed);
    });
  }

  async confirmChange(id: number, at?: Date): Promise<void> {
    const confirmedAt = (at ?? this.#ctx.now()).toISOString();
    await this.#ctx.commits.write(() => this.#sql.confirmChange.run(confirmedAt, id));
  }

  async history(number: string, limit = 10): Promise<ChangeEntry[]> {
    return this.#sql.history.all(number, limit).map(toEntry);
  }

  /** Lets go of the number queue this store shares with others open on the same file (close). */
  release(): void {
    this.#releaseQueue();
  }
}
