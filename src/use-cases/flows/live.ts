import { remember } from './pictures.js';
import type { Deps, LiveRequest, LiveWatch } from './ports.js';

/** After a set: first within 10 s, then backing off, for up to two minutes in all. */
export const defaultLiveDelaysMs: readonly number[] = [10_000, 20_000, 30_000, 60_000];

/**
 * "Live", not only "submitted": after a successful set the number's state is read a few times;
 * once Sendblue shows the submitted names and display name, the announcement says live (updated
 * in place), the audit entry records when, and open Home tabs are refreshed. If it never does, the
 * announcement says Sendblue does not show it yet.
 */
export class LiveChecks implements LiveWatch {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: Pick<Deps, 'sendblue' | 'store' | 'slack' | 'log' | 'homes' | 'now'>,
    private readonly delaysMs: readonly number[],
  ) {}

  watch(request: LiveRequest): void {
    if (this.delaysMs.length === 0 || !request.delivered.ok) return;
    const { deps } = this;
    const { card } = request;
    let attempt = 0;
    const settle = async (confirmation: 'live' | 'not yet') => {
      const updated = await deps.slack.updateAnnouncement(
        request.audience,
        request.delivered,
        request.announcement(confirmation),
      );
      if (!updated.ok) deps.log.info(`announcement not updated (${updated.error})`);
    };
    const check = async () => {
      try {
        const readAt = deps.now();
        const state = await deps.sendblue.getState(card.fromNumber);
        const shows =
          state.hasProfile &&
          state.firstName === card.firstName &&
          state.lastName === card.lastName &&
          (state.displayName ?? null) === (card.displayName ?? null);
        // Only a read that shows the card is remembered: until then Sendblue may simply lag behind.
        if (shows) {
          await remember(deps, card.fromNumber, state, 'live', readAt);
          await deps.store.confirmChange(request.entry.id);
          await settle('live');
          await deps.homes.changed(card.fromNumber);
          return;
        }
      } catch (error) {
        deps.log.debug(
          `live check of ${card.fromNumber} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (attempt < this.delaysMs.length) schedule();
      else await settle('not yet');
    };
    const schedule = () => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void check().catch((error: unknown) => deps.log.warn(`live check failed: ${String(error)}`));
      }, this.delaysMs[attempt++]);
      timer.unref();
      this.timers.add(timer);
    };
    schedule();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
