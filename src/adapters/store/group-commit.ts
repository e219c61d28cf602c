import type { Database } from 'better-sqlite3';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The writes asked for while the event loop runs one turn share one commit. With synchronous = FULL
 * each commit waits for the disk (0.1 to 0.3 ms here) and the app's only thread waits with it; a
 * bulk job's concurrent changes now write together and wait once. A write still resolves only after
 * the commit that holds it is on disk, writes apply in the order they were asked for, and one that
 * fails rolls back alone (its own savepoint) and rejects with its own error.
 */
export class GroupCommit {
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(private readonly db: Database) {}

  /** Runs `work` (synchronous statements) in the next shared commit. */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // After the I/O callbacks of this turn: the writes they ask for join the same commit.
      setImmediate(() => this.flush());
    });
  }

  /** Commits what is waiting now (a close does, so that no write asked for is lost). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // Immediate: the write lock from the start, as each write's own transaction would take it.
      this.db
        .transaction(() => {
          for (const { work } of batch) {
            try {
              // Nested, a transaction is a savepoint: a failing write undoes only its own statements.
              outcomes.push({ ok: true, value: this.db.transaction(work)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) resolve(outcome.value);
      else reject(outcome?.error);
    });
  }
}
