import type { CardSnapshot, KnownCard, ProfileState } from './records.js';

/** What Sendblue shows for a number, as a card snapshot (it never reports the photo: ours is kept). */
export function shownCard(state: ProfileState, known: Pick<KnownCard, 'photoUrl'>): CardSnapshot | null {
  if (!state.hasProfile) return null;
  return {
    firstName: state.firstName,
    lastName: state.lastName,
    displayName: state.displayName,
    photoUrl: known.photoUrl,
  };
}

/** The same card as far as Sendblue can tell (it does not report the photo). */
export const sameCard = (a: CardSnapshot | null, b: CardSnapshot | null) =>
  a === null || b === null
    ? a === b
    : a.firstName === b.firstName &&
      a.lastName === b.lastName &&
      (a.displayName ?? null) === (b.displayName ?? null);
