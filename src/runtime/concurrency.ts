/**
 * At most `limit` of the calls given to `run` at once; the others wait, in the order they came. A
 * call given `stop` leaves the line when `stop` rejects before its turn, with that reason, and its
 * work never starts.
 */
export class Limiter {
  #running = 0;
  readonly #waiting: Array<{ granted: () => void; since: number }> = [];

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long the call first in line has waited (0: none waits): what a call joining now would wait at least. */
  oldestWaitMs(): number {
    const first = this.#waiting[0];
    return first === undefined ? 0 : this.now() - first.since;
  }

  async run<T>(work: () => Promise<T>, stop?: Promise<never>): Promise<T> {
    if (this.#running < this.limit) this.#running += 1;
    else await this.#turn(stop);
    try {
      return await work();
    } finally {
      // The slot passes straight to the next one waiting, if any.
      const next = this.#waiting.shift();
      if (next) next.granted();
      else this.#running -= 1;
    }
  }

  #turn(stop: Promise<never> | undefined): Promise<void> {
    let granted!: () => void;
    const turn = new Promise<void>((resolve) => {
      granted = resolve;
    });
    const place = { granted, since: this.now() };
    this.#waiting.push(place);
    if (stop === undefined) return turn;
    const leave = stop.catch((reason: unknown) => {
      const at = this.#waiting.indexOf(place);
      if (at >= 0) this.#waiting.splice(at, 1);
      throw reason;
    });
    // A turn granted in the same moment as the stop may still win: `work` checks for itself.
    return Promise.race([turn, leave]);
  }
}

/** Runs `work` over `items` with at most `limit` running at once; results keep the items' order. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
