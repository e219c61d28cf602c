import { backOffCause, SendblueApiError } from '../../adapters/sendblue/errors.js';
import { mapWithLimit } from '../../runtime/concurrency.js';
import { remember } from './pictures.js';
import type { Deps } from './ports.js';

/** How one round went: lines read, lines still not read, and why it stopped early (if it did). */
export interface SyncRound {
  read: number;
  left: number;
  /** 'busy': the app's own requests to Sendblue were backed up (people's go first). */
  stoppedBy: ReturnType<typeof backOffCause>;
  /** Sendblue's Retry-After when it stopped the round. */
  retryAfterMs: number;
  ms: number;
}

// After Sendblue says "too many" or "unavailable", or the app is behind, the next round waits this long,
// doubling up to the cap.
const firstBackOffMs = 30_000;
const maxBackOffMs = 15 * 60_000;

const stopReason = (stoppedBy: NonNullable<SyncRound['stoppedBy']>) =>
  stoppedBy === 'busy'
    ? 'the requests people are waiting on kept every connection to Sendblue busy'
    : `Sendblue answered ${stoppedBy}`;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The initial sync: most cards were set before contactcard was installed, so every line of the
 * account whose card was never seen at Sendblue is read once (at start, and whenever the lines
 * list changes), at most `concurrency` at a time, on one replica at a time. Its reads get a
 * connection to Sendblue only after the reads people wait on. A 429 or 503, or a read that could not
 * be sent in time because the app was that busy, ends the round; the next one, after a growing wait
 * (at least Sendblue's Retry-After), reads what is left. It never runs between Slack and an
 * acknowledgement: rounds are started in the background.
 */
export class CardSync {
  private running: Promise<void> | undefined;
  private again = false;
  /** Set while backing off after a 429 or 503: the timer starts the next round, nothing sooner. */
  private retryTimer: NodeJS.Timeout | undefined;
  private backOffMs = firstBackOffMs;
  private stopped = false;

  constructor(
    private readonly deps: Pick<Deps, 'sendblue' | 'store' | 'log' | 'lines' | 'homes' | 'now'>,
    private readonly concurrency: number,
  ) {}

  /** Starts a round now, or right after the one running (the lines may have changed meanwhile). */
  request(): void {
    if (this.concurrency === 0 || this.stopped || this.retryTimer !== undefined) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .then((round) => this.after(round))
      .catch((error: unknown) => this.deps.log.warn(`card sync failed: ${describe(error)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  /** Resolves once no round is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /** One round; undefined when another replica is running one. */
  async round(): Promise<SyncRound | undefined> {
    const ran = await this.deps.store.runExclusive('card-sync', () => this.readUnseen());
    return ran.ran ? ran.value : undefined;
  }

  private async readUnseen(): Promise<SyncRound> {
    const { store, sendblue, lines } = this.deps;
    const started = Date.now();
    const [known, observed] = await Promise.all([store.knownNumbers(), store.observedCards()]);
    const seen = new Set(observed.map((observation) => observation.number));
    const unseen = [...new Set([...(lines.numbers() ?? []), ...known])].filter((number) => !seen.has(number));
    let stoppedBy: SyncRound['stoppedBy'];
    let retryAfterMs = 0;
    let read = 0;
    await mapWithLimit(unseen, this.concurrency, async (number) => {
      if (stoppedBy !== undefined || this.stopped) return;
      try {
        const readAt = this.deps.now();
        const state = await sendblue.getState(number, { background: true });
        await remember(this.deps, number, state, 'sync', readAt);
        read++;
      } catch (error) {
        const cause = backOffCause(error);
        // Any other failure leaves the number unseen: the next round tries it again.
        if (cause === undefined) return;
        stoppedBy = cause;
        if (error instanceof SendblueApiError) retryAfterMs = Math.max(retryAfterMs, error.retryAfterMs ?? 0);
      }
    });
    return { read, left: unseen.length - read, stoppedBy, retryAfterMs, ms: Date.now() - started };
  }

  private async after(round: SyncRound | undefined): Promise<void> {
    if (round === undefined) return;
    if (round.read > 0 || round.left > 0) {
      this.deps.log.info(
        `card sync: read ${round.read} line(s) in ${(round.ms / 1000).toFixed(1)} s, ${round.left} not read yet` +
          (round.stoppedBy === undefined ? '' : ` (${stopReason(round.stoppedBy)}: trying again later)`),
      );
    }
    if (round.read > 0) await this.deps.homes.refreshOpen();
    if (round.stoppedBy === undefined) {
      this.backOffMs = firstBackOffMs;
      return;
    }
    const waitMs = Math.max(round.retryAfterMs, this.backOffMs * (0.8 + Math.random() * 0.4));
    this.backOffMs = Math.min(this.backOffMs * 2, maxBackOffMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.request();
    }, waitMs);
    this.retryTimer.unref();
  }
}
