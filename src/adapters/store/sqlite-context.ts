import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.js';

/**
 * What every part of the SQLite store shares: one connection (so that a transaction may span parts,
 * as markOrphansUnknown's does over changes and instances), one clock, and the instance it registered.
 */
export interface SqliteContext {
  readonly db: Database.Database;
  readonly now: () => Date;
  /**
   * The id this store last registered with registerInstance (null when none): the changes and bulk
   * jobs it records without an explicit instance are that instance's.
   */
  instanceId: string | null;
  /** The writes on a change's path (record, complete, remember, observe) share commits through it. */
  readonly commits: GroupCommit;
}
