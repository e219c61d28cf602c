import type { CardStatus } from '../../domain/card/picture.js';
import type {
  CardSnapshot,
  ChangeEntry,
  KnownCard,
  ObservationSource,
  ObservedCard,
  SeenCard,
} from '../../domain/card/records.js';
import type { ApprovalStore } from './approvals/types.js';
import type { AssignmentStore } from './assignments/types.js';
import type { ChangeStore } from './changes/types.js';
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
export {
  type ChangeResult,
  type ChangeStore,
  DuplicateRequestError,
  type NewChange,
  type NumberTurns,
  TooManyWaitingError,
} from './changes/types.js';
export type { ExclusiveRun, InstanceLeases, InstanceStore } from './instances/types.js';
export type { BulkJob, BulkJobState, BulkJobStore, NewBulkJob } from './jobs/types.js';
export type { HostedPhoto, HostedPhotoInfo, PhotoStore } from './photos/types.js';

// Async throughout so that a PostgreSQL implementation, shared by several replicas, can replace the
// SQLite one without touching callers.

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

/** The store keeps every part's records; the instance leases are declared where the lease runs. */
export interface Store
  extends InstanceStore,
    AssignmentStore,
    PhotoStore,
    BulkJobStore,
    ApprovalStore,
    ChangeStore {
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
