import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clickApprove, requestPosts, saidSince, submitCard } from './helpers/approval-driver.js';
import { postgresOrSkip } from './helpers/postgres.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// A request for approval over time and across processes: it expires in place after
// CONTACTCARD_APPROVAL_TTL, survives a restart, and is approvable from another replica (PostgreSQL).

const admin = 'U0ADMIN';
const owner = 'U0OWNER';
const number = '+14155554100';
const lines = [number, '+14155554101', '+14155554102'];
const day = 86_400_000;
const env = { CONTACTCARD_ADMINS: admin, CONTACTCARD_APPROVAL: 'owners' };

const pg = await postgresOrSkip();
afterAll(async () => {
  await pg?.stop();
});

const posts = (app: TestApp, n: string) =>
  app.sendblue.requestsFor(n).filter((r) => r.method === 'POST' || r.method === 'DELETE');

async function heldOn(app: TestApp, n = number) {
  await app.services.store.assign(n, owner, admin);
  await submitCard(app, owner, n);
  const [approval] = await app.services.store.approvals({ number: n, state: 'waiting' });
  if (approval === undefined) throw new Error('nothing waits');
  return approval;
}

describe('expiry', () => {
  it('after the TTL the sweep marks it expired in place and tells the requester; Approve then does nothing', async () => {
    let offset = 0;
    const app = await startTestApp({ env, lines, now: () => new Date(Date.now() + offset) });
    try {
      const approval = await heldOn(app);
      expect(approval.expiresAt.getTime() - approval.createdAt.getTime()).toBe(7 * day);
      expect(await app.services.approvals.expireDue()).toBe(0);
      offset = 7 * day + 1_000;
      const from = app.slack.calls.length;
      expect(await app.services.approvals.expireDue()).toBe(1);
      await app.settle();
      const said = saidSince(app, from);
      expect(said).toContain('Expired');
      expect(said).toContain(`request #${approval.id} to set the contact card`);
      expect(app.slack.callsTo('chat.update').slice(-1)[0]?.args.channel).toBe(admin);
      expect(await clickApprove(app, admin, approval.id)).toContain('Expired');
      expect(posts(app, number)).toEqual([]);

      // Past its time but not yet swept: the click itself finds it expired.
      const late = await heldOn(app, lines[1]);
      offset += 7 * day + 1_000;
      expect(await clickApprove(app, admin, late.id)).toContain('Expired');
      expect((await app.services.store.approval(late.id))?.state).toBe('expired');
      expect(posts(app, lines[1] as string)).toEqual([]);
      // The history says so.
      const history = JSON.stringify((await app.command(`history ${lines[1]}`, { user: owner })).json());
      expect(history).toContain('expired: nobody decided in time');
    } finally {
      await app.stop();
    }
  });
});

describe('restart', () => {
  it('a request made before a restart is still approvable after it, and applied by the new process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contactcard-approval-'));
    const db = { ...env, CONTACTCARD_DB: join(dir, 'cards.db') };
    try {
      const first = await startTestApp({ env: db, lines });
      const approval = await heldOn(first);
      expect(requestPosts(first, approval.id)).toHaveLength(1);
      await first.stop();

      const second = await startTestApp({ env: db, lines });
      try {
        expect((await second.services.store.approval(approval.id))?.state).toBe('waiting');
        await clickApprove(second, admin, approval.id);
        expect(posts(second, number)).toHaveLength(1);
        expect((await second.services.store.lastKnownCard(number))?.firstName).toBe('Jane');
        // The request message the first process posted is updated in place by the second.
        const updated = second.slack.callsTo('chat.update').find((c) => c.args.channel === admin);
        expect(JSON.stringify(updated?.args.blocks)).toContain('Approved');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!pg)('replicas on PostgreSQL', () => {
  it('a request made on one replica is approved on the other, and applied there once', async () => {
    const url = await pg?.newDatabase();
    const shared = { ...env, CONTACTCARD_DATABASE_URL: url ?? '', CONTACTCARD_LIVE_CHECK: 'false' };
    const a = await startTestApp({ env: shared, lines });
    const b = await startTestApp({ env: shared, lines });
    try {
      const approval = await heldOn(a);
      expect(requestPosts(a, approval.id)).toHaveLength(1);
      expect(await b.services.store.approvals({ state: 'waiting' })).toHaveLength(1);
      await clickApprove(b, admin, approval.id);
      expect(posts(b, number)).toHaveLength(1);
      expect(posts(a, number)).toEqual([]);
      expect(await clickApprove(a, admin, approval.id)).toContain('already decided');
      expect(posts(a, number)).toEqual([]);
      expect((await a.services.store.approval(approval.id))?.state).toBe('approved');
      // B updated the request message A had posted, and announced the outcome where it was asked.
      expect(JSON.stringify(b.slack.callsTo('chat.update').map((c) => c.args.blocks))).toContain('Approved');
      const history = await b.services.store.history(number);
      expect(history.filter((e) => e.outcome === 'ok')).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
