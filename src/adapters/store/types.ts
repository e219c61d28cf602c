import type { ApprovalStore } from './approvals/types.js';
import type { AssignmentStore } from './assignments/types.js';
import type { CardStore, FleetReads } from './cards/types.js';
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
export type {
  CardStore,
  CardsOfNumber,
  FleetPageQuery,
  FleetReads,
  NumberRecord,
  Sighting,
} from './cards/types.js';
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

// Async throughout so that a PostgreSQL implementation, shared by several replicas, can replace the
// SQLite one without touching callers.

/**
 * The one store callers get: each part keeps one kind of record (its interface, with its SQLite and
 * PostgreSQL halves, in its folder), all over one connection; the instance leases are declared where
 * the lease runs (runtime/instance.ts).
 */
export interface Store
  extends ChangeStore,
    CardStore,
    FleetReads,
    AssignmentStore,
    PhotoStore,
    BulkJobStore,
    ApprovalStore,
    InstanceStore {
  /** True when the database answers (quickly). Never rejects. */
  ping(): Promise<boolean>;

  close(): Promise<void>;
}
