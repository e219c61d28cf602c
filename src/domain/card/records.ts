/**
 * The records of a number's card and its history, as the domain reads them (the status picture,
 * comparisons) and the store keeps them. Plain data: this file imports nothing.
 */

/** The actor recorded for a change made outside contactcard (Sendblue's dashboard, a script). */
export const OUTSIDE_ACTOR = 'outside-contactcard';

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
  /** The app instance (replica) that recorded the change, so that only its death makes it unknown. */
  instanceId: string | null;
  /** When Sendblue was seen showing the card this change set ("live"); null until then. */
  confirmedAt: Date | null;
}

export interface KnownCard extends CardSnapshot {
  number: string;
  updatedAt: Date;
  updatedBy: string;
}

/** How a card was seen at Sendblue: which read saw it. */
export const observationSources = ['editor', 'show', 'list', 'live', 'drift', 'sync'] as const;
export type ObservationSource = (typeof observationSources)[number];

/** A card as Sendblue's state shows it: names only, since Sendblue never reports the photo. */
export type SeenCard = Pick<CardSnapshot, 'firstName' | 'lastName' | 'displayName'>;

/**
 * The last card seen at Sendblue for a number, beside the last one contactcard applied (KnownCard):
 * what customers see, which may have been set anywhere.
 */
export interface ObservedCard {
  number: string;
  /** null: Sendblue showed no card. */
  card: SeenCard | null;
  seenAt: Date;
  source: ObservationSource;
}

/** A number's state as Sendblue reports it (the client's parsed answer). */
export type ProfileState = {
  hasProfile: boolean;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
} & Record<string, unknown>;
