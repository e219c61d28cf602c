import type { ChangeEntry, NumberTurns } from '../../adapters/store/types.js';

/** Changes to one number run one at a time, in the order they were recorded. */
export interface Turns {
  /**
   * Runs `work` once every change to `entry.number` recorded before it has finished; `onWaiting`
   * is called (before `work` starts) when an earlier one is still running.
   */
  run<T>(entry: ChangeEntry, work: () => Promise<T>, onWaiting?: () => void): Promise<T>;
}

/** The store's turns (an in-process queue for SQLite, the pending rows for PostgreSQL), with the waiting notice. */
export function storeTurns(turns: NumberTurns): Turns {
  return {
    async run(entry, work, onWaiting) {
      let started = false;
      // Called before any await: SQLite takes the slot synchronously, which keeps the record order.
      const running = turns.run(entry, () => {
        started = true;
        return work();
      });
      // The count includes this change: more than one means someone is ahead.
      const recorded = await turns.waiting(entry.number).catch(() => 0);
      if (recorded > 1 && !started) onWaiting?.();
      return running;
    },
  };
}
