import type { PostgresConnection } from '../postgres-connection.js';
import type { Assignment, AssignmentStore } from './types.js';

/** @internal An assignments row; the fleet's pages read them too (cards/postgres.ts). */
export interface AssignmentRow {
  number: string;
  user_id: string;
  assigned_by: string;
  assigned_at: Date;
}

export const toAssignment = (row: AssignmentRow): Assignment => ({
  number: row.number,
  userId: row.user_id,
  assignedBy: row.assigned_by,
  assignedAt: row.assigned_at,
});

export class PostgresAssignments implements AssignmentStore {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async assign(number: string, userId: string, assignedBy: string): Promise<boolean> {
    const rows = await this.#db.query(
      `INSERT INTO assignments (number, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [number, userId, assignedBy, this.#db.appNow()],
    );
    return rows.length === 1;
  }

  async unassign(number: string, userId?: string): Promise<string[]> {
    const rows =
      userId === undefined
        ? await this.#db.query<{ user_id: string }>(
            'DELETE FROM assignments WHERE number = $1 RETURNING user_id',
            [number],
          )
        : await this.#db.query<{ user_id: string }>(
            'DELETE FROM assignments WHERE number = $1 AND user_id = $2 RETURNING user_id',
            [number, userId],
          );
    return rows.map((row) => row.user_id).sort();
  }

  async ownersOf(number: string): Promise<string[]> {
    const rows = await this.#db.query<{ user_id: string }>(
      'SELECT user_id FROM assignments WHERE number = $1 ORDER BY assigned_at, user_id',
      [number],
    );
    return rows.map((row) => row.user_id);
  }

  async numbersOf(userId: string): Promise<string[]> {
    const rows = await this.#db.query<{ number: string }>(
      'SELECT number FROM assignments WHERE user_id = $1 ORDER BY number',
      [userId],
    );
    return rows.map((row) => row.number);
  }

  async assignments(): Promise<Assignment[]> {
    const rows = await this.#db.query<AssignmentRow>(
      'SELECT * FROM assignments ORDER BY number, assigned_at, user_id',
    );
    return rows.map(toAssignment);
  }

  async hasAssignments(): Promise<boolean> {
    const rows = await this.#db.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM assignments) AS any');
    return rows[0]?.any === true;
  }
}
