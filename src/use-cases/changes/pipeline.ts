import { setTimeout as delay } from 'node:timers/promises';
import type { PhotoChecker } from '../../adapters/photo/index.js';
import type { SendblueClient } from '../../adapters/sendblue/client.js';
import { SendblueApiError } from '../../adapters/sendblue/errors.js';
import {
  type Approval,
  type CardSnapshot,
  type ChangeEntry,
  DuplicateRequestError,
  type NewApproval,
  type NewChange,
  type Store,
  StoreUnavailableError,
  TooManyWaitingError,
} from '../../adapters/store/types.js';
import type { Access, Refusal, Verb } from '../../domain/access/access.js';
import type { ProfileInput } from '../../domain/card/rules.js';
import type { Turns } from './turns.js';

/**
 * Every kind of change to a number; a new kind is a new member here and a new caller, not a copy.
 * A set's `photoHosted`: the photo is one the app processed and serves itself, so it needs no link check.
 */
export type ChangeRequest = {
  actorId: string;
  /** Identifies one submission, so that a repeated one is recorded (and sent) once. */
  requestKey?: string | undefined;
  /** The approval it runs on (CONTACTCARD_APPROVAL): valid only while approved and covering its number. */
  approvalId?: number | undefined;
} & (
  | { kind: 'set'; number: string; card: ProfileInput; photoHosted?: boolean }
  | { kind: 'delete'; number: string }
  | { kind: 'assign'; number: string; userId: string }
  | { kind: 'unassign'; number: string; userId: string | undefined }
  // Record-only: they take the number's turn like any change but call nothing at Sendblue.
  /** The card Sendblue shows differs from ours: changed outside contactcard (the drift check; actor OUTSIDE_ACTOR). */
  | { kind: 'observed'; number: string; card: CardSnapshot | null }
  /** Someone adopts the card Sendblue shows as the known one (drift's Accept). */
  | { kind: 'accepted'; number: string; card: CardSnapshot | null }
);

export type ChangeKind = ChangeRequest['kind'];

/** Recorded as waiting for an admin's approval; nothing was sent. */
export interface Held {
  status: 'held';
  approval: Approval;
  /** Older waiting requests this one replaced. */
  superseded: Approval[];
  /** Who may approve it (admins other than the requester). */
  approvers: string[];
  /** The same submission was held before: `approval` is that request. */
  duplicate: boolean;
}

export type ChangeResult =
  /** The actor may not make this change (rights are read when it is made). */
  | { status: 'refused'; refusal: Refusal }
  | Held
  /** The card cannot be sent as it is (a photo link the checker refused, an upload that cannot be used). Nothing was recorded. */
  | { status: 'invalid'; problem: string; photo?: 'link' | 'upload' }
  /** The same submission was recorded before; it was not sent again. */
  | { status: 'duplicate'; existing: ChangeEntry }
  | { status: 'failed'; error: unknown; entry: ChangeEntry; before: CardSnapshot | null }
  | {
      status: 'ok';
      entry: ChangeEntry;
      before: CardSnapshot | null;
      after: CardSnapshot | null;
      /** For assignments: the user ids actually added or removed (empty: nothing changed). */
      affected: string[];
    };

export interface PipelineDeps {
  access: Pick<Access, 'decide' | 'approvalFor' | 'admins'>;
  store: Store;
  sendblue: Pick<SendblueClient, 'upsertProfile' | 'deleteProfile'>;
  photos: Pick<PhotoChecker, 'check'>;
  turns: Turns;
  /** How long a request for approval waits before it expires; and the clock it is measured on. */
  approvalTtlMs?: number;
  now?: () => Date;
  /** Told of every result and of every change that starts or stops waiting for its turn (metrics). */
  observer?: PipelineObserver | undefined;
}

export interface PipelineObserver {
  result(kind: ChangeKind, result: ChangeResult): void;
  waiting(delta: 1 | -1): void;
}

export interface RunOptions {
  /** Called when an earlier change to the same number is still running: this one waits for it. */
  onWaiting?: () => void;
  /** The conversation it was asked in: where a held change's outcome is announced once approved. */
  askedIn?: string;
  /**
   * Where the call waits for its slot (a bulk job's, so many Sendblue calls at once): the change is
   * recorded first, so the job records its next numbers while earlier calls are under way. A slot
   * may refuse the call by rejecting; the change is then completed as failed with that error.
   */
  callSlot?: <T>(call: () => Promise<T>) => Promise<T>;
}

/** A request for approval as a caller describes it; the pipeline adds the expiry. */
export type HoldRequest = Omit<NewApproval, 'expiresAt' | 'createdAt'>;

const defaultApprovalTtlMs = 7 * 86_400_000;

// An observation is what the app saw at Sendblue, not anyone's decision: there is no one to authorize.
const verbOf: Record<ChangeKind, Verb | undefined> = {
  set: 'set',
  delete: 'delete',
  assign: 'assign',
  unassign: 'unassign',
  observed: undefined,
  accepted: 'set',
};

/** What the history says of a record-only change (the Home tab and the picture read it). */
const recordOnlyMessage = {
  observed: 'changed outside contactcard',
  accepted: 'accepted the card shown in Sendblue',
} as const;

/**
 * The one way a number's history is written: authorize → record pending → wait its turn for that
 * number → call → complete → remember → a typed result. What people see is the presenter's job.
 */
export class ChangePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async run(request: ChangeRequest, options: RunOptions = {}): Promise<ChangeResult> {
    const result = await this.#run(request, options);
    this.deps.observer?.result(request.kind, result);
    return result;
  }

  async #run(request: ChangeRequest, options: RunOptions): Promise<ChangeResult> {
    const { deps } = this;
    const verb = verbOf[request.kind];
    if (verb !== undefined) {
      const decision = await deps.access.decide(verb, request.actorId, request.number);
      if (!decision.allowed) return { status: 'refused', refusal: decision.refusal };
    }
    if (request.kind === 'set' && !request.photoHosted) {
      // A check still running at submission finishes here, before anything is recorded or sent.
      const photo = await deps.photos.check(request.card.photoUrl);
      if (!photo.ok) return { status: 'invalid', problem: photo.reason };
    }
    if (request.kind === 'set' || request.kind === 'delete') {
      const held = await this.holdUnlessApproved(request, options);
      if (held) return held;
    }

    let entry: ChangeEntry;
    try {
      entry = await deps.store.beginChange(this.record(request));
    } catch (error) {
      if (error instanceof DuplicateRequestError) return { status: 'duplicate', existing: error.existing };
      throw error;
    }
    let waiting = false;
    const stopWaiting = () => {
      if (waiting) deps.observer?.waiting(-1);
      waiting = false;
    };
    try {
      return await deps.turns.run(
        entry,
        () => {
          stopWaiting();
          return this.apply(request, entry, options.callSlot);
        },
        () => {
          waiting = true;
          deps.observer?.waiting(1);
          options.onWaiting?.();
        },
      );
    } catch (error) {
      if (!(error instanceof TooManyWaitingError)) throw error;
      // Its turn never came: the entry is closed here, or it would hold up every later change.
      const failed = await deps.store.completeChange(entry.id, { outcome: 'failed', message: error.message });
      return { status: 'failed', error, entry: failed, before: null };
    } finally {
      stopWaiting();
    }
  }

  /**
   * With approval on, a change reaches Sendblue only on an approval that is approved and covers
   * its number; without one it is recorded as waiting instead (assignments are admin-only: never held).
   */
  private async holdUnlessApproved(
    request: ChangeRequest & { kind: 'set' | 'delete' },
    options: RunOptions,
  ): Promise<Held | { status: 'refused'; refusal: Refusal } | undefined> {
    const { store } = this.deps;
    if (request.approvalId !== undefined) {
      const approval = await store.approval(request.approvalId);
      const covers = approval?.changes.some((change) => change.number === request.number) ?? false;
      if (approval?.state === 'approved' && covers) return undefined;
      const reason = 'This change has no approval that covers it, so it was not made.';
      return { status: 'refused', refusal: { reason, helpers: await this.deps.access.admins() } };
    }
    const before = await store.lastKnownCard(request.number);
    return this.hold({
      kind: request.kind,
      requesterId: request.actorId,
      channel: options.askedIn ?? request.actorId,
      changes: [
        {
          number: request.number,
          before: before ? snapshotOf(before) : null,
          after: request.kind === 'set' ? snapshotOf(request.card) : null,
        },
      ],
      photoHosted: request.kind === 'set' && request.photoHosted === true,
      requestKey: request.requestKey ?? null,
    });
  }

  /** Records a request for approval when this requester needs one (undefined when not). */
  private async hold(
    request: HoldRequest,
  ): Promise<Held | { status: 'refused'; refusal: Refusal } | undefined> {
    const need = await this.deps.access.approvalFor(request.requesterId);
    if (!need.needed) return undefined;
    if ('refusal' in need) return { status: 'refused', refusal: need.refusal };
    return this.requestApproval(request, need.approvers);
  }

  /**
   * Records the request as waiting for `approvers` (from Access.approvalFor): also the way a bulk
   * job or an import is held, as one request for all its numbers.
   */
  async requestApproval(request: HoldRequest, approvers: string[]): Promise<Held> {
    const { deps } = this;
    const now = deps.now?.() ?? new Date();
    const ttl = deps.approvalTtlMs ?? defaultApprovalTtlMs;
    const requested = await deps.store.requestApproval({
      ...request,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttl),
    });
    return { status: 'held', ...requested, approvers };
  }

  private record(request: ChangeRequest): NewChange {
    const base = {
      number: request.number,
      actorId: request.actorId,
      requestKey: request.requestKey ?? null,
    };
    switch (request.kind) {
      case 'set':
        return { ...base, action: 'set', after: snapshotOf(request.card) };
      case 'delete':
        return { ...base, action: 'delete', after: null };
      case 'assign':
      case 'unassign':
        return { ...base, action: request.kind, subject: request.userId ?? null };
      case 'observed':
      case 'accepted':
        return { ...base, action: request.card ? 'set' : 'delete', after: request.card };
    }
  }

  /** Runs in the number's turn, so the "before" it reads is what the change really replaces. */
  private async apply(
    request: ChangeRequest,
    entry: ChangeEntry,
    callSlot: RunOptions['callSlot'] = (call) => call(),
  ): Promise<ChangeResult> {
    const { store } = this.deps;
    const before = (await store.lastKnownCard(request.number)) ?? null;
    const card = before && snapshotOf(before);
    let affected: string[] = [];
    try {
      affected = await callSlot(() => this.call(request));
    } catch (error) {
      const failed = await persist(() =>
        store.completeChange(entry.id, { outcome: 'failed', before: card, ...failureRecord(error) }),
      );
      return { status: 'failed', error, entry: failed, before: card };
    }
    // Asked for together, the outcome and the card it leaves are one commit in SQLite (see the store's
    // group-commit.ts): a number's next change waits for one disk write here, not two.
    const [completed, after] = await Promise.all([
      persist(() =>
        store.completeChange(entry.id, {
          outcome: 'ok',
          before: card,
          message: messageOf(request, affected),
        }),
      ),
      persist(() => this.remember(request, card)),
    ]);
    return { status: 'ok', entry: completed, before: card, after, affected };
  }

  private async call(request: ChangeRequest): Promise<string[]> {
    const { sendblue, store } = this.deps;
    switch (request.kind) {
      case 'set':
        await sendblue.upsertProfile(request.card);
        return [];
      case 'delete':
        await sendblue.deleteProfile(request.number);
        return [];
      case 'assign':
        return (await store.assign(request.number, request.userId, request.actorId)) ? [request.userId] : [];
      case 'unassign':
        return store.unassign(request.number, request.userId);
      case 'observed':
      case 'accepted':
        return [];
    }
  }

  /** Keeps the last known card, inside the turn, so the next change reads it as its "before". */
  private async remember(request: ChangeRequest, before: CardSnapshot | null): Promise<CardSnapshot | null> {
    const { store } = this.deps;
    switch (request.kind) {
      case 'set': {
        const after = snapshotOf(request.card);
        await store.rememberCard(request.number, after, request.actorId);
        return after;
      }
      case 'delete':
        await store.forgetCard(request.number);
        return null;
      case 'accepted':
        if (request.card) await store.rememberCard(request.number, request.card, request.actorId);
        else await store.forgetCard(request.number);
        return request.card;
      default:
        // An observation leaves ours the known card: Restore ours puts it back.
        return before;
    }
  }
}

function messageOf(request: ChangeRequest, affected: string[]): string | null {
  if (request.kind === 'observed' || request.kind === 'accepted') return recordOnlyMessage[request.kind];
  const noChange = (request.kind === 'assign' || request.kind === 'unassign') && affected.length === 0;
  return noChange ? 'no change' : null;
}

// About 45 s in all: long enough to ride out a database restart or fail-over.
const persistAttempts = 12;

/**
 * The call has been made, so its outcome must be written: a store that is briefly unavailable is
 * waited out with backoff and jitter, rather than leaving the entry pending and the person misinformed.
 */
async function persist<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= persistAttempts) throw error;
      await delay(Math.min(5_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }
}

function failureRecord(error: unknown): { status: number | null; message: string } {
  if (error instanceof SendblueApiError)
    return { status: error.status, message: error.sendblueMessage ?? error.message };
  return { status: null, message: error instanceof Error ? error.message : 'unknown error' };
}

export function snapshotOf(card: {
  firstName: string | null;
  lastName: string | null;
  displayName?: string | null | undefined;
  photoUrl: string | null;
}): CardSnapshot {
  return {
    firstName: card.firstName,
    lastName: card.lastName,
    displayName: card.displayName ?? null,
    photoUrl: card.photoUrl,
  };
}
