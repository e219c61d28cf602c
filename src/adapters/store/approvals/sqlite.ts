import type Database from 'better-sqlite3';
import { coveredRequests, numbersOfChanges } from '../common.js';
import type { SqliteContext } from '../sqlite-context.js';
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
  id: number;
  kind: Approval['kind'];
  requester_id: string;
  channel: string;
  numbers: string;
  changes: string;
  photo_hosted: number;
  job_id: number | null;
  request_key: string | null;
  state: ApprovalState;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  superseded_by: number | null;
  messages: string;
}

function toApproval(row: ApprovalRow): Approval {
  return {
    id: row.id,
    kind: row.kind,
    requesterId: row.requester_id,
    channel: row.channel,
    changes: JSON.parse(row.changes) as Approval['changes'],
    photoHosted: row.photo_hosted === 1,
    jobId: row.job_id,
    requestKey: row.request_key,
    state: row.state,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
    reason: row.reason,
    supersededBy: row.superseded_by,
    messages: JSON.parse(row.messages) as Approval['messages'],
  };
}

function prepare(db: Database.Database) {
  return {
    insertApproval: db.prepare<[Record<string, string | number | null>], ApprovalRow>(
      `INSERT INTO approvals (kind, requester_id, channel, numbers, changes, photo_hosted, job_id, request_key,
         state, created_at, expires_at)
       VALUES (@kind, @requesterId, @channel, @numbers, @changes, @photoHosted, @jobId, @requestKey, 'waiting',
         @createdAt, @expiresAt)
       RETURNING *`,
    ),
    approvalById: db.prepare<[number], ApprovalRow>('SELECT * FROM approvals WHERE id = ?'),
    approvalByKey: db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE request_key = ?'),
    approvals: db.prepare<[Record<string, string | number | null>], ApprovalRow>(
      `SELECT * FROM approvals
       WHERE (@state IS NULL OR state = @state) AND (@requesterId IS NULL OR requester_id = @requesterId)
         AND (@number IS NULL OR EXISTS (SELECT 1 FROM json_each(approvals.numbers) WHERE value = @number))
       ORDER BY id DESC LIMIT @limit`,
    ),
    supersede: db.prepare<[number, number]>(
      "UPDATE approvals SET state = 'superseded', superseded_by = ? WHERE id = ? AND state = 'waiting'",
    ),
    decideApproval: db.prepare<[Record<string, string | number | null>], ApprovalRow>(
      `UPDATE approvals SET state = @state, decided_by = @by, decided_at = @at, reason = @reason
       WHERE id = @id AND state = 'waiting' AND expires_at > @at RETURNING *`,
    ),
    expireApprovals: db.prepare<[string], ApprovalRow>(
      "UPDATE approvals SET state = 'expired' WHERE state = 'waiting' AND expires_at <= ? RETURNING *",
    ),
    addApprovalMessages: db.prepare<[string, number]>(
      'UPDATE approvals SET messages = (SELECT json_group_array(json(value)) FROM (SELECT value FROM json_each(approvals.messages) UNION ALL SELECT value FROM json_each(?))) WHERE id = ?',
    ),
  };
}

export class SqliteApprovals implements ApprovalStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async requestApproval(request: NewApproval): Promise<RequestedApproval> {
    const numbers = numbersOfChanges(request.changes);
    return this.#ctx.db
      .transaction((): RequestedApproval => {
        const earlier = request.requestKey ? this.#sql.approvalByKey.get(request.requestKey) : undefined;
        if (earlier) return { approval: toApproval(earlier), superseded: [], duplicate: true };
        const waiting = this.#sql.approvals
          .all({ state: 'waiting', requesterId: null, number: null, limit: -1 })
          .map(toApproval);
        const row = this.#sql.insertApproval.get({
          kind: request.kind,
          requesterId: request.requesterId,
          channel: request.channel,
          numbers: JSON.stringify(numbers),
          changes: JSON.stringify(request.changes),
          photoHosted: request.photoHosted ? 1 : 0,
          jobId: request.jobId ?? null,
          requestKey: request.requestKey ?? null,
          createdAt: (request.createdAt ?? this.#ctx.now()).toISOString(),
          expiresAt: request.expiresAt.toISOString(),
        });
        if (!row) throw new Error('INSERT … RETURNING gave no row');
        const superseded = coveredRequests(numbers, waiting).map((old) => {
          this.#sql.supersede.run(row.id, old.id);
          return { ...old, state: 'superseded' as const, supersededBy: row.id };
        });
        return { approval: toApproval(row), superseded, duplicate: false };
      })
      .immediate();
  }

  async approval(id: number): Promise<Approval | undefined> {
    const row = this.#sql.approvalById.get(id);
    return row && toApproval(row);
  }

  async approvals(filter: ApprovalFilter = {}): Promise<Approval[]> {
    return this.#sql.approvals
      .all({
        state: filter.state ?? null,
        number: filter.number ?? null,
        requesterId: filter.requesterId ?? null,
        limit: filter.limit ?? 50,
      })
      .map(toApproval);
  }

  async decideApproval(id: number, decision: ApprovalDecision): Promise<Approval | undefined> {
    const row = this.#sql.decideApproval.get({
      id,
      state: decision.state,
      by: decision.by,
      reason: decision.reason ?? null,
      at: (decision.at ?? this.#ctx.now()).toISOString(),
    });
    return row && toApproval(row);
  }

  async expireApprovals(at?: Date): Promise<Approval[]> {
    return this.#sql.expireApprovals.all((at ?? this.#ctx.now()).toISOString()).map(toApproval);
  }

  async addApprovalMessages(id: number, messages: Approval['messages']): Promise<void> {
    this.#sql.addApprovalMessages.run(JSON.stringify(messages), id);
  }
}
