// The assignments part (src/adapters/store/assignments/). One contract for every Store: the same cases
// run against SQLite and against a real PostgreSQL server (helpers/store-contract.ts builds both).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/store/types.js';
import { clock, storeContract, tick } from './helpers/store-contract.js';

const { describeContract } = await storeContract();

describeContract((_backend, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('assignments', () => {
    it('assign, list and unassign one owner or all', async () => {
      expect(await store.hasAssignments()).toBe(false);
      expect(await store.assign('+15551230002', 'U2', 'UADMIN')).toBe(true);
      tick(1);
      expect(await store.assign('+15551230002', 'U1', 'UADMIN')).toBe(true);
      expect(await store.assign('+15551230001', 'U1', 'UADMIN')).toBe(true);
      expect(await store.assign('+15551230001', 'U1', 'UOTHER')).toBe(false);

      expect(await store.hasAssignments()).toBe(true);
      expect(await store.ownersOf('+15551230002')).toEqual(['U2', 'U1']);
      expect(await store.numbersOf('U1')).toEqual(['+15551230001', '+15551230002']);
      expect(await store.assignments()).toEqual([
        { number: '+15551230001', userId: 'U1', assignedBy: 'UADMIN', assignedAt: clock },
        {
          number: '+15551230002',
          userId: 'U2',
          assignedBy: 'UADMIN',
          assignedAt: new Date(clock.getTime() - 1),
        },
        { number: '+15551230002', userId: 'U1', assignedBy: 'UADMIN', assignedAt: clock },
      ]);

      expect(await store.unassign('+15551230002', 'U2')).toEqual(['U2']);
      expect(await store.unassign('+15551230002', 'U2')).toEqual([]);
      await store.assign('+15551230001', 'U3', 'UADMIN');
      expect(await store.unassign('+15551230001')).toEqual(['U1', 'U3']);
      expect(await store.numbersOf('U1')).toEqual(['+15551230002']);
      expect(await store.unassign('+15551230002')).toEqual(['U1']);
      expect(await store.hasAssignments()).toBe(false);
    });
  });
});
