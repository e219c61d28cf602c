import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CardStatus } from '../../domain/card/picture.js';
import { SqliteApprovals } from './approvals/sqlite.js';
import { type AssignmentRow, SqliteAssignments, toAssignment } from './assignments/sqlite.js';
import {
  cardJson,
  checkMaxWaiting,
  numberStatusesSql,
  type ObservationRow,
  observationColumns,
  pageRecords,
  snapshot,
  toObservedCard,
} from './common.js';
import { ComposedStore } from './composed.js';
import { SqliteInstances } from './instances/sqlite.js';
import { SqliteBulkJobs } from './jobs/sqlite.js';
import { migrate } from './migrations.js';
import { NumberQueue } from './number-queue.js';
import { SqlitePhotos } from './photos/sqlite.js';
import type { SqliteContext } from './sqlite-context.js';
import {
  type CardSnapshot,
  type ChangeAction,
  type ChangeEntry,
  type ChangeOutcome,
  type ChangeResult,
  DuplicateRequestError,
  type FleetPageQuery,
  type KnownCard,
  type NewChange,
  type NumberRecord,
  type NumberTurns,
  type ObservationSource,
  type ObservedCard,
  type SeenCard,
  type Store,
  TooManyWaitingError,
} from './types.js';

interface ChangeRow {
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

interface CardRow {
  number: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  photo_url: string | null;
  updated_at: string;
  updated_by: string;
}

const parseCard = (json: string | null) =>
  json === null ? null : snapshot(JSON.parse(json) as CardSnapshot);

function toKnownCard(row: CardRow): KnownCard {
  return {
    number: row.number,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    photoUrl: row.photo_url,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

function toEntry(row: ChangeRow): ChangeEntry {
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

// A list of numbers is given as one JSON array parameter, whatever its length.
const listed = '(SELECT value FROM json_each(?))';
const scopeSql = `WITH scope (number) AS (SELECT DISTINCT value FROM json_each(@scope)),
  statuses AS (${numberStatusesSql()})`;

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
    ping: db.prepare<[], number>('SELECT 1').pluck(),
    card: db.prepare<[string], CardRow>('SELECT * FROM cards WHERE number = ?'),
    cards: db.prepare<[], CardRow>('SELECT * FROM cards ORDER BY number'),
    rememberCard: db.prepare<[Record<string, string | null>]>(
      `INSERT INTO cards (number, first_name, last_name, display_name, photo_url, updated_at, updated_by)
       VALUES (@number, @firstName, @lastName, @displayName, @photoUrl, @updatedAt, @updatedBy)
       ON CONFLICT (number) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         display_name = excluded.display_name, photo_url = excluded.photo_url,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ),
    forgetCard: db.prepare<[string]>('DELETE FROM cards WHERE number = ?'),
    observeCard: db.prepare<[string, number, string | null, string | null, string | null, string, string]>(
      `INSERT INTO observations (number, has_card, first_name, last_name, display_name, seen_at, source)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET has_card = excluded.has_card, first_name = excluded.first_name,
         last_name = excluded.last_name, display_name = excluded.display_name,
         seen_at = excluded.seen_at, source = excluded.source
       WHERE excluded.seen_at >= observations.seen_at`,
    ),
    observation: db.prepare<[string], ObservationRow>('SELECT * FROM observations WHERE number = ?'),
    observations: db.prepare<[], ObservationRow>('SELECT * FROM observations ORDER BY number'),
    statusCounts: db.prepare<[{ scope: string }], { status: string; n: number }>(
      `${scopeSql} SELECT status, count(*) AS n FROM statuses GROUP BY status`,
    ),
    pageNumbers: db
      .prepare<[Record<string, string | number>], string>(
        `${scopeSql} SELECT number FROM statuses WHERE status = @status ORDER BY number LIMIT @limit OFFSET @offset`,
      )
      .pluck(),
    // Without a status to match, a page needs no status at all.
    pageOfAll: db
      .prepare<[Record<string, string | number>], string>(
        `SELECT DISTINCT value FROM json_each(@scope) ORDER BY value LIMIT @limit OFFSET @offset`,
      )
      .pluck(),
    cardsOf: db.prepare<[string], CardRow>(`SELECT * FROM cards WHERE number IN ${listed}`),
    observationsOf: db.prepare<[string], ObservationRow>(
      `SELECT * FROM observations WHERE number IN ${listed}`,
    ),
    latestCardChangesOf: db.prepare<[string], ChangeRow>(
      `SELECT * FROM changes WHERE id IN (SELECT (SELECT max(id) FROM changes
         WHERE changes.number = listed.value AND action IN ('set', 'delete')) FROM json_each(?) AS listed)`,
    ),
    assignmentsOf: db.prepare<[string], AssignmentRow>(
      `SELECT * FROM assignments WHERE number IN ${listed} ORDER BY number, assigned_at, user_id`,
    ),
    knownNumbers: db
      .prepare<[], string>(
        `SELECT number FROM assignments UNION SELECT number FROM cards UNION SELECT number FROM changes
       UNION SELECT number FROM observations ORDER BY number`,
      )
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

export interface SqliteStoreOptions {
  now?: () => Date;
  /** How many changes to one number may be ahead of a new one before it is refused; 50. */
  maxWaiting?: number;
}

export class SqliteStore extends ComposedStore implements Store {
  readonly #ctx: SqliteContext;
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #releaseQueue: () => void;
  readonly turns: NumberTurns;

  constructor(db: Database.Database, now: () => Date, options: { maxWaiting?: number } = {}) {
    const ctx: SqliteContext = { db, now, instanceId: null };
    super({
      assignments: new SqliteAssignments(ctx),
      photos: new SqlitePhotos(ctx),
      jobs: new SqliteBulkJobs(ctx),
      approvals: new SqliteApprovals(ctx),
      instances: new SqliteInstances(ctx),
    });
    this.#ctx = ctx;
    this.#db = db;
    this.#now = now;
    this.#sql = prepare(db);
    const maxWaiting = checkMaxWaiting(options.maxWaiting);
    const { queue, release } = acquireQueue(db.name);
    this.#releaseQueue = release;
    const pendingCount = this.#sql.pendingCount;
    this.turns = new QueueTurns(queue, maxWaiting, (number) => pendingCount.get(number) ?? 0);
  }

  async beginChange(change: NewChange): Promise<ChangeEntry> {
    const requestKey = change.requestKey ?? null;
    let row: ChangeRow | undefined;
    try {
      row = this.#sql.insertChange.get({
        action: change.action,
        number: change.number,
        actorId: change.actorId,
        startedAt: (change.startedAt ?? this.#now()).toISOString(),
        before: cardJson(change.before),
        after: cardJson(change.after),
        subject: change.subject ?? null,
        requestKey,
        instanceId: change.instanceId === undefined ? this.#ctx.instanceId : change.instanceId,
      });
    } catch (error) {
      // The unique index, not a read before the insert, decides: only it is race-free across processes.
      const duplicate = error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
      const existing = duplicate && requestKey !== null ? this.#sql.changeByKey.get(requestKey) : undefined;
      if (requestKey !== null && existing) throw new DuplicateRequestError(requestKey, toEntry(existing));
      throw error;
    }
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return toEntry(row);
  }

  async completeChange(id: number, result: ChangeResult): Promise<ChangeEntry> {
    return this.#db
      .transaction(() => {
        const row = this.#sql.changeById.get(id);
        if (!row) throw new Error(`no change ${id} to complete`);
        if (row.outcome !== 'pending') throw new Error(`change ${id} is already complete (${row.outcome})`);
        const finishedAt = result.finishedAt ?? this.#now();
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
      })
      .immediate();
  }

  async confirmChange(id: number, at?: Date): Promise<void> {
    this.#sql.confirmChange.run((at ?? this.#now()).toISOString(), id);
  }

  async history(number: string, limit = 10): Promise<ChangeEntry[]> {
    return this.#sql.history.all(number, limit).map(toEntry);
  }

  async ping(): Promise<boolean> {
    try {
      return this.#sql.ping.get() === 1;
    } catch {
      return false;
    }
  }

  async lastKnownCard(number: string): Promise<KnownCard | undefined> {
    const row = this.#sql.card.get(number);
    return row && toKnownCard(row);
  }

  async knownCards(): Promise<KnownCard[]> {
    return this.#sql.cards.all().map(toKnownCard);
  }

  async rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void> {
    this.#sql.rememberCard.run({
      number,
      ...snapshot(card),
      updatedAt: this.#now().toISOString(),
      updatedBy,
    });
  }

  async forgetCard(number: string): Promise<void> {
    this.#sql.forgetCard.run(number);
  }

  async observeCard(
    number: string,
    seen: { card: SeenCard | null; source: ObservationSource; at?: Date },
  ): Promise<void> {
    const [hasCard, ...names] = observationColumns(seen.card);
    this.#sql.observeCard.run(
      number,
      hasCard ? 1 : 0,
      ...names,
      (seen.at ?? this.#now()).toISOString(),
      seen.source,
    );
  }

  async observedCard(number: string): Promise<ObservedCard | undefined> {
    const row = this.#sql.observation.get(number);
    return row && toObservedCard(row);
  }

  async observedCards(): Promise<ObservedCard[]> {
    return this.#sql.observations.all().map(toObservedCard);
  }

  async knownNumbers(): Promise<string[]> {
    return this.#sql.knownNumbers.all();
  }

  async statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>> {
    const rows = this.#sql.statusCounts.all({ scope: JSON.stringify(numbers) });
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]> {
    const where = { scope: JSON.stringify(numbers), limit: query.limit, offset: query.offset };
    const page =
      query.status === undefined
        ? this.#sql.pageOfAll.all(where)
        : this.#sql.pageNumbers.all({ ...where, status: query.status });
    return this.#recordsOf(page);
  }

  /** The facts of one page of numbers: four reads by primary key or index, whatever the fleet's size. */
  #recordsOf(page: string[]): NumberRecord[] {
    const listedPage = JSON.stringify(page);
    return pageRecords(page, {
      cards: this.#sql.cardsOf.all(listedPage).map(toKnownCard),
      observations: this.#sql.observationsOf.all(listedPage).map(toObservedCard),
      latest: this.#sql.latestCardChangesOf.all(listedPage).map(toEntry),
      assignments: this.#sql.assignmentsOf.all(listedPage).map(toAssignment),
    });
  }

  async close(): Promise<void> {
    this.#releaseQueue();
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
