// The store's cards: the card each number last got through contactcard, the card last seen at Sendblue, and the fleet's reads (statuses, counts, a page), which join the other tables but answer for the cards.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-cards.test.ts.
import type { CardStatus } from '../../../domain/card/picture.js';
import type {
  CardSnapshot,
  ChangeEntry,
  KnownCard,
  ObservationSource,
  ObservedCard,
  SeenCard,
} from '../../../domain/card/records.js';

/** What Sendblue was seen showing, when, and by which read. */
export interface Sighting {
  card: SeenCard | null;
  source: ObservationSource;
  at?: Date;
}

/** The card applied through this app (the last known card) and the one last seen at Sendblue. */
export interface CardStore {
  /** Sendblue never returns the photo URL, so the last card set through this app is kept here. */
  lastKnownCard(number: string): Promise<KnownCard | undefined>;
  rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void>;
  forgetCard(number: string): Promise<void>;
  /** Every last known card, by number: one read for a whole fleet (the Home tab). */
  knownCards(): Promise<KnownCard[]>;
  /**
   * Remembers what a read of Sendblue's state saw. An observation older than the one kept (a slow
   * read finishing after a newer one) changes nothing.
   */
  observeCard(number: string, seen: Sighting): Promise<void>;
  observedCard(number: string): Promise<ObservedCard | undefined>;
  /** Both cards of one number in one read: opening the editor needs them on every command. */
  cardsOfNumber(number: string): Promise<CardsOfNumber>;
  /** Every observation, by number: one read for a whole fleet. */
  observedCards(): Promise<ObservedCard[]>;
}

/** A number's applied card and its observation (undefined: none). */
export interface CardsOfNumber {
  applied: KnownCard | undefined;
  observed: ObservedCard | undefined;
}

/** What the store knows of one number, as a page of the fleet reads it. */
export interface NumberRecord {
  number: string;
  applied: KnownCard | undefined;
  observed: ObservedCard | undefined;
  latest: ChangeEntry | undefined;
  /** In the order they were assigned. */
  owners: string[];
}

/** One page of a set of numbers, in number order: those of one status only, when `status` is given. */
export interface FleetPageQuery {
  status?: CardStatus | undefined;
  offset: number;
  limit: number;
}

/**
 * The fleet's reads (the Home tab, export). They join cards, observations, each number's latest
 * change and its owners, but what they answer is the state of the cards: a number's status is what
 * its applied and observed cards say, corrected by its latest set or delete (numberStatusesSql in
 * common.ts), and the owners only ride along. So they live with the cards, reading the other tables
 * through the same connection rather than asking the other parts, so that each page stays one
 * read per table, whatever the fleet's size.
 */
export interface FleetReads {
  /** Every number with an assignment, a known card, an observation or any change, sorted. */
  knownNumbers(): Promise<string[]>;
  /**
   * How many of `numbers` have each status (the one pictureOf gives them; statuses nobody has are
   * left out), from one aggregate query: no row of theirs is read into the app.
   */
  statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>>;
  /** One page of `numbers` (duplicates count once), each with its facts and owners: the Home tab. */
  fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]>;
}
