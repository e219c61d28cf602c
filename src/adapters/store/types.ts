import type { CardStatus } from '../../domain/card/picture.js';
import type {
  CardSnapshot,
  ChangeAction,
  ChangeEntry,
  KnownCard,
  ObservationSource,
  ObservedCard,
  SeenCard,
} from '../../domain/card/records.js';
import type { ApprovalStore } from './approvals/types.js';
import type { AssignmentStore } from './assignments/types.js';
import type { InstanceStore } from './instances/types.js';
import type { BulkJobStore } from './jobs/types.js';
import type { PhotoStore } from './photos/types.js';

// The records of a number's card and history are the domain's; re-exported for the store's callers.
export {
  type CardSnapshot,
  type ChangeAction,
  type ChangeEntry,
  type ChangeOutcome,
  type KnownCard,
  type ObservationSource,
  type ObservedCard,
  OUTSIDE_ACTOR,
  observationSources,
  type SeenCard,
} from '../../domain/card/records.js';
export type {
  Approval,
  ApprovalDecision,
  ApprovalFilter,
  ApprovalKind,
  ApprovalState,
  ApprovalStore,
  NewApproval,
  ProposedChange,
  RequestedApproval,
} from './approvals/types.js';
export type { Assignment, AssignmentStore } from './assignments/types.js';
export type { ExclusiveRun, InstanceLeases, InstanceStore } from './instances/types.js';
export type { BulkJob, BulkJobState, BulkJobStore, NewBulkJob } from './jobs/types.js';
export type { HostedPhoto, HostedPhotoInfo, PhotoStore } from './photos/types.js';

// Async throughout so that a PostgreSQL implementation, shared by several replicas, can replace the
// SQLite one without touching callers.

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

/** What the store knows of one number, as a page of the fleet reads it. */
export interface NumberRecord {
  number: string;
  applied: KnownCard | undefined;
  observed: ObservedCard | undefined;
  latest: ChangeEntry | undefined;
  /** In the order they were assigned. */
  owners: string[];
}

/** One page of a set of numbers, in number order: those of one status only, when `status` is given. */
export interface FleetPageQuery {
  status?: CardStatus | undefined;
  offset: number;
  limit: number;
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

/**
 * A store operation failed for a reason other than the store's own rules (the database is down or
 * refused the query). Raised by the guard around every store (src/runtime/metrics.ts), so callers can tell
 * people "the database is unavailable" instead of "something went wrong".
 */
export class StoreUnavailableError extends Error {
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`the store could not ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailableError';
    this.operation = operation;
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

/** The store keeps every part's records; the instance leases are declared where the lease runs. */
export interface Store extends InstanceStore, AssignmentStore, PhotoStore, BulkJobStore, ApprovalStore {
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

  /** True when the database answers (quickly). Never rejects. */
  ping(): Promise<boolean>;

  /** Sendblue never returns the photo URL, so the last card set through this app is kept here. */
  lastKnownCard(number: string): Promise<KnownCard | undefined>;
  rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void>;
  forgetCard(number: string): Promise<void>;
  /**
   * Remembers what a read of Sendblue's state saw. An observation older than the one kept (a slow
   * read finishing after a newer one) changes nothing.
   */
  observeCard(
    number: string,
    seen: { card: SeenCard | null; source: ObservationSource; at?: Date },
  ): Promise<void>;
  observedCard(number: string): Promise<ObservedCard | undefined>;
  /** Every observation, by number: one read for a whole fleet. */
  observedCards(): Promise<ObservedCard[]>;
  /** Every number with an assignment, a known card, an observation or any change, sorted. */
  knownNumbers(): Promise<string[]>;
  /** Every last known card, by number: one read for a whole fleet (the Home tab). */
  knownCards(): Promise<KnownCard[]>;

  /**
   * How many of `numbers` have each status (the one pictureOf gives them; statuses nobody has are
   * left out), from one aggregate query: no row of theirs is read into the app.
   */
  statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>>;
  /** One page of `numbers` (duplicates count once), each with its facts and owners: the Home tab. */
  fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]>;

  close(): Promise<void>;
}
