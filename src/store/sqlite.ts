import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import {
  type Assignment,
  type CardSnapshot,
  type ChangeAction,
  type ChangeEntry,
  type ChangeOutcome,
  type ChangeResult,
  DuplicateRequestError,
  type KnownCard,
  type NewChange,
  type Store,
} from './types.js';

const UNKNOWN_MESSAGE = 'the process stopped before the outcome was known';

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
}

interface AssignmentRow {
  number: string;
  user_id: string;
  assigned_by: string;
  assigned_at: string;
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

const snapshot = (card: CardSnapshot): CardSnapshot => ({
  firstName: card.firstName ?? null,
  lastName: card.lastName ?? null,
  displayName: card.displayName ?? null,
  photoUrl: card.photoUrl ?? null,
});

const cardJson = (card: CardSnapshot | null | undefined) => (card ? JSON.stringify(snapshot(card)) : null);
const parseCard = (json: string | null) =>
  json === null ? null : snapshot(JSON.parse(json) as CardSnapshot);

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
  };
}

function prepare(db: Database.Database) {
  return {
    assign: db.prepare<[string, string, string, string]>(
      'INSERT INTO assignments (number, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    unassignOne: db
      .prepare<[string, string], string>(
        'DELETE FROM assignments WHERE number = ? AND user_id = ? RETURNING user_id',
      )
      .pluck(),
    unassignAll: db
      .prepare<[string], string>('DELETE FROM assignments WHERE number = ? RETURNING user_id')
      .pluck(),
    ownersOf: db
      .prepare<[string], string>(
        'SELECT user_id FROM assignments WHERE number = ? ORDER BY assigned_at, user_id',
      )
      .pluck(),
    numbersOf: db
      .prepare<[string], string>('SELECT number FROM assignments WHERE user_id = ? ORDER BY number')
      .pluck(),
    assignments: db.prepare<[], AssignmentRow>(
      'SELECT * FROM assignments ORDER BY number, assigned_at, user_id',
    ),
    anyAssignment: db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM assignments)').pluck(),
    insertChange: db.prepare<[Record<string, string | null>], ChangeRow>(
      `INSERT INTO changes (action, number, actor_id, started_at, outcome, before_card, after_card, subject, request_key)
       VALUES (@action, @number, @actorId, @startedAt, 'pending', @before, @after, @subject, @requestKey)
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
    history: db.prepare<[string, number], ChangeRow>(
      'SELECT * FROM changes WHERE number = ? ORDER BY id DESC LIMIT ?',
    ),
    markPendingUnknown: db.prepare<[string]>(
      "UPDATE changes SET outcome = 'unknown', message = ? WHERE outcome = 'pending'",
    ),
    card: db.prepare<[string], CardRow>('SELECT * FROM cards WHERE number = ?'),
    rememberCard: db.prepare<[Record<string, string | null>]>(
      `INSERT INTO cards (number, first_name, last_name, display_name, photo_url, updated_at, updated_by)
       VALUES (@number, @firstName, @lastName, @displayName, @photoUrl, @updatedAt, @updatedBy)
       ON CONFLICT (number) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         display_name = excluded.display_name, photo_url = excluded.photo_url,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ),
    forgetCard: db.prepare<[string]>('DELETE FROM cards WHERE number = ?'),
    knownNumbers: db
      .prepare<[], string>(
        `SELECT number FROM assignments UNION SELECT number FROM cards UNION SELECT number FROM changes
       ORDER BY number`,
      )
      .pluck(),
  };
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(db: Database.Database, now: () => Date) {
    this.#db = db;
    this.#now = now;
    this.#sql = prepare(db);
  }

  async assign(number: string, userId: string, assignedBy: string): Promise<boolean> {
    return this.#sql.assign.run(number, userId, assignedBy, this.#now().toISOString()).changes === 1;
  }

  async unassign(number: string, userId?: string): Promise<string[]> {
    const removed =
      userId === undefined ? this.#sql.unassignAll.all(number) : this.#sql.unassignOne.all(number, userId);
    return removed.sort();
  }

  async ownersOf(number: string): Promise<string[]> {
    return this.#sql.ownersOf.all(number);
  }

  async numbersOf(userId: string): Promise<string[]> {
    return this.#sql.numbersOf.all(userId);
  }

  async assignments(): Promise<Assignment[]> {
    return this.#sql.assignments.all().map((row) => ({
      number: row.number,
      userId: row.user_id,
      assignedBy: row.assigned_by,
      assignedAt: new Date(row.assigned_at),
    }));
  }

  async hasAssignments(): Promise<boolean> {
    return this.#sql.anyAssignment.get() === 1;
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

  async history(number: string, limit = 10): Promise<ChangeEntry[]> {
    return this.#sql.history.all(number, limit).map(toEntry);
  }

  async markPendingUnknown(): Promise<number> {
    return this.#sql.markPendingUnknown.run(UNKNOWN_MESSAGE).changes;
  }

  async lastKnownCard(number: string): Promise<KnownCard | undefined> {
    const row = this.#sql.card.get(number);
    if (!row) return undefined;
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

  async knownNumbers(): Promise<string[]> {
    return this.#sql.knownNumbers.all();
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/** Opens (creating file, folder and schema as needed) and migrates; `:memory:` gives a throwaway store. */
export function openSqliteStore(path: string, options: { now?: () => Date } = {}): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 builds with NORMAL as the WAL default, under which a power cut can lose the
    // last commits: a pending entry lost that way would be exactly the silent gap the audit forbids.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteStore(db, options.now ?? (() => new Date()));
  } catch (error) {
    db.close();
    throw error;
  }
}
