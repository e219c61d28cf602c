import type { CardStatus } from '../../../domain/card/picture.js';
import type { CardSnapshot, KnownCard, ObservedCard } from '../../../domain/card/records.js';
import { type AssignmentRow, toAssignment } from '../assignments/postgres.js';
import { type ChangeRow, toEntry } from '../changes/postgres.js';
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
import type { PostgresConnection } from '../postgres-connection.js';
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
  updated_at: Date;
  updated_by: string;
}

// The numbers to read are one text[] parameter ($1), whatever their count; keys compare as bytes.
const scopeSql = `WITH scope (number) AS (SELECT DISTINCT listed COLLATE "C" FROM unnest($1::text[]) AS listed),
  statuses AS (${numberStatusesSql(' COLLATE "C"')})`;

function toKnownCard(row: CardRow): KnownCard {
  return {
    number: row.number,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    photoUrl: row.photo_url,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** The cards and observations, and the fleet's reads over them (see FleetReads for why they are here). */
export class PostgresCards implements CardStore, FleetReads {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async lastKnownCard(number: string): Promise<KnownCard | undefined> {
    const [row] = await this.#db.query<CardRow>('SELECT * FROM cards WHERE number = $1', [number]);
    return row && toKnownCard(row);
  }

  async knownCards(): Promise<KnownCard[]> {
    return (await this.#db.query<CardRow>('SELECT * FROM cards ORDER BY number')).map(toKnownCard);
  }

  async rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void> {
    const { firstName, lastName, displayName, photoUrl } = snapshot(card);
    await this.#db.query(
      `INSERT INTO cards (number, first_name, last_name, display_name, photo_url, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (number) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         display_name = excluded.display_name, photo_url = excluded.photo_url,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      [number, firstName, lastName, displayName, photoUrl, this.#db.appNow(), updatedBy],
    );
  }

  async forgetCard(number: string): Promise<void> {
    await this.#db.query('DELETE FROM cards WHERE number = $1', [number]);
  }

  async observeCard(number: string, seen: Sighting): Promise<void> {
    await this.#db.query(
      `INSERT INTO observations (number, has_card, first_name, last_name, display_name, seen_at, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (number) DO UPDATE SET has_card = excluded.has_card, first_name = excluded.first_name,
         last_name = excluded.last_name, display_name = excluded.display_name,
         seen_at = excluded.seen_at, source = excluded.source
       WHERE excluded.seen_at >= observations.seen_at`,
      [number, ...observationColumns(seen.card), seen.at ?? this.#db.appNow(), seen.source],
    );
  }

  async observedCard(number: string): Promise<ObservedCard | undefined> {
    const [row] = await this.#db.query<ObservationRow>('SELECT * FROM observations WHERE number = $1', [
      number,
    ]);
    return row && toObservedCard(row);
  }

  async cardsOfNumber(number: string): Promise<CardsOfNumber> {
    const [row] = await this.#db.query<CardsOfNumberRow<CardRow>>(cardsOfNumberSql('$1::text'), [number]);
    return cardsOfRow(number, row, toKnownCard);
  }

  async observedCards(): Promise<ObservedCard[]> {
    return (await this.#db.query<ObservationRow>('SELECT * FROM observations ORDER BY number')).map(
      toObservedCard,
    );
  }

  async statusCounts(numbers: readonly string[]): Promise<Partial<Record<CardStatus, number>>> {
    const rows = await this.#db.query<{ status: string; n: string }>(
      `${scopeSql} SELECT status, count(*) AS n FROM statuses GROUP BY status`,
      [numbers],
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  async fleetPage(numbers: readonly string[], query: FleetPageQuery): Promise<NumberRecord[]> {
    // Without a status to match, a page needs no status at all.
    const page = (
      query.status === undefined
        ? await this.#db.query<{ number: string }>(
            `SELECT DISTINCT listed COLLATE "C" AS number FROM unnest($1::text[]) AS listed
             ORDER BY 1 LIMIT $2 OFFSET $3`,
            [numbers, query.limit, query.offset],
          )
        : await this.#db.query<{ number: string }>(
            `${scopeSql} SELECT number FROM statuses WHERE status = $2 ORDER BY number LIMIT $3 OFFSET $4`,
            [numbers, query.status, query.limit, query.offset],
          )
    ).map((row) => row.number);
    return this.#recordsOf(page);
  }

  /** The facts of one page of numbers: four reads by primary key or index, whatever the fleet's size. */
  async #recordsOf(page: string[]): Promise<NumberRecord[]> {
    const [cards, observations, latest, assignments] = await Promise.all([
      this.#db.query<CardRow>('SELECT * FROM cards WHERE number = ANY($1)', [page]),
      this.#db.query<ObservationRow>('SELECT * FROM observations WHERE number = ANY($1)', [page]),
      this.#db.query<ChangeRow>(
        `SELECT DISTINCT ON (number) * FROM changes WHERE number = ANY($1) AND action IN ('set', 'delete')
         ORDER BY number, id DESC`,
        [page],
      ),
      this.#db.query<AssignmentRow>(
        'SELECT * FROM assignments WHERE number = ANY($1) ORDER BY number, assigned_at, user_id',
        [page],
      ),
    ]);
    return pageRecords(page, {
      cards: cards.map(toKnownCard),
      observations: observations.map(toObservedCard),
      latest: latest.map(toEntry),
      assignments: assignments.map(toAssignment),
    });
  }

  async knownNumbers(): Promise<string[]> {
    const rows = await this.#db.query<{ number: string }>(
      `SELECT number FROM assignments UNION SELECT number FROM cards UNION SELECT number FROM changes
       UNION SELECT number FROM observations ORDER BY number`,
    );
    return rows.map((row) => row.number);
  }
}
