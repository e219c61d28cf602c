// Async throughout so that a PostgreSQL implementation, shared by several replicas, can replace the
// SQLite one without touching callers.

export interface CardSnapshot {
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  photoUrl: string | null;
}

export type ChangeAction = 'set' | 'delete' | 'assign' | 'unassign';
export type ChangeOutcome = 'pending' | 'ok' | 'failed' | 'unknown';

export interface ChangeEntry {
  id: number;
  action: ChangeAction;
  number: string;
  actorId: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  outcome: ChangeOutcome;
  /** Sendblue's HTTP status when the change failed. */
  status: number | null;
  message: string | null;
  before: CardSnapshot | null;
  after: CardSnapshot | null;
  /** The assignee's user id, for assign and unassign. */
  subject: string | null;
  /** Identifies one submission, so that a retried or double-clicked one is recorded once. */
  requestKey: string | null;
}

export interface NewChange {
  action: ChangeAction;
  number: string;
  actorId: string;
  before?: CardSnapshot | null;
  after?: CardSnapshot | null;
  subject?: string | null;
  requestKey?: string | null;
  startedAt?: Date;
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

export interface Assignment {
  number: string;
  userId: string;
  assignedBy: string;
  assignedAt: Date;
}

export interface KnownCard extends CardSnapshot {
  number: string;
  updatedAt: Date;
  updatedBy: string;
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

export interface Store {
  /** False when the number was already assigned to that user. */
  assign(number: string, userId: string, assignedBy: string): Promise<boolean>;
  /** Removes one owner, or every owner when userId is omitted; resolves to the user ids removed. */
  unassign(number: string, userId?: string): Promise<string[]>;
  ownersOf(number: string): Promise<string[]>;
  numbersOf(userId: string): Promise<string[]>;
  assignments(): Promise<Assignment[]>;
  hasAssignments(): Promise<boolean>;

  /**
   * Records an attempt as 'pending' before Sendblue is called, so that a crash leaves a trace.
   * Rejects with DuplicateRequestError when the requestKey was already used.
   */
  beginChange(change: NewChange): Promise<ChangeEntry>;
  /** Rejects unless the change is still pending: an outcome is written once. */
  completeChange(id: number, result: ChangeResult): Promise<ChangeEntry>;
  /** Newest first; 10 entries unless told otherwise. */
  history(number: string, limit?: number): Promise<ChangeEntry[]>;
  /**
   * Called at start-up: whatever is still pending was left by a process that died mid-call, so its
   * outcome becomes 'unknown'. Resolves to how many entries that was. With replicas sharing one
   * database this would have to be limited to the dead replica's entries.
   */
  markPendingUnknown(): Promise<number>;

  /** Sendblue never returns the photo URL, so the last card set through this app is kept here. */
  lastKnownCard(number: string): Promise<KnownCard | undefined>;
  rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void>;
  forgetCard(number: string): Promise<void>;
  /** Every number with an assignment, a known card or any change, sorted. */
  knownNumbers(): Promise<string[]>;

  close(): Promise<void>;
}
