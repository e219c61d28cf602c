// The store's bulk jobs: one card (or an import's cards) for many numbers, kept so that a restart can say what was not applied.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-jobs.test.ts.
import type { CardSnapshot } from '../../../domain/card/records.js';

/** `draft`: an import being previewed, not started. */
export type BulkJobState = 'draft' | 'running' | 'done' | 'cancelled' | 'interrupted';

/** One card applied to many numbers; each number's change is in the audit trail (request key `bulk:<id>:<number>`). */
export interface BulkJob {
  id: number;
  actorId: string;
  /** Where its progress message is. */
  channel: string;
  messageTs: string | null;
  numbers: string[];
  card: CardSnapshot;
  /** An import's card for each number (a bulk change has one card for all: `card`). */
  cards: Record<string, CardSnapshot> | null;
  state: BulkJobState;
  /** The instance running it (the one whose lease this store registered). */
  instanceId: string | null;
  createdAt: Date;
}

/** What createBulkJob is given: the store adds the id, the instance and the time. */
export type NewBulkJob = Pick<BulkJob, 'actorId' | 'channel' | 'numbers' | 'card'> & {
  cards?: BulkJob['cards'];
  state?: 'draft' | 'running';
};

/** Bulk jobs: recorded so that a restart can say what was not applied. */
export interface BulkJobStore {
  createBulkJob(job: NewBulkJob): Promise<BulkJob>;
  bulkJob(id: number): Promise<BulkJob | undefined>;
  bulkJobs(state: BulkJobState): Promise<BulkJob[]>;
  updateBulkJob(id: number, change: Partial<Pick<BulkJob, 'messageTs' | 'state'>>): Promise<void>;
  /** A draft (an import, a job awaiting approval) becomes running; false when it was not a draft any more: it starts once. */
  startDraftJob(id: number): Promise<boolean>;
}

/**
 * The job a store just recorded, from what it was given: an import's thousands of cards are not
 * read back and parsed again only to return what the caller already holds.
 */
export function recordedJob(
  job: NewBulkJob,
  recorded: { id: number; instanceId: string | null; createdAt: Date },
): BulkJob {
  return {
    ...recorded,
    actorId: job.actorId,
    channel: job.channel,
    messageTs: null,
    numbers: job.numbers,
    card: job.card,
    cards: job.cards ?? null,
    state: job.state ?? 'running',
  };
}
