import { type CardStatus, pictureOf } from '../../domain/card/picture.js';
import { homePaging, homeView } from '../../slack/views/home.js';
import { everyNumber, manageable } from './numbers.js';
import type { Deps, Homes } from './ports.js';

/** What a person last looked at in their Home tab: kept per instance, for paging and re-publishing. */
interface HomeState {
  page: number;
  filter: CardStatus | 'all';
  openedAt: number;
  /** When its last publish ended: a re-publish waits the gap after it. */
  publishedAt: number | undefined;
}

// A Home tab opened this recently is re-published when one of its numbers changes.
const republishForMs = 30 * 60_000;

/** One person's publishing: the publish in flight, and whether another must follow it. */
interface Publishing {
  /** Settles once no publish is left to do: the one in flight and the one that follows. */
  done: Promise<void>;
  pending: boolean;
  /** The one that follows answers a look (open, page, filter): it does not wait for the gap. */
  looked: boolean;
  /** A change already waits for `done`: it covers every re-publish asked while this one runs. */
  awaited: boolean;
}

/** The next re-publish round: when it starts, and what the tabs waiting for it await. */
interface Round {
  at: number;
  timer: NodeJS.Timeout;
  started: Promise<void>;
  start: () => void;
}

/**
 * The Home tab: the numbers the viewer may manage (admins and open mode: every known number),
 * each with its card, status, last change and owners, a page at a time.
 *
 * Publishes to one person never overlap: while one is in flight, any number of changes leave one
 * publish pending, which reads the state as it is then. A re-publish that nobody asked for waits
 * `republishGapMs` after the previous one ended, so a bulk job of thousands of numbers costs each
 * open tab a publish a second at most, within Slack's rate limits (a `ratelimited` answer is
 * retried after its Retry-After by the Web API client).
 */
export class HomeTabs implements Homes {
  private readonly states = new Map<string, HomeState>();
  private readonly publishing = new Map<string, Publishing>();
  private sharedFleet: ReturnType<HomeTabs['fleetOf']> | undefined;
  private round: Round | undefined;

  constructor(
    private readonly deps: Pick<Deps, 'access' | 'store' | 'lines' | 'slack' | 'log'>,
    private readonly republishGapMs = 1_000,
  ) {}

  /** `looked`: the person opened or paged the tab (a re-publish after a change is not a look). */
  publish(
    userId: string,
    change: Partial<Pick<HomeState, 'page' | 'filter'>> = {},
    looked = true,
  ): Promise<void> {
    const previous = this.states.get(userId);
    this.states.set(userId, {
      page: change.page ?? (change.filter !== undefined ? 0 : (previous?.page ?? 0)),
      filter: change.filter ?? previous?.filter ?? 'all',
      openedAt: looked || previous === undefined ? Date.now() : previous.openedAt,
      publishedAt: previous?.publishedAt,
    });
    const running = this.publishing.get(userId);
    if (running) {
      running.pending = true;
      running.looked ||= looked;
      return running.done;
    }
    const slot: Publishing = { done: Promise.resolve(), pending: false, looked: false, awaited: false };
    slot.done = this.publishWhileAsked(userId, slot, looked).finally(() => this.publishing.delete(userId));
    this.publishing.set(userId, slot);
    return slot.done;
  }

  private async publishWhileAsked(userId: string, slot: Publishing, looked: boolean): Promise<void> {
    for (let look = looked; ; look = slot.looked) {
      slot.pending = false;
      slot.looked = false;
      if (!look) await this.nextRound(userId);
      await this.render(userId);
      if (!slot.pending) return;
    }
  }

  /**
   * Waits for the next re-publish round, at least the gap after the person's last publish. Every tab
   * waiting joins the same round, which starts once the last of them may publish again: they are
   * rendered together and share one read of the fleet (a bulk job changes a number every few ms, and
   * each change forgets the shared read, so tabs rendered apart would each read it).
   */
  private nextRound(userId: string): Promise<void> {
    const due = Math.max((this.states.get(userId)?.publishedAt ?? 0) + this.republishGapMs, Date.now());
    const round = this.round ?? this.newRound(due);
    if (due > round.at) {
      clearTimeout(round.timer);
      round.at = due;
      round.timer = setTimeout(round.start, due - Date.now());
    }
    return round.started;
  }

  private newRound(at: number): Round {
    let resolve = () => {};
    const started = new Promise<void>((settle) => {
      resolve = settle;
    });
    // There is one round at a time: once it starts, the next tab to wait begins the next one.
    const start = () => {
      this.round = undefined;
      resolve();
    };
    this.round = { at, started, start, timer: setTimeout(start, at - Date.now()) };
    return this.round;
  }

  /** The numbers a person may manage (undefined: every number), counted by status in the database. */
  private async fleetOf(userId: string | undefined) {
    const numbers = userId === undefined ? await everyNumber(this.deps) : await manageable(this.deps, userId);
    return { numbers, counts: await this.deps.store.statusCounts(numbers) };
  }

  /**
   * Every number, counted, once for all the admins' tabs rendered at the same time (a change
   * re-publishes them together); a change forgets it, so that no tab is rendered from before it.
   */
  private wholeFleet(): ReturnType<HomeTabs['fleetOf']> {
    if (this.sharedFleet) return this.sharedFleet;
    const shared = this.fleetOf(undefined);
    this.sharedFleet = shared;
    const forget = () => {
      if (this.sharedFleet === shared) this.sharedFleet = undefined;
    };
    shared.then(forget, forget);
    return shared;
  }

  /** Publishes the person's tab as their state says now: counted in the database, then one page read. */
  private async render(userId: string): Promise<void> {
    const state = this.states.get(userId);
    if (!state) return;
    const { access, store } = this.deps;
    const everything = await access.managesEverything(userId);
    const { numbers, counts } = everything ? await this.wholeFleet() : await this.fleetOf(userId);
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
    // The state may have been replaced meanwhile (a click): the publish is still the last one.
    const current = this.states.get(userId);
    if (current) current.publishedAt = Date.now();
    if (!delivery.ok) this.deps.log.warn(`Home tab not published (${delivery.error})`);
  }

  /** After many numbers were read at once (the sync): every Home tab opened recently, once. */
  async refreshOpen(): Promise<void> {
    this.sharedFleet = undefined;
    const recent = Date.now() - republishForMs;
    const publishes: Promise<void>[] = [];
    for (const [userId, state] of this.states) {
      if (state.openedAt < recent) this.states.delete(userId);
      else publishes.push(this.publish(userId, {}, false));
    }
    await Promise.all(publishes);
  }

  /**
   * After a change: every Home tab opened in the last 30 minutes that shows the number again. Resolves
   * once the tabs are published, except a tab whose publishing an earlier change already waits for
   * (that wait covers the re-publish this one asked for): a bulk job's thousands of changes do not
   * each keep promises alive until the next round, which made V8 promote them by the megabyte.
   */
  async changed(number: string): Promise<void> {
    this.sharedFleet = undefined;
    const recent = Date.now() - republishForMs;
    const publishes: Promise<void>[] = [];
    for (const [userId, state] of this.states) {
      if (state.openedAt < recent) {
        this.states.delete(userId);
        continue;
      }
      const shows =
        (await this.deps.access.managesEverything(userId)) ||
        (await this.deps.access.numbersOf(userId)).includes(number);
      if (!shows) continue;
      const done = this.publish(userId, {}, false);
      const slot = this.publishing.get(userId);
      if (slot && !slot.awaited) {
        slot.awaited = true;
        publishes.push(done);
      }
    }
    await Promise.all(publishes);
  }
}
