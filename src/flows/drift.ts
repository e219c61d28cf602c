import { sameCard, shownCard } from '../card/compare.js';
import { mapWithLimit } from '../concurrency.js';
import type { Deps } from '../deps.js';
import { SendblueApiError } from '../sendblue/errors.js';
import type { ProfileState } from '../sendblue/schemas.js';
import { type CardSnapshot, type KnownCard, OUTSIDE_ACTOR } from '../store/types.js';
import { driftNotice } from '../views/messages.js';
import { remember } from './pictures.js';

// Gentle on one account's API: two reads at a time.
const readConcurrency = 2;

/**
 * Drift alerts: every CONTACTCARD_RECONCILE_INTERVAL, on one replica at a time, the state of every
 * number with a card applied (or accepted) here or seen at Sendblue is read and remembered. Where
 * Sendblue shows another card than the one applied or accepted here, the change is recorded in the
 * history as made outside contactcard and announced once (in the notify channel, else to each admin)
 * with Restore ours and Accept. A card never applied nor accepted here is observed, never an alert.
 * A 503 or 429 ends the round early: the next one tries again.
 */
export class DriftCheck {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Pick<Deps, 'sendblue' | 'store' | 'slack' | 'log' | 'config' | 'access'>,
    private readonly intervalMs: number | undefined,
  ) {}

  start(): void {
    if (this.intervalMs === undefined) return;
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round; resolves to how many new differences were reported (undefined: another replica ran it). */
  async round(): Promise<number | undefined> {
    const ran = await this.deps.store
      .runExclusive('drift-check', () => this.check())
      .catch((error: unknown) => {
        this.deps.log.warn(`drift check failed: ${error instanceof Error ? error.message : String(error)}`);
        return { ran: false as const };
      });
    return ran.ran ? ran.value : undefined;
  }

  private async check(): Promise<number> {
    const { store, sendblue } = this.deps;
    const [cards, observed] = await Promise.all([store.knownCards(), store.observedCards()]);
    const appliedOf = new Map(cards.map((card) => [card.number, card]));
    const numbers = [...new Set([...appliedOf.keys(), ...observed.map((seen) => seen.number)])].sort();
    let backOff = false;
    let reported = 0;
    await mapWithLimit(numbers, readConcurrency, async (number) => {
      if (backOff) return;
      let state: ProfileState;
      try {
        state = await sendblue.getState(number);
      } catch (error) {
        if (error instanceof SendblueApiError && (error.status === 503 || error.status === 429))
          backOff = true;
        return;
      }
      await remember(this.deps, number, state, 'drift');
      const known = appliedOf.get(number);
      if (known === undefined) return;
      const shown = shownCard(state, known);
      if (sameCard(shown, known)) return;
      // The same difference is reported once: the latest entry already records it.
      const [latest] = await store.history(known.number, 1);
      if (latest?.actorId === OUTSIDE_ACTOR && sameCard(latest.after, shown)) return;
      const entry = await store.beginChange({
        action: shown ? 'set' : 'delete',
        number: known.number,
        actorId: OUTSIDE_ACTOR,
        before: known,
        after: shown,
        instanceId: null,
      });
      await store.completeChange(entry.id, { outcome: 'ok', message: 'changed outside contactcard' });
      await this.announce(known, shown);
      reported++;
    });
    return reported;
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
