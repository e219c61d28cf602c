// The changes part (src/adapters/store/changes/): the audit trail, live confirmation and the turns
// changes to one number take. One contract for every Store: the same cases run against SQLite and
// against a real PostgreSQL server (helpers/store-contract.ts builds both). Cases that only make sense
// with replicas sharing a database (advisory locks, two pools racing) follow in "postgres only".
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ChangeEntry,
  DuplicateRequestError,
  type Store,
  TooManyWaitingError,
} from '../src/adapters/store/types.js';
import {
  alice,
  aliceWithPhoto,
  bob,
  clock,
  gate,
  storeContract,
  tick,
  withPool,
} from './helpers/store-contract.js';

const { describeContract, describePostgresOnly } = await storeContract();

describeContract((backend, open) => {
  const number = '+15551230001';

  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('audit trail', () => {
    it('records a change as pending, then completes it with its outcome and duration', async () => {
      const begun = await store.beginChange({
        action: 'set',
        number,
        actorId: 'U1',
        before: alice,
        after: aliceWithPhoto,
      });
      expect(begun).toEqual({
        id: begun.id,
        action: 'set',
        number,
        actorId: 'U1',
        startedAt: clock,
        finishedAt: null,
        durationMs: null,
        outcome: 'pending',
        status: null,
        message: null,
        before: alice,
        after: aliceWithPhoto,
        subject: null,
        requestKey: null,
        instanceId: null,
        confirmedAt: null,
      });

      tick(1_234);
      const done = await store.completeChange(begun.id, { outcome: 'ok' });
      expect(done).toMatchObject({ outcome: 'ok', finishedAt: clock, durationMs: 1_234, status: null });
      expect(await store.history(number)).toEqual([done]);
    });

    it('keeps Sendblue status and message of a failure', async () => {
      const begun = await store.beginChange({ action: 'assign', number, actorId: 'UADMIN', subject: 'U2' });
      const failed = await store.completeChange(begun.id, {
        outcome: 'failed',
        status: 422,
        message: 'invalid number',
        finishedAt: new Date(clock.getTime() + 80),
      });
      expect(failed).toMatchObject({
        outcome: 'failed',
        status: 422,
        message: 'invalid number',
        durationMs: 80,
      });
      expect(failed.subject).toBe('U2');
    });

    it('takes the card "before" given at completion, and keeps the begin-time one otherwise', async () => {
      const replaced = await store.beginChange({
        action: 'set',
        number,
        actorId: 'U1',
        before: alice,
        after: bob,
      });
      expect(
        await store.completeChange(replaced.id, { outcome: 'ok', before: aliceWithPhoto }),
      ).toMatchObject({
        before: aliceWithPhoto,
        after: bob,
      });
      const cleared = await store.beginChange({ action: 'set', number, actorId: 'U1', before: alice });
      expect((await store.completeChange(cleared.id, { outcome: 'ok', before: null })).before).toBeNull();
      const kept = await store.beginChange({ action: 'set', number, actorId: 'U1', before: alice });
      expect((await store.completeChange(kept.id, { outcome: 'ok' })).before).toEqual(alice);
    });

    it('never records a negative duration when the clock steps back', async () => {
      const begun = await store.beginChange({ action: 'set', number, actorId: 'U1' });
      const done = await store.completeChange(begun.id, {
        outcome: 'ok',
        finishedAt: new Date(clock.getTime() - 5_000),
      });
      expect(done.durationMs).toBe(0);
    });

    it('writes an outcome once', async () => {
      const { id } = await store.beginChange({ action: 'delete', number, actorId: 'U1' });
      await store.completeChange(id, { outcome: 'ok' });
      await expect(store.completeChange(id, { outcome: 'failed' })).rejects.toThrow('already complete (ok)');
      await expect(store.completeChange(id + 1, { outcome: 'ok' })).rejects.toThrow(`no change ${id + 1}`);
      expect(await store.history(number)).toMatchObject([{ id, outcome: 'ok' }]);
    });

    it('lets only one of two racing completions write', async () => {
      const { id } = await store.beginChange({ action: 'set', number, actorId: 'U1' });
      const results = await Promise.allSettled([
        store.completeChange(id, { outcome: 'ok' }),
        store.completeChange(id, { outcome: 'failed', message: 'late' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    });

    it('lists history newest first, 10 by default, for that number only', async () => {
      for (let i = 0; i < 12; i++) {
        await store.beginChange({ action: 'set', number, actorId: `U${i}` });
        tick(1_000);
      }
      await store.beginChange({ action: 'set', number: '+15559990000', actorId: 'UOTHER' });
      const history = await store.history(number);
      expect(history.map((e) => e.actorId)).toEqual([
        'U11',
        'U10',
        'U9',
        'U8',
        'U7',
        'U6',
        'U5',
        'U4',
        'U3',
        'U2',
      ]);
      expect((await store.history(number, 3)).map((e) => e.actorId)).toEqual(['U11', 'U10', 'U9']);
      expect(await store.history('+15550000000')).toEqual([]);
    });

    it('records a repeated request key once and reports the first entry', async () => {
      const first = await store.beginChange({ action: 'set', number, actorId: 'U1', requestKey: 'view-1' });
      const again = store.beginChange({ action: 'set', number, actorId: 'U1', requestKey: 'view-1' });
      await expect(again).rejects.toBeInstanceOf(DuplicateRequestError);
      await expect(again).rejects.toMatchObject({ requestKey: 'view-1', existing: first });
      expect(await store.history(number)).toHaveLength(1);

      await store.beginChange({ action: 'set', number, actorId: 'U1' });
      await store.beginChange({ action: 'set', number, actorId: 'U1' });
      expect(await store.history(number)).toHaveLength(3);
    });

    it('markOrphansUnknown turns only pending entries of no live instance into unknown ones', async () => {
      const ok = await store.beginChange({ action: 'set', number, actorId: 'U1' });
      await store.completeChange(ok.id, { outcome: 'ok' });
      const failed = await store.beginChange({ action: 'set', number, actorId: 'U1' });
      await store.completeChange(failed.id, { outcome: 'failed', status: 500, message: 'boom' });
      await store.beginChange({ action: 'delete', number, actorId: 'U1' });

      expect(await store.markOrphansUnknown()).toBe(1);
      const [unknown, ...rest] = await store.history(number);
      expect(unknown).toMatchObject({ outcome: 'unknown', finishedAt: null, durationMs: null });
      expect(unknown?.message).toMatch(/stopped before the outcome was known/);
      expect(rest.map((e) => [e.outcome, e.message])).toEqual([
        ['failed', 'boom'],
        ['ok', null],
      ]);
      expect(await store.markOrphansUnknown()).toBe(0);
    });
  });

  describe('live confirmation', () => {
    it('records when Sendblue was seen showing a change’s card', async () => {
      const change = await store.beginChange({
        action: 'set',
        number: '+15551230001',
        actorId: 'U1',
        after: alice,
      });
      await store.completeChange(change.id, { outcome: 'ok' });
      tick(4_000);
      await store.confirmChange(change.id);
      expect((await store.history('+15551230001'))[0]?.confirmedAt).toEqual(clock);
    });
  });

  describe('turns', () => {
    it('run 20 changes to one number, begun alternately by two stores, one at a time in id order', async () => {
      const location = await backend.fresh();
      const stores = [await open(location), await open(location)] as const;
      const entries: Array<{ entry: ChangeEntry; store: Store }> = [];
      for (let i = 0; i < 20; i++) {
        const store = stores[i % 2] as Store;
        entries.push({
          entry: await store.beginChange({ action: 'set', number, actorId: `U${i}` }),
          store,
        });
      }
      const ids = entries.map(({ entry }) => entry.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(await stores[0].turns.waiting(number)).toBe(20);

      const spans: Array<{ id: number; start: number; end: number }> = [];
      await Promise.all(
        entries.map(({ entry, store }) =>
          store.turns.run(entry, async () => {
            const start = performance.now();
            await sleep(2);
            spans.push({ id: entry.id, start, end: performance.now() });
            await store.completeChange(entry.id, { outcome: 'ok' });
          }),
        ),
      );
      expect(spans.map((s) => s.id)).toEqual(ids);
      for (let i = 1; i < spans.length; i++) {
        expect(spans[i]?.start).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? Number.POSITIVE_INFINITY);
      }
      expect(await stores[1].turns.waiting(number)).toBe(0);
    });

    it('let another number proceed while one waits', async () => {
      const location = await backend.fresh();
      const a = await open(location);
      const b = await open(location);
      const other = '+15557770000';
      const a1 = await a.beginChange({ action: 'set', number, actorId: 'U1' });
      const a2 = await b.beginChange({ action: 'set', number, actorId: 'U2' });
      const o1 = await b.beginChange({ action: 'set', number: other, actorId: 'U3' });
      const held = gate();
      const started = gate();
      const log: string[] = [];
      const first = a.turns.run(a1, async () => {
        log.push('a1');
        started.open();
        await held.wait;
        await a.completeChange(a1.id, { outcome: 'ok' });
      });
      const second = b.turns.run(a2, async () => {
        log.push('a2');
        await b.completeChange(a2.id, { outcome: 'ok' });
      });
      const parallel = b.turns.run(o1, async () => {
        log.push('o1');
        await b.completeChange(o1.id, { outcome: 'ok' });
        return 'done';
      });
      await started.wait;
      expect(await parallel).toBe('done');
      expect(log).not.toContain('a2');
      expect(await a.turns.waiting(number)).toBe(2);
      expect(await a.turns.waiting(other)).toBe(0);
      held.open();
      await Promise.all([first, second]);
      expect(log.filter((step) => step !== 'o1')).toEqual(['a1', 'a2']);
    });

    it('refuse a change with more than maxWaiting ahead of it, without running it', async () => {
      const s = await open(undefined, { maxWaiting: 2 });
      const entries: ChangeEntry[] = [];
      for (let i = 0; i < 4; i++)
        entries.push(await s.beginChange({ action: 'set', number, actorId: `U${i}` }));
      const held = gate();
      const ran: number[] = [];
      const runs = entries.map((entry, i) =>
        s.turns.run(entry, async () => {
          ran.push(entry.id);
          if (i === 0) await held.wait;
          await s.completeChange(entry.id, { outcome: 'ok' });
        }),
      );
      const refused = runs[3] as Promise<void>;
      await expect(refused).rejects.toBeInstanceOf(TooManyWaitingError);
      await expect(refused).rejects.toMatchObject({ number, ahead: 3, maxWaiting: 2 });
      const last = entries[3] as ChangeEntry;
      await s.completeChange(last.id, { outcome: 'failed', message: 'too many waiting' });
      held.open();
      await Promise.all(runs.slice(0, 3));
      expect(ran).toEqual(entries.slice(0, 3).map((e) => e.id));
    });

    it(`${backend.turnsInDatabase ? 'wait for' : 'do not wait for'} a dead instance’s pending change until markOrphansUnknown`, async () => {
      const location = await backend.fresh();
      const dead = await open(location);
      await dead.registerInstance('dead', 1_000);
      const orphan = await dead.beginChange({ action: 'set', number, actorId: 'UDEAD' });
      await dead.close(); // died without completing it

      const live = await open(location);
      await live.registerInstance('live', 60_000);
      const mine = await live.beginChange({ action: 'set', number, actorId: 'ULIVE' });
      let ran = false;
      const turn = live.turns.run(mine, async () => {
        ran = true;
        await live.completeChange(mine.id, { outcome: 'ok' });
      });
      if (backend.turnsInDatabase) {
        await sleep(500);
        expect(ran).toBe(false);
        expect(await live.markOrphansUnknown()).toBe(0); // its lease has not lapsed yet
        tick(1_001);
        expect(await live.markOrphansUnknown()).toBe(1);
      }
      await turn;
      expect(ran).toBe(true);
      expect((await live.history(number)).map((e) => [e.id, e.outcome])).toEqual([
        [mine.id, 'ok'],
        [orphan.id, backend.turnsInDatabase ? 'unknown' : 'pending'],
      ]);
    });
  });
});

describePostgresOnly((open, url) => {
  const number = '+15551230001';

  it('a request key raced from two replicas is recorded once', async () => {
    const location = await url();
    const a = await open(location);
    const b = await open(location);
    for (let round = 0; round < 10; round++) {
      // Same number (serialised by the number's lock) and different numbers (only the index decides).
      const numbers =
        round % 2 === 0 ? [number, number] : [number, `+1555000${String(round).padStart(4, '0')}`];
      const results = await Promise.allSettled([
        a.beginChange({
          action: 'set',
          number: numbers[0] as string,
          actorId: 'UA',
          requestKey: `key-${round}`,
        }),
        b.beginChange({
          action: 'set',
          number: numbers[1] as string,
          actorId: 'UB',
          requestKey: `key-${round}`,
        }),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<ChangeEntry> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(DuplicateRequestError);
      expect((lost[0]?.reason as DuplicateRequestError | undefined)?.existing).toEqual(won[0]?.value);
    }
    const { rows } = await withPool(location, (pool) =>
      pool.query<{ n: number }>('SELECT count(*)::int AS n FROM changes'),
    );
    expect(rows[0]?.n).toBe(10);
  });
});
