// The jobs part (src/adapters/store/jobs/): bulk jobs. One contract for every Store: the same cases
// run against SQLite and against a real PostgreSQL server (helpers/store-contract.ts builds both).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/store/types.js';
import { alice, storeContract } from './helpers/store-contract.js';

const { describeContract } = await storeContract();

describeContract((_backend, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('bulk jobs', () => {
    it('are created running, found by id and by state, and updated', async () => {
      const job = await store.createBulkJob({
        actorId: 'U1',
        channel: 'C1',
        numbers: ['+15550000001', '+15550000002'],
        card: alice,
      });
      expect(job).toMatchObject({
        actorId: 'U1',
        channel: 'C1',
        messageTs: null,
        state: 'running',
        card: alice,
      });
      expect(job.numbers).toEqual(['+15550000001', '+15550000002']);
      await store.updateBulkJob(job.id, { messageTs: '1700000000.000001' });
      await store.updateBulkJob(job.id, { state: 'done' });
      expect(await store.bulkJob(job.id)).toMatchObject({ messageTs: '1700000000.000001', state: 'done' });
      expect(await store.bulkJobs('running')).toEqual([]);
      expect((await store.bulkJobs('done')).map((j) => j.id)).toEqual([job.id]);
      expect(await store.bulkJob(job.id + 1000)).toBeUndefined();
    });

    it('a draft starts once, however many ask at the same time', async () => {
      const draft = await store.createBulkJob({
        actorId: 'U1',
        channel: 'C1',
        numbers: ['+15550000001'],
        card: alice,
        state: 'draft',
      });
      const started = await Promise.all([
        store.startDraftJob(draft.id),
        store.startDraftJob(draft.id),
        store.startDraftJob(draft.id),
      ]);
      expect(started.filter(Boolean)).toHaveLength(1);
      expect((await store.bulkJob(draft.id))?.state).toBe('running');
    });
  });
});
