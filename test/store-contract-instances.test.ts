// The instances part (src/adapters/store/instances/): leases and runExclusive. One contract for every
// Store: the same cases run against SQLite and against a real PostgreSQL server (helpers/store-
// contract.ts builds both). Cases that only make sense with replicas sharing a database (advisory
// locks, two pools racing) follow in "postgres only".
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEntry, Store } from '../src/adapters/store/types.js';
import { gate, storeContract, tick, withPool } from './helpers/store-contract.js';

const { describeContract, describePostgresOnly } = await storeContract();

describeContract((backend, open) => {
  const number = '+15551230001';

  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('instance leases', () => {
    it('record changes as the registered instance’s, unless told otherwise', async () => {
      expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBeNull();
      await store.registerInstance('replica-a', 30_000);
      expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBe(
        'replica-a',
      );
      const other = await store.beginChange({
        action: 'set',
        number,
        actorId: 'U1',
        instanceId: 'replica-b',
      });
      expect(other.instanceId).toBe('replica-b');
      const nobody = await store.beginChange({ action: 'set', number, actorId: 'U1', instanceId: null });
      expect(nobody.instanceId).toBeNull();
      expect((await store.history(number)).map((e) => e.instanceId)).toEqual([
        null,
        'replica-b',
        'replica-a',
        null,
      ]);
      await store.releaseInstance('replica-a');
      expect((await store.beginChange({ action: 'set', number, actorId: 'U1' })).instanceId).toBeNull();
    });

    it('refuse an empty id or a lease that is not positive', async () => {
      await expect(store.registerInstance('', 1_000)).rejects.toThrow('non-empty');
      await expect(store.registerInstance('a', 0)).rejects.toThrow('positive');
      await expect(store.renewInstance('a', Number.NaN)).rejects.toThrow('positive');
    });

    it('markOrphansUnknown marks only the pending changes of dead instances, and counts them', async () => {
      const location = await backend.fresh();
      const a = await open(location);
      const b = await open(location);
      const c = await open(location);
      await a.registerInstance('a', 30_000);
      await b.registerInstance('b', 10_000);
      await c.registerInstance('c', 30_000);

      const a1 = await a.beginChange({ action: 'set', number, actorId: 'UA' });
      const a2 = await a.beginChange({ action: 'set', number: '+15551230002', actorId: 'UA' });
      await a.completeChange(a2.id, { outcome: 'ok' });
      const b1 = await b.beginChange({ action: 'set', number, actorId: 'UB' });
      const c1 = await c.beginChange({ action: 'set', number, actorId: 'UC' });
      const nobody = await a.beginChange({ action: 'set', number, actorId: 'UN', instanceId: null });
      const ghost = await a.beginChange({ action: 'set', number, actorId: 'UG', instanceId: 'ghost' });
      await c.releaseInstance('c'); // a clean stop with c1 still pending

      tick(5_000);
      expect(await b.markOrphansUnknown()).toBe(3);
      const outcome = async (entry: ChangeEntry) =>
        (await a.history(entry.number, 50)).find((e) => e.id === entry.id)?.outcome;
      expect(await outcome(c1)).toBe('unknown');
      expect(await outcome(nobody)).toBe('unknown');
      expect(await outcome(ghost)).toBe('unknown');
      expect(await outcome(a1)).toBe('pending');
      expect(await outcome(b1)).toBe('pending');
      expect(await outcome(a2)).toBe('ok');
      expect((await a.history(number, 50)).find((e) => e.id === c1.id)).toMatchObject({
        finishedAt: null,
        durationMs: null,
        message: expect.stringContaining('stopped before the outcome was known'),
      });
      expect(await a.markOrphansUnknown()).toBe(0);

      // b's lease (10 s from t=0) lapses unless renewed; a renews its own in time.
      tick(4_000);
      await a.renewInstance('a', 30_000);
      tick(2_000); // t = 11 s
      expect(await a.markOrphansUnknown()).toBe(1);
      expect(await outcome(b1)).toBe('unknown');
      expect(await outcome(a1)).toBe('pending');
      // A live instance's change can still be completed; a dead one's no longer.
      await expect(b.completeChange(b1.id, { outcome: 'ok' })).rejects.toThrow('already complete (unknown)');
      expect((await a.completeChange(a1.id, { outcome: 'ok' })).outcome).toBe('ok');

      // b comes back: renewing re-creates its lease, and its new changes are safe again.
      await b.renewInstance('b', 10_000);
      const b2 = await b.beginChange({ action: 'set', number, actorId: 'UB' });
      expect(await a.markOrphansUnknown()).toBe(0);
      expect(await outcome(b2)).toBe('pending');
    });
  });

  describe('runExclusive', () => {
    it(`${backend.exclusive ? 'runs a job on one store at a time' : 'always runs the job'}`, async () => {
      const location = await backend.fresh();
      const a = await open(location);
      const b = await open(location);
      const held = gate();
      const started = gate();
      const running = a.runExclusive('refresh-lines', async () => {
        started.open();
        await held.wait;
        return 'a';
      });
      await started.wait;
      const second = await b.runExclusive('refresh-lines', async () => 'b');
      expect(second).toEqual(backend.exclusive ? { ran: false } : { ran: true, value: 'b' });
      expect(await b.runExclusive('another-job', async () => 'other')).toEqual({
        ran: true,
        value: 'other',
      });
      held.open();
      expect(await running).toEqual({ ran: true, value: 'a' });
      expect(await b.runExclusive('refresh-lines', async () => 'b')).toEqual({ ran: true, value: 'b' });

      // A job that throws releases the lock too.
      await expect(
        a.runExclusive('refresh-lines', async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await b.runExclusive('refresh-lines', async () => 'again')).toEqual({
        ran: true,
        value: 'again',
      });
    });
  });
});

describePostgresOnly((open, url) => {
  const number = '+15551230001';

  it('leases follow the database clock when no clock is injected', async () => {
    const location = await url();
    const a = await open(location, { now: undefined });
    const b = await open(location, { now: undefined });
    await a.registerInstance('short', 300);
    await b.registerInstance('long', 60_000);
    await a.beginChange({ action: 'set', number, actorId: 'UA' });
    await b.beginChange({ action: 'set', number, actorId: 'UB' });
    expect(await b.markOrphansUnknown()).toBe(0);
    await sleep(400);
    expect(await b.markOrphansUnknown()).toBe(1);
    expect((await b.history(number)).map((e) => [e.actorId, e.outcome])).toEqual([
      ['UB', 'pending'],
      ['UA', 'unknown'],
    ]);
    const { rows } = await withPool(location, (pool) =>
      pool.query<{ id: string }>('SELECT id FROM instances ORDER BY id'),
    );
    expect(rows.map((row) => row.id)).toEqual(['long']); // the expired lease was removed
  });
});
