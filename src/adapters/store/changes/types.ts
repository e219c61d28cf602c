// The store's changes: the audit trail of every change to a number (recorded pending before Sendblue is called, then completed once) and the turns that run a number's changes one at a time.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-changes.test.ts.
import type { CardSnapshot, ChangeAction, ChangeEntry } from '../../../domain/card/records.js';

export interface NewChange {
  action: ChangeAction;
  number: string;
  actorId: string;
  before?: CardSnapshot | null;
  after?: CardSnapshot | null;
  subject?: string | null;
  requestKey?: string | null;
  startedAt?: Date;
  /**
   * The instance recording the change. Omitted, the id this store last registered with
   * registerInstance is used (null when it registered none); null records it as nobody's.
   */
  instanceId?: string | null;
}

export interface ChangeResult {
  outcome: 'ok' | 'failed';
  status?: number | null;
  message?: string | null;
  finishedAt?: Date;
  /**
   * The card as it was when the change actually ran. A change queued behind others learns it only
   * then, so it may be given here instead of to beginChange; omitted, the begin-time value stays.
   */
  before?: CardSnapshot | null;
}

export class DuplicateRequestError extends Error {
  readonly requestKey: string;
  readonly existing: ChangeEntry;

  constructor(requestKey: string, existing: ChangeEntry) {
    super(`request ${requestKey} was already recorded as change ${existing.id} (${existing.outcome})`);
    this.name = 'DuplicateRequestError';
    this.requestKey = requestKey;
    this.existing = existing;
  }
}

/** Raised by NumberTurns.run when too many changes to the same number are already ahead. */
export class TooManyWaitingError extends Error {
  readonly number: string;
  /** Changes to the number recorded before this one and not yet finished. */
  readonly ahead: number;
  readonly maxWaiting: number;

  constructor(number: string, ahead: number, maxWaiting: number) {
    super(`${ahead} changes to ${number} are already waiting (at most ${maxWaiting} may wait)`);
    this.name = 'TooManyWaitingError';
    this.number = number;
    this.ahead = ahead;
    this.maxWaiting = maxWaiting;
  }
}

/**
 * Changes to one number run one after another (Sendblue applies each on the phone, and the last one
 * must win), in the order beginChange recorded them; different numbers proceed in parallel.
 */
export interface NumberTurns {
  /** Changes to `number` recorded and not yet finished (all replicas where the store is shared). */
  waiting(number: string): Promise<number>;
  /**
   * Runs `work` once every change to entry.number recorded before `entry` has finished; rejects with
   * TooManyWaitingError when more than `maxWaiting` are already waiting (running or queued ahead of
   * it), in which case `work` never runs and the caller should complete the entry itself.
   *
   * A change is finished once its outcome is written (completeChange, or marked unknown), so `work`
   * must complete `entry` before it settles. SQLite: an in-process queue whose slot is taken when
   * run() is called, so call it right after beginChange resolves, with no await in between.
   * PostgreSQL: the pending rows are the queue, shared by every replica.
   */
  run<T>(entry: ChangeEntry, work: () => Promise<T>): Promise<T>;
}

/** The audit trail: every change, recorded before it is made, with its outcome once known. */
export interface ChangeStore {
  /**
   * Records an attempt as 'pending' before Sendblue is called, so that a crash leaves a trace.
   * Rejects with DuplicateRequestError when the requestKey was already used.
   */
  beginChange(change: NewChange): Promise<ChangeEntry>;
  /** Rejects unless the change is still pending: an outcome is written once. */
  completeChange(id: number, result: ChangeResult): Promise<ChangeEntry>;
  /** Records that Sendblue shows the card a successful change set. */
  confirmChange(id: number, at?: Date): Promise<void>;
  /** Newest first; 10 entries unless told otherwise. */
  history(number: string, limit?: number): Promise<ChangeEntry[]>;

  /** Orders the changes to each number (see NumberTurns). */
  readonly turns: NumberTurns;
}
