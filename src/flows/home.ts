import { type CardStatus, pictureOf } from '../card/picture.js';
import type { Deps } from '../deps.js';
import { homePaging, homeView } from '../views/home.js';
import { manageable } from './numbers.js';

/** What a person last looked at in their Home tab: kept per instance, for paging and re-publishing. */
interface HomeState {
  page: number;
  filter: CardStatus | 'all';
  openedAt: number;
}

// A Home tab opened this recently is re-published when one of its numbers changes.
const republishForMs = 30 * 60_000;

/**
 * The Home tab: the numbers the viewer may manage (admins and open mode: every known number),
 * each with its card, status, last change and owners, a page at a time.
 */
export class HomeTabs {
  private readonly states = new Map<string, HomeState>();

  constructor(private readonly deps: Pick<Deps, 'access' | 'store' | 'lines' | 'slack' | 'log'>) {}

  /** `looked`: the person opened or paged the tab (a re-publish after a change is not a look). */
  async publish(
    userId: string,
    change: Partial<Pick<HomeState, 'page' | 'filter'>> = {},
    looked = true,
  ): Promise<void> {
    const previous = this.states.get(userId);
    const state: HomeState = {
      page: change.page ?? (change.filter !== undefined ? 0 : (previous?.page ?? 0)),
      filter: change.filter ?? previous?.filter ?? 'all',
      openedAt: looked || previous === undefined ? Date.now() : previous.openedAt,
    };
    this.states.set(userId, state);
    const { access, store } = this.deps;
    const everything = await access.managesEverything(userId);
    const numbers = await manageable(this.deps, userId);
    // Counted in the database, then one page read: the cost of a page does not grow with the fleet's rows.
    const counts = await store.statusCounts(numbers);
    const paging = homePaging(counts, state.filter, state.page);
    state.page = paging.page;
    const records = await store.fleetPage(numbers, {
      status: state.filter === 'all' ? undefined : state.filter,
      offset: paging.offset,
      limit: paging.limit,
    });
    const view = homeView({
      numbers: records.map(({ owners, ...facts }) => ({
        number: facts.number,
        latest: facts.latest,
        owners,
        ...pictureOf(facts),
      })),
      counts,
      page: paging.page,
      filter: state.filter,
      showOwners: everything,
      openMode: await access.isOpenMode(),
    });
    const delivery = await this.deps.slack.publishHome(userId, view);
    if (!delivery.ok) this.deps.log.warn(`Home tab not published (${delivery.error})`);
  }

  /** After many numbers were read at once (the sync): every Home tab opened recently, once. */
  async refreshOpen(): Promise<void> {
    const recent = Date.now() - republishForMs;
    for (const [userId, state] of this.states) {
      if (state.openedAt < recent) this.states.delete(userId);
      else await this.publish(userId, {}, false);
    }
  }

  /** After a change: every Home tab opened in the last 30 minutes that shows the number again. */
  async changed(number: string): Promise<void> {
    const recent = Date.now() - republishForMs;
    for (const [userId, state] of this.states) {
      if (state.openedAt < recent) {
        this.states.delete(userId);
        continue;
      }
      const shows =
        (await this.deps.access.managesEverything(userId)) ||
        (await this.deps.access.numbersOf(userId)).includes(number);
      if (shows) await this.publish(userId, {}, false);
    }
  }
}
