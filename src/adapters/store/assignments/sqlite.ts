import type Database from 'better-sqlite3';
import type { SqliteContext } from '../sqlite-context.js';
import type { Assignment, AssignmentStore } from './types.js';

/** @internal An assignments row; the fleet's pages read them too (cards/sqlite.ts). */
export interface AssignmentRow {
  number: string;
  user_id: string;
  assigned_by: string;
  assigned_at: string;
}

export const toAssignment = (row: AssignmentRow): Assignment => ({
  number: row.number,
  userId: row.user_id,
  assignedBy: row.assigned_by,
  assignedAt: new Date(row.assigned_at),
});

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
  };
}

export class SqliteAssignments implements AssignmentStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async assign(number: string, userId: string, assignedBy: string): Promise<boolean> {
    return this.#sql.assign.run(number, userId, assignedBy, this.#ctx.now().toISOString()).changes === 1;
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
    return this.#sql.assignments.all().map(toAssignment);
  }

  async hasAssignments(): Promise<boolean> {
    return this.#sql.anyAssignment.get() === 1;
  }
}
