/**
 * Runs changes to the same number one after another (Sendblue applies each on the phone, and the
 * last one must win), while different numbers proceed in parallel.
 */
export class NumberQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly depth = new Map<string, number>();

  /** How many changes are running or waiting for `number`. */
  busy(number: string): number {
    return this.depth.get(number) ?? 0;
  }

  /** Resolves with `work`'s result once every earlier change to `number` has finished. */
  run<T>(number: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(number) ?? Promise.resolve();
    this.depth.set(number, this.busy(number) + 1);
    const result = previous.then(work, work);
    const tail: Promise<void> = result.then(
      () => this.finish(number, tail),
      () => this.finish(number, tail),
    );
    this.tails.set(number, tail);
    return result;
  }

  private finish(number: string, tail: Promise<void>): void {
    const left = this.busy(number) - 1;
    if (left > 0) this.depth.set(number, left);
    else this.depth.delete(number);
    if (this.tails.get(number) === tail) this.tails.delete(number);
  }
}
