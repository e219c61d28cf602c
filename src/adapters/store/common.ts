// What both store implementations share, so that they check and record the same way.
import {
  type CardSnapshot,
  type ChangeEntry,
  type KnownCard,
  type ObservationSource,
  type ObservedCard,
  OUTSIDE_ACTOR,
  type SeenCard,
} from '../../domain/card/records.js';
import type { Approval } from './approvals/types.js';
import type { CardsOfNumber, NumberRecord } from './cards/types.js';

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

/**
 * One number's applied card and its observation in one row, for both stores (`parameter`: `?` in
 * SQLite, `$1::text` in PostgreSQL): the cards columns as they are (null when no card), the
 * observation's prefixed `seen_` (null when never seen).
 */
export const cardsOfNumberSql = (parameter: string) =>
  `SELECT c.*, o.has_card AS seen_has_card, o.first_name AS seen_first_name,
     o.last_name AS seen_last_name, o.display_name AS seen_display_name, o.seen_at, o.source AS seen_source
   FROM (SELECT ${parameter} AS number) AS k LEFT JOIN cards AS c ON c.number = k.number
     LEFT JOIN observations AS o ON o.number = k.number`;

/** The observation columns of a cardsOfNumberSql row. */
interface SeenColumns {
  seen_has_card: number | boolean | null;
  seen_first_name: string | null;
  seen_last_name: string | null;
  seen_display_name: string | null;
  seen_at: string | Date | null;
  seen_source: ObservationSource | null;
}

/** A cardsOfNumberSql row: the store's own cards columns (all null when no card), then the observation's. */
export type CardsOfNumberRow<CardRow> = (CardRow | { [column in keyof CardRow]: null }) & SeenColumns;

/** Both cards of the row cardsOfNumberSql answers; `toKnownCard` reads the store's own cards columns. */
export function cardsOfRow<CardRow extends { number: string }>(
  number: string,
  row: CardsOfNumberRow<CardRow> | undefined,
  toKnownCard: (row: CardRow) => KnownCard,
): CardsOfNumber {
  if (row === undefined) throw new Error('the cards of a number answered no row');
  return {
    applied: row.number === null ? undefined : toKnownCard(row as CardRow),
    observed: seenOfRow(number, row),
  };
}

function seenOfRow(number: string, row: SeenColumns): ObservedCard | undefined {
  if (row.seen_at === null || row.seen_source === null) return undefined;
  return toObservedCard({
    number,
    has_card: row.seen_has_card ?? false,
    first_name: row.seen_first_name,
    last_name: row.seen_last_name,
    display_name: row.seen_display_name,
    seen_at: row.seen_at,
    source: row.seen_source,
  });
}

/** The columns of an observation, in the order both stores' upserts take them. */
export const observationColumns = (card: SeenCard | null) =>
  [card !== null, card?.firstName ?? null, card?.lastName ?? null, card?.displayName ?? null] as const;

/**
 * Each number of the `scope` CTE (one `number` column) with the status pictureOf
 * (src/domain/card/picture.ts) gives it, computed in the database so that counting and filtering a fleet
 * reads none of its rows into the app. Valid in SQLite and PostgreSQL; the contract tests check it
 * against pictureOf. `keyCollation` makes PostgreSQL compare keys as bytes, as SQLite does.
 */
export function numberStatusesSql(keyCollation = ''): string {
  // An observation is the truth when it is at least as new as the last change made here.
  const current = `o.number IS NOT NULL AND (c.number IS NULL OR o.seen_at >= c.updated_at)
      AND (l.outcome IS DISTINCT FROM 'ok' OR l.finished_at IS NULL OR o.seen_at >= l.finished_at)`;
  // Sendblue shows the applied card's names (it never reports the photo).
  const showsApplied = `o.number IS NOT NULL AND o.has_card AND o.first_name IS NOT DISTINCT FROM c.first_name
      AND o.last_name IS NOT DISTINCT FROM c.last_name AND o.display_name IS NOT DISTINCT FROM c.display_name`;
  return `
    SELECT s.number, CASE
      WHEN l.outcome = 'failed' THEN 'failed'
      WHEN l.outcome = 'pending' THEN 'in progress'
      WHEN l.outcome = 'unknown' THEN 'outcome unknown'
      WHEN l.actor_id = '${OUTSIDE_ACTOR}' THEN 'changed outside contactcard'
      WHEN ${current} THEN CASE
        WHEN c.number IS NOT NULL AND NOT (${showsApplied}) THEN 'changed outside contactcard'
        WHEN o.has_card THEN 'live'
        ELSE 'no card' END
      WHEN c.number IS NOT NULL THEN CASE
        WHEN (l.action = 'set' AND l.confirmed_at IS NOT NULL) OR (${showsApplied}) THEN 'live'
        ELSE 'submitted' END
      WHEN l.action = 'delete' AND l.outcome = 'ok' THEN 'no card'
      ELSE 'not read yet' END AS status
    FROM scope s
    LEFT JOIN cards c ON c.number = s.number
    LEFT JOIN observations o ON o.number${keyCollation} = s.number
    LEFT JOIN changes l ON l.id = (
      SELECT max(id) FROM changes WHERE changes.number = s.number AND action IN ('set', 'delete'))`;
}

/** The records of a page, from each table's rows of its numbers (already mapped by the store). */
export function pageRecords(
  numbers: readonly string[],
  rows: {
    cards: readonly KnownCard[];
    observations: readonly ObservedCard[];
    latest: readonly ChangeEntry[];
    assignments: ReadonlyArray<{ number: string; userId: string }>;
  },
): NumberRecord[] {
  const byNumber = <T extends { number: string }>(list: readonly T[]) =>
    new Map(list.map((item) => [item.number, item]));
  const cards = byNumber(rows.cards);
  const observations = byNumber(rows.observations);
  const latest = byNumber(rows.latest);
  return numbers.map((number) => ({
    number,
    applied: cards.get(number),
    observed: observations.get(number),
    latest: latest.get(number),
    owners: rows.assignments.filter((a) => a.number === number).map((a) => a.userId),
  }));
}
