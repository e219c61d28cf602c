import { NumberQueue } from '../flows/number-queue.js';
import type { ChangeEntry } from '../store/types.js';

/** Changes to one number run one at a time, in the order they were recorded. */
export interface Turns {
  /** Runs `work` once every change to `entry.number` recorded before it has finished; `onWaiting` is called if it must wait. */
  run<T>(entry: ChangeEntry, work: () => Promise<T>, onWaiting?: () => void): Promise<T>;
}

/** One process: the slot is taken synchronously, so the queue keeps the order of the records. */
export function inProcessTurns(queue = new NumberQueue()): Turns {
  return {
    run(entry, work, onWaiting) {
      const waiting = queue.busy(entry.number) > 0;
      const result = queue.run(entry.number, work);
      if (waiting) onWaiting?.();
      return result;
    },
  };
}
