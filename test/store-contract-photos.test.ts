// The photos part (src/adapters/store/photos/): the photos the app hosts. One contract for every
// Store: the same cases run against SQLite and against a real PostgreSQL server (helpers/store-
// contract.ts builds both).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/adapters/store/types.js';
import { storeContract, tick } from './helpers/store-contract.js';

const { describeContract } = await storeContract();

describeContract((_backend, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('hosted photos', () => {
    it('keep the bytes exactly, list per number oldest first without them, and delete', async () => {
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0xfe, 0xff, 0xd9]);
      await store.savePhoto({ id: 'photo-a', number: '+15551230001', jpeg, createdBy: 'U1' });
      tick(1_000);
      await store.savePhoto({
        id: 'photo-b',
        number: '+15551230001',
        jpeg: Buffer.alloc(3),
        createdBy: 'U2',
      });
      await store.savePhoto({
        id: 'photo-c',
        number: '+15551230002',
        jpeg: Buffer.alloc(5),
        createdBy: 'U2',
      });
      const stored = await store.photo('photo-a');
      expect(stored?.jpeg.equals(jpeg)).toBe(true);
      expect(stored).toMatchObject({ id: 'photo-a', number: '+15551230001', createdBy: 'U1' });
      expect((await store.photos('+15551230001')).map((p) => [p.id, p.bytes])).toEqual([
        ['photo-a', 8],
        ['photo-b', 3],
      ]);
      expect((await store.photos()).map((p) => p.id)).toEqual(['photo-a', 'photo-b', 'photo-c']);
      await store.deletePhoto('photo-a');
      expect(await store.photo('photo-a')).toBeUndefined();
      expect(await store.photo('no-such-photo')).toBeUndefined();
      await expect(store.savePhoto({ id: 'photo-b', number: '+1', jpeg, createdBy: 'U1' })).rejects.toThrow();
    });
  });
});
