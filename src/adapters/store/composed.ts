import type { CardStatus } from '../../domain/card/picture.js';
import type { CardSnapshot, ChangeEntry, KnownCard, ObservedCard } from '../../domain/card/records.js';
import type {
  Approval,
  ApprovalDecision,
  ApprovalFilter,
  ApprovalStore,
  NewApproval,
  RequestedApproval,
} from './approvals/types.js';
import type { Assignment, AssignmentStore } from './assignments/types.js';
import type {
  CardStore,
  CardsOfNumber,
  FleetPageQuery,
  FleetReads,
  NumberRecord,
  Sighting,
} from './cards/types.js';
import type { ChangeResult, ChangeStore, NewChange, NumberTurns } from './changes/types.js';
import type { ExclusiveRun, InstanceStore } from './instances/types.js';
import type { BulkJob, BulkJobState, BulkJobStore, NewBulkJob } from './jobs/types.js';
import type { HostedPhoto, HostedPhotoInfo, PhotoStore } from './photos/types.js';
import type { Store } from './types.js';

/** The parts a store is made of, each over the same connection. */
export interface StoreParts {
  assignments: AssignmentStore;
  cards: CardStore & FleetReads;
  photos: PhotoStore;
  jobs: BulkJobStore;
  approvals: ApprovalStore;
  instances: InstanceStore;
  changes: ChangeStore;
}

/**
 * The one object callers get, whichever database: each call is handed to the part that keeps what
 * it asks about. SqliteStore and PostgresStore build the parts over their one connection (so that
 * the instance a store registers is the one its changes and jobs record) and add ping and close.
 * Plain methods, not copies of the parts' functions: the guard (guarded.ts) wraps them like any
 * store's, and `this` is always the store.
 */
export abstract class ComposedStore implements Store {
  readonly #parts: StoreParts;
  readonly turns: NumberTurns;

  constructor(parts: StoreParts) {
    this.#parts = parts;
    this.turns = parts.changes.turns;
  }

  // assignments/
  assign(number: string, userId: string, assignedBy: string): Promise<boolean> {
    return this.#parts.assignments.assign(number, userId, assignedBy);
  }
  unassign(number: string, userId?: string): Promise<string[]> {
    return this.#parts.assignments.unassign(number, userId);
  }
  ownersOf(number: string): Promise<string[]> {
    return this.#parts.assignments.ownersOf(number);
  }
  numbersOf(userId: string): Promise<string[]> {
    return this.#parts.assignments.numbersOf(userId);
  }
  assignments(): Promise<Assignment[]> {
    return this.#parts.assignments.assignments();
  }
  hasAssignments(): Promise<boolean> {
    return this.#parts.assignments.hasAssignments();
  }

  // photos/
  savePhoto(photo: Omit<HostedPhoto, 'createdAt'> & { createdAt?: Date }): Promise<void> {
    return this.#parts.photos.savePhoto(photo);
  }
  photo(id: string): Promise<HostedPhoto | undefined> {
    return this.#parts.photos.photo(id);
  }
  photos(number?: string): Promise<HostedPhotoInfo[]> {
    return this.#parts.photos.photos(number);
  }
  deletePhoto(id: string): Promise<void> {
    return this.#parts.photos.deletePhoto(id);
  }

  // jobs/
  createBulkJob(job: NewBulkJob): Promise<BulkJob> {
    return this.#parts.jobs.createBulkJob(job);
  }
  bulkJob(id: number): Promise<BulkJob | undefined> {
    return this.#parts.jobs.bulkJob(id);
  }
  bulkJobs(state: BulkJobState): Promise<BulkJob[]> {
    return this.#parts.jobs.bulkJobs(state);
  }
  updateBulkJob(id: number, change: Partial<Pick<BulkJob, 'messageTs' | 'state'>>): Promise<void> {
    return this.#parts.jobs.updateBulkJob(id, change);
  }
  startDraftJob(id: number): Promise<boolean> {
    return this.#parts.jobs.startDraftJob(id);
  }

  // approvals/
  requestApproval(request: NewApproval): Promise<RequestedApproval> {
    return this.#parts.approvals.requestApproval(request);
  }
  approval(id: number): Promise<Approval | undefined> {
    return this.#parts.approvals.approval(id);
  }
  approvals(filter?: ApprovalFilter): Promise<Approval[]> {
    return this.#parts.approvals.approvals(filter);
  }
  decideApproval(id: number, decision: ApprovalDecision): Promise<Approval | undefined> {
    return this.#parts.approvals.decideApproval(id, decision);
  }
  expireApprovals(at?: Date): Promise<Approval[]> {
    return this.#parts.approvals.expireApprovals(at);
  }
  addApprovalMessages(id: number, messages: Approval['messages']): Promise<void> {
    return this.#parts.approvals.addApprovalMessages(id, messages);
  }

  // instances/
  registerInstance(id: string, leaseMs: number): Promise<void> {
    return this.#parts.instances.registerInstance(id, leaseMs);
  }
  renewInstance(id: string, leaseMs: number): Promise<void> {
    return this.#parts.instances.renewInstance(id, leaseMs);
  }
  releaseInstance(id: string): Promise<void> {
    return this.#parts.instances.releaseInstance(id);
  }
  instanceIds(): Promise<string[]> {
    return this.#parts.instances.instanceIds();
  }
  markOrphansUnknown(): Promise<number> {
    return this.#parts.instances.markOrphansUnknown();
  }
  runExclusive<T>(job: string, work: () => Promise<T>): Promise<ExclusiveRun<T>> {
    return this.#parts.instances.runExclusive(job, work);
  }

  // changes/
  beginChange(change: NewChange): Promise<ChangeEntry> {
    return this.#parts.changes.beginChange(change);
  }
  completeChange(id: number, result: ChangeResult): Promise<ChangeEntry> {
    return this.#parts.changes.completeChange(id, result);
  }
  confirmChange(id: number, at?: Date): Promise<void> {
    return this.#parts.changes.confirmChange(id, at);
  }
  history(number: string, limit?: number): Promise<ChangeEntry[]> {
    return this.#parts.changes.history(number, limit);
  }

  // cards/
  lastKnownCard(number: string): Promise<KnownCard | undefined> {
    return this.#parts.cards.lastKnownCard(number);
  }
  rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void> {
    return this.#parts.cards.rememberCard(number, card, updatedBy);
  }
  forgetCard(number: string): Promise<void> {
    return this.#parts.cards.forgetCard(number);
  }
  knownCards(): Promise<KnownCard[]> {
    return this.#parts.cards.knownCards();
  }
  observeCard(number: string, seen: Sighting): Promise<void> {
    return this.#parts.cards.observeCard(number, seen);
  }
  observedCard(number: string): Promise<ObservedCard | undefined> {
    return this.#parts.cards.observedCard(number);
  }
  cardsOfNumber(number: string): Promise<CardsOfNumber> {
    return this.#parts.cards.cardsOfNumber(number);
  }
  observedCards(): Promise<ObservedCard[]> {
    return this.#parts.cards.observedCards();
  }
  knownNumbers(): Promise<string[]> {
    return this.#parts.cards.knownNumbers();
  }
  statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>> {
    return this.#parts.cards.statusCounts(numbers);
  }
  fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]> {
    return this.#parts.cards.fleetPage(numbers, query);
  }

  abstract ping(): Promise<boolean>;
  abstract close(): Promise<void>;
}
