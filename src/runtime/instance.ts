import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Log } from './logger.js';

// A SIGKILLed replica's changes are marked "outcome unknown" within lease + sweep (≤ 20 s).
export const leaseMs = 15_000;
const renewEveryMs = 5_000;
const sweepEveryMs = 5_000;

/** What the lease keeps in the store: one row per live instance, shared by every replica. */
export interface InstanceLeases {
  /**
   * Inserts or renews this instance's lease, expiring `leaseMs` from now. Changes begun afterwards
   * without an explicit instanceId are recorded as this instance's.
   */
  registerInstance(id: string, leaseMs: number): Promise<void>;
  /** Extends the lease to `leaseMs` from now (re-inserting it if it lapsed and was removed). */
  renewInstance(id: string, leaseMs: number): Promise<void>;
  /** Clean shutdown: removes the lease, so anything it left pending is an orphan at once. */
  releaseInstance(id: string): Promise<void>;
  /** The ids of every instance that holds a lease row (live or not yet swept). */
  instanceIds(): Promise<string[]>;
  /**
   * Every change still pending whose instance holds no live lease (no row, an expired one, or no
   * instance recorded) becomes 'unknown'; a live instance's pending changes are never touched.
   * Expired leases are removed. Resolves to how many changes were marked.
   */
  markOrphansUnknown(): Promise<number>;
}

/**
 * This process's lease in the store: a pending change belongs to the instance that recorded it,
 * and only an instance whose lease has lapsed (it died) has its changes marked unknown, by
 * whichever live instance sweeps first. A failed renewal is retried at the next tick.
 */
export class InstanceLease {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timers: NodeJS.Timeout[] = [];
  private renewFailing = false;

  constructor(
    private readonly store: InstanceLeases,
    private readonly log: Log,
  ) {}

  /** Registers this instance, then marks what dead instances left pending; resolves to that count. */
  async start(): Promise<number> {
    await this.store.registerInstance(this.id, leaseMs);
    await this.releaseDeadNeighbours();
    const orphans = await this.sweep();
    this.timers = [
      setInterval(() => void this.renew(), renewEveryMs),
      setInterval(() => void this.sweep(), sweepEveryMs),
    ];
    for (const timer of this.timers) timer.unref();
    return orphans;
  }

  /**
   * An instance on this host whose process is gone need not wait for its lease to lapse: a restart
   * (and every start with SQLite, which serves one process) settles its changes at once.
   */
  private async releaseDeadNeighbours(): Promise<void> {
    const host = `${hostname()}-`;
    for (const id of await this.store.instanceIds()) {
      if (id === this.id || !id.startsWith(host)) continue;
      const pid = Number(id.slice(host.length).split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && !processExists(pid)) await this.store.releaseInstance(id);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.store.releaseInstance(this.id).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    try {
      await this.store.renewInstance(this.id, leaseMs);
      if (this.renewFailing) this.log.info('the store answers again: this instance’s lease is renewed');
      this.renewFailing = false;
    } catch (error) {
      if (!this.renewFailing) this.log.warn(`could not renew this instance's lease: ${describe(error)}`);
      this.renewFailing = true;
    }
  }

  private async sweep(): Promise<number> {
    try {
      const orphans = await this.store.markOrphansUnknown();
      if (orphans > 0) {
        this.log.warn(
          `${orphans} change(s) were in flight on an instance that stopped; their outcome is recorded as unknown`,
        );
      }
      return orphans;
    } catch (error) {
      this.log.debug(`could not look for a stopped instance's changes: ${describe(error)}`);
      return 0;
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
