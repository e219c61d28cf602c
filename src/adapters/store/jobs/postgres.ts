import type { CardSnapshot } from '../../../domain/card/records.js';
import { snapshot } from '../common.js';
import type { PostgresConnection } from '../postgres-connection.js';
import { type BulkJob, type BulkJobState, type BulkJobStore, type NewBulkJob, recordedJob } from './types.js';

interface BulkRow {
  id: string | number;
  actor_id: string;
  channel: string;
  message_ts: string | null;
  numbers: string[];
  card: CardSnapshot;
  cards: Record<string, CardSnapshot> | null;
  state: BulkJobState;
  instance_id: string | null;
  created_at: Date;
}

function toBulkJob(row: BulkRow): BulkJob {
  return {
    id: Number(row.id),
    actorId: row.actor_id,
    channel: row.channel,
    messageTs: row.message_ts,
    numbers: row.numbers,
    card: snapshot(row.card),
    cards: row.cards,
    state: row.state,
    instanceId: row.instance_id,
    createdAt: row.created_at,
  };
}

export class PostgresBulkJobs implements BulkJobStore {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async createBulkJob(job: NewBulkJob): Promise<BulkJob> {
    const card = snapshot(job.card);
    const createdAt = this.#db.appNow();
    const [row] = await this.#db.query<{ id: string | number }>(
      `INSERT INTO bulk_jobs (actor_id, channel, numbers, card, cards, state, instance_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        job.actorId,
        job.channel,
        JSON.stringify(job.numbers),
        JSON.stringify(card),
        job.cards ? JSON.stringify(job.cards) : null,
        job.state ?? 'running',
        this.#db.instanceId,
        createdAt,
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return recordedJob({ ...job, card }, { id: Number(row.id), instanceId: this.#db.instanceId, createdAt });
  }

  async bulkJob(id: number): Promise<BulkJob | undefined> {
    const [row] = await this.#db.query<BulkRow>('SELECT * FROM bulk_jobs WHERE id = $1', [id]);
    return row && toBulkJob(row);
  }

  async startDraftJob(id: number): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>(
      "UPDATE bulk_jobs SET state = 'running' WHERE id = $1 AND state = 'draft' RETURNING id",
      [id],
    );
    return rows.length === 1;
  }

  async bulkJobs(state: BulkJobState): Promise<BulkJob[]> {
    return (
      await this.#db.query<BulkRow>('SELECT * FROM bulk_jobs WHERE state = $1 ORDER BY id', [state])
    ).map(toBulkJob);
  }

  async updateBulkJob(id: number, change: Partial<Pick<BulkJob, 'messageTs' | 'state'>>): Promise<void> {
    await this.#db.query(
      'UPDATE bulk_jobs SET message_ts = COALESCE($2, message_ts), state = COALESCE($3, state) WHERE id = $1',
      [id, change.messageTs ?? null, change.state ?? null],
    );
  }
}
