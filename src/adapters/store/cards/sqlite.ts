import type Database from 'better-sqlite3';
import type { CardStatus } from '../../../domain/card/picture.js';
import type { CardSnapshot, KnownCard, ObservedCard } from '../../../domain/card/records.js';
import { type AssignmentRow, toAssignment } from '../assignments/sqlite.js';
import { type ChangeRow, toEntry } from '../changes/sqlite.js';
import {
  type CardsOfNumberRow,
  cardsOfNumberSql,
  cardsOfRow,
  numberStatusesSql,
  type ObservationRow,
  observationColumns,
  pageRecords,
  snapshot,
  toObservedCard,
} from '../common.js';
import type { SqliteContext } from '../sqlite-context.js';
import type {
  CardStore,
  CardsOfNumber,
  FleetPageQuery,
  FleetReads,
  NumberRecord,
  Sighting,
} from './types.js';

interface CardRow {
  number: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  photo_url: string | null;
  updated_at: string;
  updated_by: string;
}

function toKnownCard(row: CardRow): KnownCard {
  return {
    number: row.number,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    photoUrl: row.photo_url,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

// A list of numbers is given as one JSON array parameter, whatever its length.
const listed = '(SELECT value FROM json_each(?))';
const scopeSql = `WITH scope (number) AS (SELECT DISTINCT value FROM json_each(@scope)),
  statuses AS (${numberStatusesSql()})`;

function prepare(db: Database.Database) {
  return {
    card: db.prepare<[string], CardRow>('SELECT * FROM cards WHERE number = ?'),
    cards: db.prepare<[], CardRow>('SELECT * FROM cards ORDER BY number'),
    rememberCard: db.prepare<[Record<string, string | null>]>(
      `INSERT INTO cards (number, first_name, last_name, display_name, photo_url, updated_at, updated_by)
       VALUES (@number, @firstName, @lastName, @displayName, @photoUrl, @updatedAt, @updatedBy)
       ON CONFLICT (number) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         display_name = excluded.display_name, photo_url = excluded.photo_url,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ),
    forgetCard: db.prepare<[string]>('DELETE FROM cards WHERE number = ?'),
    observeCard: db.prepare<[string, number, string | null, string | null, string | null, string, string]>(
      `INSERT INTO observations (number, has_card, first_name, last_name, display_name, seen_at, source)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET has_card = excluded.has_card, first_name = excluded.first_name,
         last_name = excluded.last_name, display_name = excluded.display_name,
         seen_at = excluded.seen_at, source = excluded.source
       WHERE excluded.seen_at >= observations.seen_at`,
    ),
    observation: db.prepare<[string], ObservationRow>('SELECT * FROM observations WHERE number = ?'),
    observations: db.prepare<[], ObservationRow>('SELECT * FROM observations ORDER BY number'),
    cardsOfNumber: db.prepare<[string], CardsOfNumberRow<CardRow>>(cardsOfNumberSql('?')),
    statusCounts: db.prepare<[{ scope: string }], { status: string; n: number }>(
      `${scopeSql} SELECT status, count(*) AS n FROM statuses GROUP BY status`,
    ),
    pageNumbers: db
      .prepare<[Record<string, string | number>], string>(
        `${scopeSql} SELECT number FROM statuses WHERE status = @status ORDER BY number LIMIT @limit OFFSET @offset`,
      )
      .pluck(),
    // Without a status to match, a page needs no status at all.
    pageOfAll: db
      .prepare<[Record<string, string | number>], string>(
        `SELECT DISTINCT value FROM json_each(@scope) ORDER BY value LIMIT @limit OFFSET @offset`,
      )
      .pluck(),
    cardsOf: db.prepare<[string], CardRow>(`SELECT * FROM cards WHERE number IN ${listed}`),
    observationsOf: db.prepare<[string], ObservationRow>(
      `SELECT * FROM observations WHERE number IN ${listed}`,
    ),
    latestCardChangesOf: db.prepare<[string], ChangeRow>(
      `SELECT * FROM changes WHERE id IN (SELECT (SELECT max(id) FROM changes
         WHERE changes.number = listed.value AND action IN ('set', 'delete')) FROM json_each(?) AS listed)`,
    ),
    assignmentsOf: db.prepare<[string], AssignmentRow>(
      `SELECT * FROM assignments WHERE number IN ${listed} ORDER BY number, assigned_at, user_id`,
    ),
    knownNumbers: db
      .prepare<[], string>(
        `SELECT number FROM assignments UNION SELECT number FROM cards UNION SELECT number FROM changes
       UNION SELECT number FROM observations ORDER BY number`,
      )
      .pluck(),
  };
}

/** The cards and observations, and the fleet's reads over them (see FleetReads for why they are here). */
export class SqliteCards implements CardStore, FleetReads {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async lastKnownCard(number: string): Promise<KnownCard | undefined> {
    const row = this.#sql.card.get(number);
    return row && toKnownCard(row);
  }

  async knownCards(): Promise<KnownCard[]> {
    return this.#sql.cards.all().map(toKnownCard);
  }

  async rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void> {
    const row = { number, ...snapshot(card), updatedAt: this.#ctx.now().toISOString(), updatedBy };
    await this.#ctx.commits.write(() => this.#sql.rememberCard.run(row));
  }

  async forgetCard(number: string): Promise<void> {
    await this.#ctx.commits.write(() => this.#sql.forgetCard.run(number));
  }

  async observeCard(number: string, seen: Sighting): Promise<void> {
    const [hasCard, ...names] = observationColumns(seen.card);
    const seenAt = (seen.at ?? this.#ctx.now()).toISOString();
    await this.#ctx.commits.write(() =>
      this.#sql.observeCard.run(number, hasCard ? 1 : 0, ...names, seenAt, seen.source),
    );
  }

  async observedCard(number: string): Promise<ObservedCard | undefined> {
    const row = this.#sql.observation.get(number);
    return row && toObservedCard(row);
  }

  async cardsOfNumber(number: string): Promise<CardsOfNumber> {
    return cardsOfRow(number, this.#sql.cardsOfNumber.get(number), toKnownCard);
  }

  async observedCards(): Promise<ObservedCard[]> {
    return this.#sql.observations.all().map(toObservedCard);
  }

  async knownNumbers(): Promise<string[]> {
    return this.#sql.knownNumbers.all();
  }

  async statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>> {
    const rows = this.#sql.statusCounts.all({ scope: JSON.stringify(numbers) });
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]> {
    const where = { scope: JSON.stringify(numbers), limit: query.limit, offset: query.offset };
    const page =
      query.status === undefined
        ? this.#sql.pageOfAll.all(where)
        : this.#sql.pageNumbers.all({ ...where, status: query.status });
    return this.#recordsOf(page);
  }

  /** The facts of one page of numbers: four reads by primary key or index, whatever the fleet's size. */
  #recordsOf(page: string[]): NumberRecord[] {
    const listedPage = JSON.stringify(page);
    return pageRecords(page, {
      cards: this.#sql.cardsOf.all(listedPage).map(toKnownCard),
      observations: this.#sql.observationsOf.all(listedPage).map(toObservedCard),
      latest: this.#sql.latestCardChangesOf.all(listedPage).map(toEntry),
      assignments: this.#sql.assignmentsOf.all(listedPage).map(toAssignment),
    });
  }
}
