type Place = { granted: () => void; since: number };

/** How a call waits its turn: `stop` takes it out of the line; a `background` call lets others go first. */
export interface TurnOptions {
  /** When it rejects before the call's turn, the call leaves the line with that reason and never starts. */
  stop?: Promise<never> | undefined;
  /** Waits behind every other call waiting, whenever it came: work nobody is waiting on. */
  background?: boolean | undefined;
}

/**
 * At most `limit` of the calls given to `run` at once; the others wait, in the order they came,
 * background calls after all the others (see TurnOptions).
 */
export class Limiter {
  #running = 0;
  readonly #waiting: Place[] = [];
  readonly #waitingInBackground: Place[] = [];

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * How long the call first in line has waited, background calls aside (0: none waits): what a call
   * joining now would wait at least. A background call never holds another back.
   */
  oldestWaitMs(): number {
    const first = this.#waiting[0];
    return first === undefined ? 0 : this.now() - first.since;
  }

  async run<T>(work: () => Promise<T>, options: TurnOptions = {}): Promise<T> {
    if (this.#running < this.limit) this.#running += 1;
    else await this.#turn(options);
    try {
      return await work();
    } finally {
      // The slot passes straight to the next one waiting, if any.
      const next = this.#waiting.shift() ?? this.#waitingInBackground.shift();
      if (next) next.granted();
      else this.#running -= 1;
    }
  }

  #turn({ stop, background }: TurnOptions): Promise<void> {
    let granted!: () => void;
    const turn = new Promise<void>((resolve) => {
      granted = resolve;
    });
    const place = { granted, since: this.now() };
    const line = background ? this.#waitingInBackground : this.#waiting;
    line.push(place);
    if (stop === undefined) return turn;
    const leave = stop.catch((reason: unknown) => {
      const at = line.indexOf(place);
      if (at >= 0) line.splice(at, 1);
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
