// The approvals part (src/adapters/store/approvals/): changes held for an admin. One contract for
// every Store: the same cases run against SQLite and against a real PostgreSQL server (helpers/store-
// contract.ts builds both). Cases that only make sense with replicas sharing a database (advisory
// locks, two pools racing) follow in "postgres only".
import { beforeEach, describe, expect, it } from 'vitest';
import type { CardSnapshot, NewApproval, Store } from '../src/adapters/store/types.js';
import { alice, bob, clock, storeContract } from './helpers/store-contract.js';

const { describeContract, describePostgresOnly } = await storeContract();

describeContract((_backend, open) => {
  const number = '+15551230001';

  let store: Store;
  beforeEach(async () => {
    store = await open();
  });

  describe('approvals', () => {
    const day = 86_400_000;
    const proposed = (n: string, after: CardSnapshot | null = bob) => ({ number: n, before: alice, after });
    const ask = (changes: ReturnType<typeof proposed>[], extra: Partial<NewApproval> = {}) =>
      store.requestApproval({
        kind: 'set',
        requesterId: 'UOWNER',
        channel: 'C1',
        changes,
        expiresAt: new Date(clock.getTime() + day),
        ...extra,
      });

    it('are recorded waiting, found by id, number, requester and state, and keep their messages', async () => {
      const { approval, superseded, duplicate } = await ask([proposed(number)], {
        photoHosted: true,
        requestKey: 'view-1',
      });
      expect(duplicate).toBe(false);
      expect(superseded).toEqual([]);
      expect(approval).toMatchObject({
        kind: 'set',
        requesterId: 'UOWNER',
        channel: 'C1',
        changes: [{ number, before: alice, after: bob }],
        photoHosted: true,
        jobId: null,
        state: 'waiting',
        createdAt: clock,
        expiresAt: new Date(clock.getTime() + day),
        decidedBy: null,
        messages: [],
      });
      const bulk = await ask([proposed('+15550000001'), proposed('+15550000002', null)], {
        kind: 'bulk',
        jobId: 7,
        requesterId: 'UOTHER',
      });
      await store.addApprovalMessages(approval.id, [{ channel: 'C2', ts: '1.1' }]);
      await store.addApprovalMessages(approval.id, [{ channel: 'D3', ts: '2.2' }]);
      expect((await store.approval(approval.id))?.messages).toEqual([
        { channel: 'C2', ts: '1.1' },
        { channel: 'D3', ts: '2.2' },
      ]);
      expect((await store.approvals({ number: '+15550000002' })).map((a) => a.id)).toEqual([
        bulk.approval.id,
      ]);
      expect((await store.approvals({ requesterId: 'UOWNER' })).map((a) => a.id)).toEqual([approval.id]);
      expect((await store.approvals({ state: 'waiting' })).map((a) => a.id)).toEqual([
        bulk.approval.id,
        approval.id,
      ]);
      expect((await store.approvals({ limit: 1 })).map((a) => a.id)).toEqual([bulk.approval.id]);
      expect((await store.approval(bulk.approval.id))?.jobId).toBe(7);
      expect(await store.approval(bulk.approval.id + 100)).toBeUndefined();
    });

    it('a repeated request key finds the first request and changes nothing', async () => {
      const first = await ask([proposed(number)], { requestKey: 'view-2' });
      const again = await ask([proposed(number, null)], { requestKey: 'view-2' });
      expect(again).toEqual({ approval: first.approval, superseded: [], duplicate: true });
      expect(await store.approvals()).toHaveLength(1);
    });

    it('a newer request supersedes the waiting ones it covers entirely, and only those', async () => {
      const single = await ask([proposed(number)]);
      const wide = await ask([proposed(number), proposed('+15550000002')], { kind: 'bulk' });
      expect(wide.superseded.map((a) => [a.id, a.state, a.supersededBy])).toEqual([
        [single.approval.id, 'superseded', wide.approval.id],
      ]);
      // One number of a bulk request does not cover the whole job: it stays waiting.
      const narrow = await ask([proposed('+15550000002')]);
      expect(narrow.superseded).toEqual([]);
      expect((await store.approval(single.approval.id))?.state).toBe('superseded');
      expect((await store.approval(wide.approval.id))?.state).toBe('waiting');
      const decided = await store.decideApproval(narrow.approval.id, { state: 'rejected', by: 'UADMIN' });
      expect(decided?.state).toBe('rejected');
      // A decided request is not superseded any more.
      expect((await ask([proposed('+15550000002')])).superseded).toEqual([]);
    });

    it('are decided once, however many decide at the same time; not after they expire', async () => {
      const { approval } = await ask([proposed(number)]);
      const decisions = await Promise.all(
        ['UA1', 'UA2', 'UA3'].map((by) => store.decideApproval(approval.id, { state: 'approved', by })),
      );
      const won = decisions.filter((d) => d !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ state: 'approved', decidedAt: clock });
      expect(await store.decideApproval(approval.id, { state: 'rejected', by: 'UA4' })).toBeUndefined();

      const late = await ask([proposed('+15550000003')]);
      const after = new Date(clock.getTime() + day);
      expect(await store.decideApproval(late.approval.id, { state: 'approved', by: 'UA1', at: after })).toBe(
        undefined,
      );
      const rejected = await ask([proposed('+15550000004')]);
      expect(
        await store.decideApproval(rejected.approval.id, {
          state: 'rejected',
          by: 'UA1',
          reason: 'off brand',
        }),
      ).toMatchObject({ state: 'rejected', decidedBy: 'UA1', reason: 'off brand' });
    });

    it('expire once their time is up, each once', async () => {
      const soon = await ask([proposed(number)], { expiresAt: new Date(clock.getTime() + 1_000) });
      const later = await ask([proposed('+15550000002')]);
      expect(await store.expireApprovals(clock)).toEqual([]);
      const expired = await store.expireApprovals(new Date(clock.getTime() + 1_000));
      expect(expired.map((a) => [a.id, a.state])).toEqual([[soon.approval.id, 'expired']]);
      expect(await store.expireApprovals(new Date(clock.getTime() + 1_000))).toEqual([]);
      expect((await store.approval(later.approval.id))?.state).toBe('waiting');
    });
  });
});

describePostgresOnly((open, url) => {
  const number = '+15551230001';

  it('an approval decided from two replicas at once is decided once; requests made at once supersede in order', async () => {
    const location = await url();
    const a = await open(location);
    const b = await open(location);
    const expiresAt = new Date(clock.getTime() + 60_000);
    for (let round = 0; round < 5; round++) {
      const { approval } = await a.requestApproval({
        kind: 'delete',
        requesterId: 'UOWNER',
        channel: 'C1',
        changes: [{ number: `+1555000${round}000`, before: alice, after: null }],
        expiresAt,
      });
      const [x, y] = await Promise.all([
        a.decideApproval(approval.id, { state: 'approved', by: 'UA' }),
        b.decideApproval(approval.id, { state: 'rejected', by: 'UB', reason: 'no' }),
      ]);
      expect([x, y].filter((d) => d !== undefined)).toHaveLength(1);
    }
    const both = await Promise.all(
      [a, b].map((store) =>
        store.requestApproval({
          kind: 'set',
          requesterId: 'UOWNER',
          channel: 'C1',
          changes: [{ number, before: null, after: bob }],
          expiresAt,
        }),
      ),
    );
    // Whichever came second saw the first and superseded it: exactly one is still waiting.
    expect(both.flatMap((r) => r.superseded)).toHaveLength(1);
    expect(await a.approvals({ state: 'waiting', number })).toHaveLength(1);
  });
});
