import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CardStatus } from '../../domain/card/picture.js';
import { SqliteApprovals } from './approvals/sqlite.js';
import { type AssignmentRow, SqliteAssignments, toAssignment } from './assignments/sqlite.js';
import { type ChangeRow, SqliteChanges, toEntry } from './changes/sqlite.js';
import {
  numberStatusesSql,
  type ObservationRow,
  observationColumns,
  pageRecords,
  snapshot,
  toObservedCard,
} from './common.js';
import { ComposedStore } from './composed.js';
import { SqliteInstances } from './instances/sqlite.js';
import { SqliteBulkJobs } from './jobs/sqlite.js';
import { migrate } from './migrations.js';
import { SqlitePhotos } from './photos/sqlite.js';
import type { SqliteContext } from './sqlite-context.js';
import type {
  CardSnapshot,
  FleetPageQuery,
  KnownCard,
  NumberRecord,
  ObservationSource,
  ObservedCard,
  SeenCard,
  Store,
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
    ping: db.prepare<[], number>('SELECT 1').pluck(),
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

export interface SqliteStoreOptions {
  now?: () => Date;
  /** How many changes to one number may be ahead of a new one before it is refused; 50. */
  maxWaiting?: number;
}

export class SqliteStore extends ComposedStore implements Store {
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #changes: SqliteChanges;

  constructor(db: Database.Database, now: () => Date, options: { maxWaiting?: number } = {}) {
    const ctx: SqliteContext = { db, now, instanceId: null };
    const parts = {
      assignments: new SqliteAssignments(ctx),
      photos: new SqlitePhotos(ctx),
      jobs: new SqliteBulkJobs(ctx),
      approvals: new SqliteApprovals(ctx),
      instances: new SqliteInstances(ctx),
      // Last: it takes its share of the file's number queue, which close() gives back.
      changes: new SqliteChanges(ctx, { maxWaiting: options.maxWaiting }),
    };
    super(parts);
    this.#now = now;
    this.#db = db;
    this.#sql = prepare(db);
    this.#changes = parts.changes;
  }

  async ping(): Promise<boolean> {
    try {
      return this.#sql.ping.get() === 1;
    } catch {
      return false;
    }
  }

  async lastKnownCard(number: string): Promise<KnownCard | undefined> {
    const row = this.#sql.card.get(number);
    return row && toKnownCard(row);
  }

  async knownCards(): Promise<KnownCard[]> {
    return this.#sql.cards.all().map(toKnownCard);
  }

  async rememberCard(number: string, card: CardSnapshot, updatedBy: string): Promise<void> {
    this.#sql.rememberCard.run({
      number,
      ...snapshot(card),
      updatedAt: this.#now().toISOString(),
      updatedBy,
    });
  }

  async forgetCard(number: string): Promise<void> {
    this.#sql.forgetCard.run(number);
  }

  async observeCard(
    number: string,
    seen: { card: SeenCard | null; source: ObservationSource; at?: Date },
  ): Promise<void> {
    const [hasCard, ...names] = observationColumns(seen.card);
    this.#sql.observeCard.run(
      number,
      hasCard ? 1 : 0,
      ...names,
      (seen.at ?? this.#now()).toISOString(),
      seen.source,
    );
  }

  async observedCard(number: string): Promise<ObservedCard | undefined> {
    const row = this.#sql.observation.get(number);
    return row && toObservedCard(row);
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

  async close(): Promise<void> {
    this.#changes.release();
    this.#db.close();
  }
}

/** Opens (creating file, folder and schema as needed) and migrates; `:memory:` gives a throwaway store. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 5_000 });
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 builds with NORMAL as the WAL default, under which a power cut can lose the
    // last commits: a pending entry lost that way would be exactly the silent gap the audit forbids.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteStore(db, options.now ?? (() => new Date()), { maxWaiting: options.maxWaiting });
  } catch (error) {
    db.close();
    throw error;
  }
}
