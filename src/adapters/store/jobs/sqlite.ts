import type Database from 'better-sqlite3';
import type { CardSnapshot } from '../../../domain/card/records.js';
import { snapshot } from '../common.js';
import type { SqliteContext } from '../sqlite-context.js';
import { type BulkJob, type BulkJobState, type BulkJobStore, type NewBulkJob, recordedJob } from './types.js';

interface BulkRow {
  id: number;
  actor_id: string;
  channel: string;
  message_ts: string | null;
  numbers: string;
  card: string;
  cards: string | null;
  state: BulkJobState;
  instance_id: string | null;
  created_at: string;
}

function toBulkJob(row: BulkRow): BulkJob {
  return {
    id: row.id,
    actorId: row.actor_id,
    channel: row.channel,
    messageTs: row.message_ts,
    numbers: JSON.parse(row.numbers) as string[],
    card: snapshot(JSON.parse(row.card) as CardSnapshot),
    cards: row.cards ? (JSON.parse(row.cards) as Record<string, CardSnapshot>) : null,
    state: row.state,
    instanceId: row.instance_id,
    createdAt: new Date(row.created_at),
  };
}

function prepare(db: Database.Database) {
  return {
    createBulkJob: db.prepare<[Record<string, string | null>], { id: number }>(
      `INSERT INTO bulk_jobs (actor_id, channel, numbers, card, cards, state, instance_id, created_at)
       VALUES (@actorId, @channel, @numbers, @card, @cards, @state, @instanceId, @createdAt) RETURNING id`,
    ),
    bulkJob: db.prepare<[number], BulkRow>('SELECT * FROM bulk_jobs WHERE id = ?'),
    startDraftJob: db.prepare<[number]>(
      "UPDATE bulk_jobs SET state = 'running' WHERE id = ? AND state = 'draft'",
    ),
    bulkJobs: db.prepare<[string], BulkRow>('SELECT * FROM bulk_jobs WHERE state = ? ORDER BY id'),
    updateBulkJob: db.prepare<[Record<string, string | number | null>]>(
      `UPDATE bulk_jobs SET message_ts = COALESCE(@messageTs, message_ts), state = COALESCE(@state, state) WHERE id = @id`,
    ),
  };
}

export class SqliteBulkJobs implements BulkJobStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async createBulkJob(job: NewBulkJob): Promise<BulkJob> {
    const card = snapshot(job.card);
    const createdAt = this.#ctx.now();
    const row = this.#sql.createBulkJob.get({
      actorId: job.actorId,
      channel: job.channel,
      numbers: JSON.stringify(job.numbers),
      card: JSON.stringify(card),
      cards: job.cards ? JSON.stringify(job.cards) : null,
      state: job.state ?? 'running',
      instanceId: this.#ctx.instanceId,
      createdAt: createdAt.toISOString(),
    });
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return recordedJob({ ...job, card }, { id: row.id, instanceId: this.#ctx.instanceId, createdAt });
  }

  async bulkJob(id: number): Promise<BulkJob | undefined> {
    const row = this.#sql.bulkJob.get(id);
    return row && toBulkJob(row);
  }

  async startDraftJob(id: number): Promise<boolean> {
    return this.#sql.startDraftJob.run(id).changes === 1;
  }

  async bulkJobs(state: BulkJobState): Promise<BulkJob[]> {
    return this.#sql.bulkJobs.all(state).map(toBulkJob);
  }

  async updateBulkJob(id: number, change: Partial<Pick<BulkJob, 'messageTs' | 'state'>>): Promise<void> {
    this.#sql.updateBulkJob.run({ id, messageTs: change.messageTs ?? null, state: change.state ?? null });
  }
}
