import type { CardSnapshot, ObservationSource, SeenCard } from '../../adapters/store/types.js';
import { pictureOf } from '../../domain/card/picture.js';
import type { ProfileState } from '../../domain/card/records.js';
import type { Deps } from './ports.js';

/** What Sendblue's state shows, as an observation's card. */
export const seenCardOf = (state: ProfileState): SeenCard | null =>
  state.hasProfile
    ? { firstName: state.firstName, lastName: state.lastName, displayName: state.displayName }
    : null;

/**
 * Remembers what a read of Sendblue saw, so that the next look at the number starts from it. A
 * store that cannot write it costs only that memory: the read itself was answered.
 * `readAt` is when the read was sent: a read sent before a change here but answered after it may
 * show the card from before, so it must not look newer than that change.
 */
export async function remember(
  deps: Pick<Deps, 'store' | 'log'>,
  number: string,
  state: ProfileState,
  source: ObservationSource,
  readAt: Date,
): Promise<void> {
  try {
    await deps.store.observeCard(number, { card: seenCardOf(state), source, at: readAt });
  } catch (error) {
    deps.log.warn(
      `could not remember the card seen for a number (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** The freshest card known of a number: the one applied here, or the one Sendblue showed since. */
export interface FreshestCard {
  card: CardSnapshot | null;
  /** Set when it is what Sendblue showed (not what contactcard applied): when it was seen. */
  seenAt: Date | undefined;
}

/** undefined: the number was never read nor set here, so nothing can be shown before Sendblue answers. */
export async function freshestCard(
  deps: Pick<Deps, 'store'>,
  number: string,
): Promise<FreshestCard | undefined> {
  const { applied, observed } = await deps.store.cardsOfNumber(number);
  const { card, seen } = pictureOf({ applied, observed, latest: undefined });
  if (card === undefined) return undefined;
  const fromSendblue = seen !== undefined && (applied === undefined || seen.at >= applied.updatedAt);
  return { card, seenAt: fromSendblue ? seen.at : undefined };
}
