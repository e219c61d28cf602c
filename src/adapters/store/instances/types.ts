// The store's instances: each replica's lease, and which replica runs a background job.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-instances.test.ts.
import type { InstanceLeases } from '../../../runtime/instance.js';

// The leases are declared where the lease runs (runtime/instance.ts); re-exported for the store's callers.
export type { InstanceLeases } from '../../../runtime/instance.js';

export type ExclusiveRun<T> = { ran: true; value: T } | { ran: false };

/**
 * The replicas sharing the store: their leases (which say whose pending changes are orphans), and
 * the background jobs that only one of them may run at a time.
 */
export interface InstanceStore extends InstanceLeases {
  /**
   * Runs a background job on at most one replica at a time: when another replica holds `job`, resolves
   * at once to { ran: false } (it never waits). SQLite, with a single process, always runs it.
   */
  runExclusive<T>(job: string, work: () => Promise<T>): Promise<ExclusiveRun<T>>;
}
