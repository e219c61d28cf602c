import { backOffCause } from '../../adapters/sendblue/errors.js';
import { type CardSnapshot, type KnownCard, OUTSIDE_ACTOR } from '../../adapters/store/types.js';
import { sameCard, shownCard } from '../../domain/card/compare.js';
import type { ProfileState } from '../../domain/card/records.js';
import { mapWithLimit } from '../../runtime/concurrency.js';
import { driftNotice } from '../../slack/views/messages.js';
import { remember } from './pictures.js';
import type { Deps } from './ports.js';

// Gentle on one account's API: two reads at a time.
const readConcurrency = 2;
// A scheduled round spreads its reads over this share of the interval, so it ends before the next;
const roundShare = 0.8;
// but reads no slower than one a second, so that a small fleet is read in seconds.
const slowestSpacingMs = 1_000;

/**
 * Drift alerts: every CONTACTCARD_RECONCILE_INTERVAL, on one replica at a time, the state of every
 * number with a card applied (or accepted) here or seen at Sendblue is read and remembered. Where
 * Sendblue shows another card than the one applied or accepted here, the change is recorded in the
 * history as made outside contactcard and announced once (in the notify channel, else to each admin)
 * with Restore ours and Accept. A card never applied nor accepted here is observed, never an alert.
 * A scheduled round spreads its reads over most of the interval, least recently seen first, and
 * leaves what it did not reach by then. Its reads get a connection only after the reads people wait
 * on; a 503 or 429, or a read the app was too busy to send in time, ends it early. Either way the
 * next round starts with the numbers read longest ago, so it resumes where the last one stopped.
 */
export class DriftCheck {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly stopped = new AbortController();

  constructor(
    private readonly deps: Pick<
      Deps,
      'sendblue' | 'store' | 'slack' | 'log' | 'config' | 'access' | 'now' | 'changes'
    >,
    private readonly intervalMs: number | undefined,
  ) {}

  start(): void {
    const interval = this.intervalMs;
    if (interval === undefined) return;
    this.timer = setInterval(() => void this.round(roundShare * interval), interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopped.abort();
  }

  /**
   * One round; resolves to how many new differences were reported (undefined: another replica ran
   * it, or this one is still running the last). With `budgetMs` its reads are spread over that time.
   */
  async round(budgetMs?: number): Promise<number | undefined> {
    if (this.running) return undefined;
    this.running = true;
    const ran = await this.deps.store
      .runExclusive('drift-check', () => this.check(budgetMs))
      .catch((error: unknown) => {
        this.deps.log.warn(`drift check failed: ${error instanceof Error ? error.message : String(error)}`);
        return { ran: false as const };
      })
      .finally(() => {
        this.running = false;
      });
    return ran.ran ? ran.value : undefined;
  }

  private async check(budgetMs: number | undefined): Promise<number> {
    const { store, sendblue } = this.deps;
    const [cards, observed] = await Promise.all([store.knownCards(), store.observedCards()]);
    const applied = new Set(cards.map((card) => card.number));
    const seenAt = new Map(observed.map((seen) => [seen.number, seen.seenAt.getTime()]));
    // Never seen first, then the longest ago: where the last round stopped.
    const numbers = [...new Set([...applied, ...seenAt.keys()])].sort(
      (a, b) => (seenAt.get(a) ?? 0) - (seenAt.get(b) ?? 0) || a.localeCompare(b),
    );
    const startedAt = Date.now();
    const spacingMs =
      budgetMs === undefined ? 0 : Math.min(slowestSpacingMs, budgetMs / Math.max(1, numbers.length));
    const deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : startedAt + budgetMs;
    let started = 0;
    let backOff = false;
    let reported = 0;
    await mapWithLimit(numbers, readConcurrency, async (number) => {
      const due = startedAt + started++ * spacingMs;
      if (backOff || due >= deadline || this.stopped.signal.aborted) return;
      if (!(await this.waitUntil(due))) return;
      if (backOff) return;
      let state: ProfileState;
      const readAt = this.deps.now();
      try {
        state = await sendblue.getState(number, { background: true });
      } catch (error) {
        if (backOffCause(error) !== undefined) backOff = true;
        return;
      }
      await remember(this.deps, number, state, 'drift', readAt);
      // Read again, not from the round's start: a round spreads over most of the interval, and a
      // card set here meanwhile is not drift. One set after the read was sent may not show in it.
      const known = applied.has(number) ? await store.lastKnownCard(number) : undefined;
      if (known === undefined || known.updatedAt.getTime() > readAt.getTime()) return;
      const shown = shownCard(state, known);
      if (sameCard(shown, known)) return;
      // The same difference is reported once: the latest entry already records it.
      const [latest] = await store.history(known.number, 1);
      if (latest?.actorId === OUTSIDE_ACTOR && sameCard(latest.after, shown)) return;
      // Recorded in the number's turn, after any change of ours still running.
      const result = await this.deps.changes.run({
        kind: 'observed',
        number: known.number,
        actorId: OUTSIDE_ACTOR,
        card: shown,
      });
      if (result.status !== 'ok') return;
      await this.announce(known, shown);
      reported++;
    });
    return reported;
  }

  /** false: the app is stopping. The wait never keeps the process alive. */
  private waitUntil(at: number): Promise<boolean> {
    const ms = at - Date.now();
    if (ms <= 0) return Promise.resolve(true);
    const { signal } = this.stopped;
    return new Promise((resolve) => {
      const onStop = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onStop);
        resolve(true);
      }, ms);
      timer.unref();
      signal.addEventListener('abort', onStop, { once: true });
    });
  }

  private async announce(known: KnownCard, shown: CardSnapshot | null): Promise<void> {
    const notice = driftNotice({ number: known.number, before: known, after: shown });
    const channel = this.deps.config.notifyChannel;
    if (channel !== undefined) {
      await this.deps.slack.post(channel, notice);
      return;
    }
    for (const admin of await this.deps.access.admins()) {
      await this.deps.slack.post(admin, notice);
    }
  }
}
