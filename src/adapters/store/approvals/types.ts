// The store's approvals: changes held until an admin other than the requester approves them, decided once.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-approvals.test.ts.
import type { CardSnapshot } from '../../../domain/card/records.js';

export type ApprovalKind = 'set' | 'delete' | 'bulk' | 'import';
export type ApprovalState = 'waiting' | 'approved' | 'rejected' | 'superseded' | 'expired';

/** One number's change as it was proposed: its card when asked, and the card it would get (null: none). */
export interface ProposedChange {
  number: string;
  before: CardSnapshot | null;
  after: CardSnapshot | null;
}

/** A change held until an admin other than its requester approves it (CONTACTCARD_APPROVAL). */
export interface Approval {
  id: number;
  kind: ApprovalKind;
  requesterId: string;
  /** The conversation it was asked in: where its outcome is announced. */
  channel: string;
  changes: ProposedChange[];
  /** A set whose photo the app hosts (an upload): it needs no link check when it runs. */
  photoHosted: boolean;
  /** bulk, import: the job (kept as a draft) that runs once approved. */
  jobId: number | null;
  /** One request per submission: a repeated one finds the first. */
  requestKey: string | null;
  state: ApprovalState;
  createdAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Why it was rejected. */
  reason: string | null;
  /** The newer request that replaced it. */
  supersededBy: number | null;
  /** The request messages (a channel post, or each admin's direct message), updated in place. */
  messages: Array<{ channel: string; ts: string }>;
}

export type NewApproval = Pick<Approval, 'kind' | 'requesterId' | 'channel' | 'changes' | 'expiresAt'> &
  Partial<Pick<Approval, 'photoHosted' | 'jobId' | 'requestKey' | 'createdAt'>>;

export interface RequestedApproval {
  approval: Approval;
  /** Waiting requests this one replaces: every number of theirs is one of its numbers. */
  superseded: Approval[];
  /** The request key was used before: `approval` is that earlier request, and nothing changed. */
  duplicate: boolean;
}

/** Which requests approvals() lists: all of them unless narrowed. */
export interface ApprovalFilter {
  state?: ApprovalState;
  number?: string;
  requesterId?: string;
  limit?: number;
}

export interface ApprovalDecision {
  state: 'approved' | 'rejected';
  by: string;
  reason?: string | null;
  at?: Date;
}

/** Changes held until an admin approves them. */
export interface ApprovalStore {
  /**
   * Records a held change as waiting, and marks superseded (in the same transaction) the waiting
   * requests it covers. A request key used before resolves to that request, with duplicate: true.
   */
  requestApproval(request: NewApproval): Promise<RequestedApproval>;
  approval(id: number): Promise<Approval | undefined>;
  /** Newest first: waiting (or in another state), of one number, of one requester; 50 unless told. */
  approvals(filter?: ApprovalFilter): Promise<Approval[]>;
  /**
   * Approves or rejects a request still waiting and not yet expired at `at`; undefined when it was
   * not (decided, superseded or expired already): the conditional update decides, so it happens once.
   */
  decideApproval(id: number, decision: ApprovalDecision): Promise<Approval | undefined>;
  /** Marks expired every waiting request whose time ran out by `at`; resolves to them. */
  expireApprovals(at?: Date): Promise<Approval[]>;
  /** Where its request messages were posted. */
  addApprovalMessages(id: number, messages: Approval['messages']): Promise<void>;
}
