import { coveredRequests, numbersOfChanges } from '../common.js';
import type { PostgresConnection } from '../postgres-connection.js';
import { lockSpace } from '../postgres-migrations.js';
import type {
  Approval,
  ApprovalDecision,
  ApprovalFilter,
  ApprovalState,
  ApprovalStore,
  NewApproval,
  RequestedApproval,
} from './types.js';

interface ApprovalRow {
  id: string | number;
  kind: Approval['kind'];
  requester_id: string;
  channel: string;
  changes: Approval['changes'];
  photo_hosted: boolean;
  job_id: string | number | null;
  request_key: string | null;
  state: ApprovalState;
  created_at: Date;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  superseded_by: string | number | null;
  messages: Approval['messages'];
}

function toApproval(row: ApprovalRow): Approval {
  return {
    id: Number(row.id),
    kind: row.kind,
    requesterId: row.requester_id,
    channel: row.channel,
    changes: row.changes,
    photoHosted: row.photo_hosted,
    jobId: row.job_id === null ? null : Number(row.job_id),
    requestKey: row.request_key,
    state: row.state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    supersededBy: row.superseded_by === null ? null : Number(row.superseded_by),
    messages: row.messages,
  };
}

export class PostgresApprovals implements ApprovalStore {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async requestApproval(request: NewApproval): Promise<RequestedApproval> {
    const numbers = numbersOfChanges(request.changes);
    return this.#db.transaction(async (client) => {
      // One request at a time, so that two made at once on two replicas cannot both miss each other.
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [lockSpace.approvals]);
      if (request.requestKey) {
        const { rows } = await client.query<ApprovalRow>('SELECT * FROM approvals WHERE request_key = $1', [
          request.requestKey,
        ]);
        if (rows[0]) return { approval: toApproval(rows[0]), superseded: [], duplicate: true };
      }
      const waiting = (
        await client.query<ApprovalRow>("SELECT * FROM approvals WHERE state = 'waiting' ORDER BY id")
      ).rows.map(toApproval);
      const { rows } = await client.query<ApprovalRow>(
        `INSERT INTO approvals (kind, requester_id, channel, numbers, changes, photo_hosted, job_id, request_key,
           state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9, $10) RETURNING *`,
        [
          request.kind,
          request.requesterId,
          request.channel,
          JSON.stringify(numbers),
          JSON.stringify(request.changes),
          request.photoHosted ?? false,
          request.jobId ?? null,
          request.requestKey ?? null,
          request.createdAt ?? this.#db.appNow(),
          request.expiresAt,
        ],
      );
      const row = rows[0];
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      const approval = toApproval(row);
      const superseded = coveredRequests(numbers, waiting);
      if (superseded.length > 0) {
        await client.query(
          "UPDATE approvals SET state = 'superseded', superseded_by = $1 WHERE id = ANY($2) AND state = 'waiting'",
          [approval.id, superseded.map((old) => old.id)],
        );
      }
      return {
        approval,
        superseded: superseded.map((old) => ({
          ...old,
          state: 'superseded' as const,
          supersededBy: approval.id,
        })),
        duplicate: false,
      };
    });
  }

  async approval(id: number): Promise<Approval | undefined> {
    const [row] = await this.#db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id]);
    return row && toApproval(row);
  }

  async approvals(filter: ApprovalFilter = {}): Promise<Approval[]> {
    const rows = await this.#db.query<ApprovalRow>(
      `SELECT * FROM approvals
       WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR numbers ? $2)
         AND ($3::text IS NULL OR requester_id = $3)
       ORDER BY id DESC LIMIT $4`,
      [filter.state ?? null, filter.number ?? null, filter.requesterId ?? null, filter.limit ?? 50],
    );
    return rows.map(toApproval);
  }

  async decideApproval(id: number, decision: ApprovalDecision): Promise<Approval | undefined> {
    const at = decision.at ?? this.#db.appNow();
    const [row] = await this.#db.query<ApprovalRow>(
      `UPDATE approvals SET state = $2, decided_by = $3, decided_at = $4, reason = $5
       WHERE id = $1 AND state = 'waiting' AND expires_at > $4 RETURNING *`,
      [id, decision.state, decision.by, at, decision.reason ?? null],
    );
    return row && toApproval(row);
  }

  async expireApprovals(at?: Date): Promise<Approval[]> {
    const rows = await this.#db.query<ApprovalRow>(
      "UPDATE approvals SET state = 'expired' WHERE state = 'waiting' AND expires_at <= $1 RETURNING *",
      [at ?? this.#db.appNow()],
    );
    return rows.map(toApproval);
  }

  async addApprovalMessages(id: number, messages: Approval['messages']): Promise<void> {
    await this.#db.query('UPDATE approvals SET messages = messages || $2::jsonb WHERE id = $1', [
      id,
      JSON.stringify(messages),
    ]);
  }
}
