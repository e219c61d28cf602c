// What both store implementations share, so that they check and record the same way.
import type { Approval, CardSnapshot, ObservationSource, ObservedCard, SeenCard } from './types.js';

export const UNKNOWN_MESSAGE = 'the process stopped before the outcome was known';
export const DEFAULT_MAX_WAITING = 50;

export const snapshot = (card: CardSnapshot): CardSnapshot => ({
  firstName: card.firstName ?? null,
  lastName: card.lastName ?? null,
  displayName: card.displayName ?? null,
  photoUrl: card.photoUrl ?? null,
});

export const cardJson = (card: CardSnapshot | null | undefined): string | null =>
  card ? JSON.stringify(snapshot(card)) : null;

export function checkLease(id: string, leaseMs: number): void {
  if (typeof id !== 'string' || id === '') throw new TypeError('an instance id must be a non-empty string');
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`a lease must last a positive number of milliseconds, not ${leaseMs}`);
  }
}

export function checkMaxWaiting(maxWaiting: number | undefined): number {
  const value = maxWaiting ?? DEFAULT_MAX_WAITING;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`maxWaiting must be a whole number of changes, not ${maxWaiting}`);
  }
  return value;
}

/** Which waiting requests a new one for `numbers` supersedes: those it covers entirely. */
export function coveredRequests(numbers: readonly string[], waiting: readonly Approval[]): Approval[] {
  const covered = new Set(numbers);
  return waiting.filter((old) => old.changes.every((change) => covered.has(change.number)));
}

export const numbersOfChanges = (changes: Approval['changes']): string[] => changes.map((c) => c.number);

/** An observations row as both stores read it (has_card is 0/1 in SQLite, a boolean in PostgreSQL). */
export interface ObservationRow {
  number: string;
  has_card: number | boolean;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  seen_at: string | Date;
  source: ObservationSource;
}

export function toObservedCard(row: ObservationRow): ObservedCard {
  return {
    number: row.number,
    card: row.has_card
      ? { firstName: row.first_name, lastName: row.last_name, displayName: row.display_name }
      : null,
    seenAt: new Date(row.seen_at),
    source: row.source,
  };
}

/** The columns of an observation, in the order both stores' upserts take them. */
export const observationColumns = (card: SeenCard | null) =>
  [card !== null, card?.firstName ?? null, card?.lastName ?? null, card?.displayName ?? null] as const;
