// The cards part (src/adapters/store/cards/): last known and observed cards, and the fleet's reads
// over them. One contract for every Store: the same cases run against SQLite and against a real
// PostgreSQL server (helpers/store-contract.ts builds both).
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { OUTSIDE_ACTOR, type Store } from '../src/adapters/store/types.js';
import { pictureOf, statuses } from '../src/domain/card/picture.js';
import { alice, aliceWithPhoto, bob, clock, storeContract, tick } from './helpers/store-contract.js';

const { describeContract } = await storeContract();

describeContract((_backend, open) => {
  const number = '+15551230001';

  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('last known cards', () => {
    it('remember, update and forget a card, photo URL included', async () => {
      expect(await store.lastKnownCard('+15551230001')).toBeUndefined();
      await store.rememberCard('+15551230001', alice, 'U1');
      tick(5_000);
      await store.rememberCard('+15551230001', aliceWithPhoto, 'U2');
      expect(await store.lastKnownCard('+15551230001')).toEqual({
        number: '+15551230001',
        ...aliceWithPhoto,
        updatedAt: clock,
        updatedBy: 'U2',
      });
      await store.forgetCard('+15551230001');
      expect(await store.lastKnownCard('+15551230001')).toBeUndefined();
    });

    it('knownNumbers joins assignments, cards and changes, sorted and once each', async () => {
      await store.assign('+15550000003', 'U1', 'UADMIN');
      await store.rememberCard('+15550000001', alice, 'U1');
      await store.rememberCard('+15550000003', alice, 'U1');
      await store.beginChange({ action: 'delete', number: '+15550000002', actorId: 'U1' });
      expect(await store.knownNumbers()).toEqual(['+15550000001', '+15550000002', '+15550000003']);
      // Bytewise order whatever the database's locale: '+' < '1' < 'a' < 'b' ('+15550000010' last).
      await store.assign('+15550000010', 'U1', 'UADMIN');
      expect(await store.knownNumbers()).toEqual([
        '+15550000001',
        '+15550000002',
        '+15550000003',
        '+15550000010',
      ]);
    });
  });

  describe('observed cards', () => {
    it('keep the last card seen at Sendblue, with when and how, beside the applied one', async () => {
      expect(await store.observedCard(number)).toBeUndefined();
      await store.observeCard(number, { card: alice, source: 'sync' });
      const seenFirst = clock;
      expect(await store.observedCard(number)).toEqual({
        number,
        card: { firstName: 'Alice', lastName: 'Ng', displayName: null },
        seenAt: seenFirst,
        source: 'sync',
      });
      tick(1_000);
      await store.observeCard(number, { card: null, source: 'editor' });
      expect(await store.observedCard(number)).toEqual({
        number,
        card: null,
        seenAt: clock,
        source: 'editor',
      });
      // The applied card is another thing: observing never touches it.
      expect(await store.lastKnownCard(number)).toBeUndefined();
      expect(await store.knownNumbers()).toEqual([number]);
    });

    it('an older read finishing late does not replace a newer observation', async () => {
      const newer = new Date(clock.getTime() + 10_000);
      await store.observeCard(number, { card: bob, source: 'drift', at: newer });
      await store.observeCard(number, { card: alice, source: 'show', at: clock });
      expect(await store.observedCard(number)).toMatchObject({ card: { firstName: 'Bob' }, seenAt: newer });
      await store.observeCard(number, { card: alice, source: 'show', at: newer });
      expect(await store.observedCard(number)).toMatchObject({
        card: { firstName: 'Alice' },
        source: 'show',
      });
    });

    it('cardsOfNumber reads both cards of one number, each undefined until there is one', async () => {
      expect(await store.cardsOfNumber(number)).toEqual({ applied: undefined, observed: undefined });
      await store.observeCard(number, { card: null, source: 'sync' });
      const seen = await store.observedCard(number);
      expect(await store.cardsOfNumber(number)).toEqual({ applied: undefined, observed: seen });
      await store.rememberCard(number, aliceWithPhoto, 'U1');
      const applied = await store.lastKnownCard(number);
      expect(applied).toBeDefined();
      expect(await store.cardsOfNumber(number)).toEqual({ applied, observed: seen });
      await store.observeCard('+15550000009', { card: bob, source: 'show' });
      expect(await store.cardsOfNumber('+15550000009')).toEqual({
        applied: undefined,
        observed: await store.observedCard('+15550000009'),
      });
    });

    it('observedCards lists every observation by number', async () => {
      await store.observeCard('+15550000002', { card: null, source: 'sync' });
      await store.observeCard('+15550000001', { card: bob, source: 'list' });
      expect(
        (await store.observedCards()).map((seen) => [seen.number, seen.card?.displayName ?? null]),
      ).toEqual([
        ['+15550000001', 'Bobby'],
        ['+15550000002', null],
      ]);
    });
  });

  describe('the whole fleet at once', () => {
    it('knownCards lists every card by number; a page each number’s latest set or delete', async () => {
      await store.rememberCard('+15550000002', alice, 'U1');
      await store.rememberCard('+15550000001', aliceWithPhoto, 'U2');
      const a1 = await store.beginChange({ action: 'set', number: '+15550000001', actorId: 'U1' });
      await store.completeChange(a1.id, { outcome: 'ok' });
      const a2 = await store.beginChange({ action: 'delete', number: '+15550000001', actorId: 'U2' });
      const b1 = await store.beginChange({ action: 'set', number: '+15550000002', actorId: 'U1' });
      // An assignment is no change to the card.
      await store.beginChange({ action: 'assign', number: '+15550000002', actorId: 'U1', subject: 'U3' });
      expect((await store.knownCards()).map((card) => [card.number, card.updatedBy])).toEqual([
        ['+15550000001', 'U2'],
        ['+15550000002', 'U1'],
      ]);
      const page = await store.fleetPage(['+15550000002', '+15550000001'], { offset: 0, limit: 10 });
      expect(page.map((record) => [record.number, record.latest?.id])).toEqual([
        ['+15550000001', a2.id],
        ['+15550000002', b1.id],
      ]);
    });
  });

  describe('a page of the fleet', () => {
    const card = fc.constantFrom(alice, aliceWithPhoto, bob);
    // What may happen to one number, in any order: everything its status is computed from.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('remember' as const), card }),
      fc.record({ kind: fc.constant('forget' as const) }),
      fc.record({ kind: fc.constant('observe' as const), card: fc.option(card, { nil: null }) }),
      fc.record({
        kind: fc.constant('change' as const),
        action: fc.constantFrom('set' as const, 'delete' as const),
        outside: fc.boolean(),
        outcome: fc.constantFrom('ok' as const, 'failed' as const, 'pending' as const),
        confirm: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 1_000) }),
    );
    let run = 0;

    async function play(
      target: string,
      steps: ReadonlyArray<typeof step extends fc.Arbitrary<infer T> ? T : never>,
    ) {
      for (const happening of steps) {
        if (happening.kind === 'remember') await store.rememberCard(target, happening.card, 'U1');
        else if (happening.kind === 'forget') await store.forgetCard(target);
        else if (happening.kind === 'observe')
          await store.observeCard(target, { card: happening.card, source: 'drift' });
        else if (happening.kind === 'tick') tick(happening.ms);
        else {
          const actorId = happening.outside ? OUTSIDE_ACTOR : 'U1';
          const entry = await store.beginChange({
            action: happening.action,
            number: target,
            actorId,
            instanceId: null,
          });
          if (happening.outcome !== 'pending')
            await store.completeChange(entry.id, { outcome: happening.outcome });
          if (happening.confirm) await store.confirmChange(entry.id);
        }
      }
    }

    it('counts and filters every status as pictureOf computes it from the same facts', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(step, { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
          fc.boolean(),
          async (fleet, orphans) => {
            run += 1;
            const numbers = fleet.map(
              (_, i) => `+1555${String(run).padStart(4, '0')}${String(i).padStart(3, '0')}`,
            );
            for (const [i, steps] of fleet.entries()) await play(numbers[i] as string, steps);
            // Pending changes of no instance become "outcome unknown".
            if (orphans) await store.markOrphansUnknown();
            const expected = new Map<string, string>();
            for (const target of numbers) {
              const [applied, observed, history] = await Promise.all([
                store.lastKnownCard(target),
                store.observedCard(target),
                store.history(target, 50),
              ]);
              const latest = history.find((entry) => entry.action === 'set' || entry.action === 'delete');
              expect(await store.cardsOfNumber(target)).toEqual({ applied, observed });
              expected.set(target, pictureOf({ applied, observed, latest }).status);
            }
            const tally: Record<string, number> = {};
            for (const status of expected.values()) tally[status] = (tally[status] ?? 0) + 1;
            expect(await store.statusCounts(numbers)).toEqual(tally);
            for (const status of statuses) {
              const page = await store.fleetPage(numbers, { status, offset: 0, limit: 100 });
              expect(page.map((record) => record.number)).toEqual(
                numbers.filter((target) => expected.get(target) === status),
              );
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    it('reads one page in number order, each number with its facts and owners, duplicates once', async () => {
      const numbers = ['+15550000003', '+15550000001', '+15550000002', '+15550000001', '+15550000004'];
      await store.rememberCard('+15550000002', alice, 'U1');
      await store.observeCard('+15550000003', { card: bob, source: 'sync' });
      const set = await store.beginChange({ action: 'set', number: '+15550000002', actorId: 'U1' });
      await store.completeChange(set.id, { outcome: 'ok' });
      await store.beginChange({ action: 'assign', number: '+15550000002', actorId: 'U1', subject: 'U3' });
      await store.assign('+15550000002', 'U3', 'U1');
      tick(1_000);
      await store.assign('+15550000002', 'U2', 'U1');
      const page = await store.fleetPage(numbers, { offset: 1, limit: 2 });
      expect(page.map((record) => record.number)).toEqual(['+15550000002', '+15550000003']);
      expect(page[0]).toMatchObject({
        applied: { firstName: 'Alice', updatedBy: 'U1' },
        observed: undefined,
        latest: { id: set.id, outcome: 'ok' },
        owners: ['U3', 'U2'],
      });
      expect(page[1]).toMatchObject({
        applied: undefined,
        observed: { card: { displayName: 'Bobby' } },
        owners: [],
      });
      expect(await store.statusCounts(numbers)).toEqual({ submitted: 1, live: 1, 'not read yet': 2 });
      expect(await store.fleetPage(numbers, { status: 'live', offset: 1, limit: 25 })).toEqual([]);
      expect(await store.statusCounts([])).toEqual({});
    });
  });
});
