import { sameCard } from './compare.js';
import {
  type CardSnapshot,
  type ChangeEntry,
  type KnownCard,
  type ObservationSource,
  type ObservedCard,
  OUTSIDE_ACTOR,
} from './records.js';

/**
 * What the app can say of a number. "live" and "no card" are what Sendblue showed at the last
 * read; "not read yet" is a number never read nor changed here: it is never called "no card".
 */
export type CardStatus =
  | 'live'
  | 'submitted'
  | 'changed outside contactcard'
  | 'failed'
  | 'in progress'
  | 'outcome unknown'
  | 'no card'
  | 'not read yet';

/** Every status, in the order people are shown them (counts, the Home tab's filter). */
export const statuses: readonly CardStatus[] = [
  'live',
  'submitted',
  'changed outside contactcard',
  'failed',
  'in progress',
  'outcome unknown',
  'no card',
  'not read yet',
];

/** What the store knows of one number: the card applied (or accepted) here, the last one seen at Sendblue, the latest card change. */
export interface NumberFacts {
  applied: KnownCard | undefined;
  observed: ObservedCard | undefined;
  latest: ChangeEntry | undefined;
}

export interface NumberPicture {
  /** The freshest card known (null: none); undefined while the number was never read nor set here. */
  card: CardSnapshot | null | undefined;
  /** When Sendblue last showed this number's card, and which read saw it. */
  seen: { at: Date; source: ObservationSource } | undefined;
  status: CardStatus;
}

/** A number as the Home tab and the export show it. */
export interface PicturedNumber extends NumberPicture {
  number: string;
  latest: ChangeEntry | undefined;
}

/** When contactcard last changed the card itself (a set, a delete, an accepted card). */
function changedHereAt({ applied, latest }: NumberFacts): number | undefined {
  const times = [applied?.updatedAt, latest?.outcome === 'ok' ? latest.finishedAt : null]
    .filter((at): at is Date => at instanceof Date)
    .map((at) => at.getTime());
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The observation, when it is at least as new as the last change made here: then it is the truth. */
function currentObservation(facts: NumberFacts): ObservedCard | undefined {
  const { observed } = facts;
  const changedAt = changedHereAt(facts);
  return observed && (changedAt === undefined || observed.seenAt.getTime() >= changedAt)
    ? observed
    : undefined;
}

/** An observation as a card: Sendblue never reports the photo, so ours is kept only when the names agree. */
function observedSnapshot(observed: ObservedCard, applied: KnownCard | undefined): CardSnapshot | null {
  if (observed.card === null) return null;
  const names = { ...observed.card, photoUrl: null };
  return applied && sameCard(names, applied) ? { ...names, photoUrl: applied.photoUrl } : names;
}

function statusOf(
  facts: NumberFacts,
  current: ObservedCard | undefined,
  card: CardSnapshot | null | undefined,
) {
  const { applied, latest } = facts;
  if (latest?.outcome === 'failed') return 'failed';
  if (latest?.outcome === 'pending') return 'in progress';
  if (latest?.outcome === 'unknown') return 'outcome unknown';
  if (latest?.actorId === OUTSIDE_ACTOR) return 'changed outside contactcard';
  if (current) {
    // A card never applied here that Sendblue shows is observed, not changed outside.
    if (applied && !sameCard(card ?? null, applied)) return 'changed outside contactcard';
    return card ? 'live' : 'no card';
  }
  if (applied) {
    // Confirmed by the live check, or a card Sendblue was already seen showing (an accepted one).
    const seenBefore =
      facts.observed !== undefined && sameCard(observedSnapshot(facts.observed, applied), applied);
    return (latest?.action === 'set' && latest.confirmedAt) || seenBefore ? 'live' : 'submitted';
  }
  if (latest?.action === 'delete' && latest.outcome === 'ok') return 'no card';
  return 'not read yet';
}

/** One number as the app can tell of it: the freshest card, when Sendblue last showed it, its status. */
export function pictureOf(facts: NumberFacts): NumberPicture {
  const current = currentObservation(facts);
  const card = current
    ? observedSnapshot(current, facts.applied)
    : (facts.applied ??
      (facts.latest?.action === 'delete' && facts.latest.outcome === 'ok' ? null : undefined));
  const seen = facts.observed && { at: facts.observed.seenAt, source: facts.observed.source };
  return { card, seen, status: statusOf(facts, current, card) };
}
