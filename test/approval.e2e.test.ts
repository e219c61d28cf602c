import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Approval } from '../src/adapters/store/types.js';
import { ids } from '../src/slack/views/ids.js';
import {
  card,
  change,
  clickApprove,
  kinds,
  requestPosts,
  saidSince,
  submitCard,
  viewSubmit,
} from './helpers/approval-driver.js';
import { buttonClick } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// Four-eyes approval through the real app over HTTP: every mode × requester × kind of change, then
// the decisions (who may, once only, reject with a reason), supersede, expiry and a restart.

const admin = 'U0ADMIN';
const admin2 = 'U0ADMIN2';
const owner = 'U0OWNER';
const other = 'U0OTHER';
const requesters = { admin, owner, other } as const;
type Requester = keyof typeof requesters;
type Mode = 'off' | 'owners' | 'all';

const lines = Array.from({ length: 60 }, (_, i) => `+1415555${String(4000 + i).padStart(4, '0')}`);

/** What must happen: nobody else's number is refused; off, or an admin in `owners`, applies at once. */
function expected(mode: Mode, requester: Requester): 'refused' | 'applied' | 'held' {
  if (requester === 'other') return 'refused';
  if (mode === 'off' || (mode === 'owners' && requester === 'admin')) return 'applied';
  return 'held';
}

const sendblueCalls = (app: TestApp, number: string) =>
  app.sendblue.requestsFor(number).filter((r) => r.method === 'POST' || r.method === 'DELETE');

const apps = new Map<Mode, TestApp>();
beforeAll(async () => {
  for (const mode of ['off', 'owners', 'all'] as const) {
    apps.set(
      mode,
      await startTestApp({
        env: {
          CONTACTCARD_ADMINS: `${admin},${admin2}`,
          CONTACTCARD_APPROVAL: mode,
          // `all` posts requests in a channel; `owners` sends each admin a direct message.
          ...(mode === 'all' ? { CONTACTCARD_APPROVAL_CHANNEL: 'C0APPROVALS' } : {}),
        },
        lines,
      }),
    );
  }
});
afterAll(async () => {
  for (const app of apps.values()) await app.stop();
});

const counts = { applied: 0, held: 0, refused: 0, approvals: 0 };
afterAll(() => {
  // The closing note quotes these.
  console.info(`approval matrix: ${JSON.stringify(counts)}`);
});

describe('the matrix: mode × requester × kind', () => {
  let cell = 0;
  for (const mode of ['off', 'owners', 'all'] as const) {
    for (const requester of Object.keys(requesters) as Requester[]) {
      for (const kind of kinds) {
        const number = lines[cell++] as string;
        const outcome = expected(mode, requester);
        it(`${mode} · ${requester} · ${kind}: ${outcome}`, async () => {
          const app = apps.get(mode) as TestApp;
          const user = requesters[requester];
          await app.services.store.assign(number, owner, admin);
          const asked = app.slack.calls.length;
          const answered = app.slack.responsePosts.length;
          await change(app, kind, user, number);
          const waiting = await app.services.store.approvals({ number });
          counts[outcome]++;
          if (outcome === 'refused') {
            expect(sendblueCalls(app, number)).toEqual([]);
            expect(waiting).toEqual([]);
            return;
          }
          if (outcome === 'applied') {
            expect(sendblueCalls(app, number).length).toBe(1);
            expect(waiting).toEqual([]);
            return;
          }
          // Held: recorded, the requester told for whom, posted to the approvers, and nothing at Sendblue.
          expect(sendblueCalls(app, number)).toEqual([]);
          const told = JSON.stringify([
            ...app.slack.calls.slice(asked).map((c) => c.args),
            ...app.slack.responsePosts.slice(answered),
          ]);
          expect(told).toContain('Waiting for approval');
          expect(told).toContain(`<@${requester === 'admin' ? admin2 : admin}>`);
          if (kind === 'set' || kind === 'restore') {
            const modal = app.slack.calls.slice(asked).filter((c) => c.method === 'views.update');
            expect(JSON.stringify(modal.at(-1)?.args.view)).toContain('Waiting for approval');
          }
          expect(waiting).toHaveLength(1);
          const [approval] = waiting as [Approval];
          expect(approval).toMatchObject({
            state: 'waiting',
            requesterId: user,
            kind: kind === 'restore' ? 'set' : kind,
            channel: 'C0CHANNEL',
          });
          const posts = requestPosts(app, approval.id);
          const approvers = requester === 'admin' ? [admin2] : [admin, admin2];
          expect(posts.map((p) => p.args.channel).sort()).toEqual(
            mode === 'all' ? ['C0APPROVALS'] : approvers,
          );
          const request = JSON.stringify(posts[0]?.args.blocks);
          expect(request).toContain(`<@${user}>`);
          expect(request).toContain('+1 415 555');
          if (kind !== 'delete') expect(request).toContain(`→ *${card.firstName}*`);

          // The requester is refused, so is someone who is not an admin; another admin applies it once.
          expect(await clickApprove(app, user, approval.id)).toContain('another admin must decide');
          expect(await clickApprove(app, requester === 'owner' ? other : owner, approval.id)).toContain(
            'Only an admin may approve',
          );
          expect(sendblueCalls(app, number)).toEqual([]);
          const from = app.slack.calls.length;
          await clickApprove(app, approvers[0] as string, approval.id);
          counts.approvals++;
          expect(sendblueCalls(app, number)).toHaveLength(1);
          expect((await app.services.store.approval(approval.id))?.state).toBe('approved');
          const said = saidSince(app, from);
          expect(said).toContain('Approved');
          expect(said).not.toContain(`"action_id":"${ids.actions.approve}","value":"${approval.id}"`);
          // The outcome as usual, where it was asked for.
          const announced = app.slack.calls
            .slice(from)
            .filter((c) => c.args.channel === 'C0CHANNEL' && c.method.startsWith('chat.'));
          expect(announced.length).toBeGreaterThan(0);
        });
      }
    }
  }
});

describe('decisions', () => {
  const app = () => apps.get('owners') as TestApp;
  const number = lines[50] as string;
  const held = async (user = owner, n = number): Promise<Approval> => {
    await submitCard(app(), user, n);
    const [approval] = await app().services.store.approvals({ number: n, state: 'waiting' });
    if (approval === undefined) throw new Error('nothing waits');
    return approval;
  };

  beforeAll(async () => {
    for (const n of lines.slice(45)) await app().services.store.assign(n, owner, admin);
  });

  it('a second click, by the same admin or another, is told it was already decided; applied once', async () => {
    const approval = await held();
    await clickApprove(app(), admin, approval.id);
    const again = await clickApprove(app(), admin, approval.id);
    const other = await clickApprove(app(), admin2, approval.id);
    expect(again).toContain('already decided');
    expect(other).toContain('already decided');
    expect(sendblueCalls(app(), number)).toHaveLength(1);
  });

  it('two admins clicking at once: applied once, the other told', async () => {
    const n = lines[51] as string;
    const approval = await held(owner, n);
    const [a, b] = await Promise.all([
      clickApprove(app(), admin, approval.id),
      clickApprove(app(), admin2, approval.id),
    ]);
    expect(sendblueCalls(app(), n)).toHaveLength(1);
    expect([a, b].filter((said) => said.includes('already decided'))).toHaveLength(1);
  });

  it('Reject asks for a reason; the requester is told it privately, the request updated, nothing sent', async () => {
    const n = lines[52] as string;
    const approval = await held(owner, n);
    const opens = app().slack.callsTo('views.open').length;
    await app().interact(
      buttonClick(ids.actions.reject, String(approval.id), {
        responseUrl: app().slack.responseUrl('reject'),
        user: admin,
        channel: admin,
      }),
    );
    await app().settle();
    const form = app().slack.callsTo('views.open').slice(opens)[0]?.args.view as
      | { private_metadata: string }
      | undefined;
    expect(JSON.stringify(form)).toContain(ids.rejectModal);
    const submit = (reason: string | null) =>
      viewSubmit(app(), admin, ids.rejectModal, form?.private_metadata ?? '', {
        [ids.rejectReason.block]: { [ids.rejectReason.input]: { type: 'plain_text_input', value: reason } },
      });
    expect((await submit('   ')).json()).toMatchObject({ response_action: 'errors' });
    const from = app().slack.calls.length;
    expect((await submit('The photo is not our logo')).status).toBe(200);
    await app().settle();
    expect(await app().services.store.approval(approval.id)).toMatchObject({
      state: 'rejected',
      decidedBy: admin,
      reason: 'The photo is not our logo',
    });
    const toOwner = app()
      .slack.calls.slice(from)
      .filter((c) => c.args.user === owner || c.args.channel === owner);
    expect(JSON.stringify(toOwner)).toContain('The photo is not our logo');
    const updates = app()
      .slack.callsTo('chat.update')
      .filter((c) => JSON.stringify(c.args.blocks).includes('Rejected'));
    expect(updates.length).toBe(2); // each admin's direct message
    expect(sendblueCalls(app(), n)).toEqual([]);
    // A rejected request cannot be approved afterwards.
    expect(await clickApprove(app(), admin2, approval.id)).toContain('already decided');
    expect(sendblueCalls(app(), n)).toEqual([]);
  });

  it('a newer request for the number supersedes the waiting one: marked in place, its requester told', async () => {
    const n = lines[53] as string;
    const first = await held(owner, n);
    const from = app().slack.calls.length;
    await submitCard(app(), owner, n, { ...card, firstName: 'Newer' });
    expect((await app().services.store.approval(first.id))?.state).toBe('superseded');
    const said = saidSince(app(), from);
    expect(said).toContain('Superseded');
    expect(said).toContain(`request #${first.id} to set`);
    expect(await clickApprove(app(), admin, first.id)).toContain('already decided');
    const [newer] = await app().services.store.approvals({ number: n, state: 'waiting' });
    await clickApprove(app(), admin, newer?.id ?? 0);
    expect(sendblueCalls(app(), n).map((r) => (r.body as { firstName?: string }).firstName)).toEqual([
      'Newer',
    ]);
  });

  it('/contactcard pending: admins see every waiting request with the buttons; others only their own, without', async () => {
    const n = lines[54] as string;
    const approval = await held(owner, n);
    const asAdmin = JSON.stringify((await app().command('pending', { user: admin })).json());
    expect(asAdmin).toContain(`#${approval.id}`);
    expect(asAdmin).toContain(ids.actions.approve);
    const asOwner = JSON.stringify((await app().command('pending', { user: owner })).json());
    expect(asOwner).toContain(`#${approval.id}`);
    expect(asOwner).not.toContain(ids.actions.approve);
    const asOther = JSON.stringify((await app().command('pending', { user: other })).json());
    expect(asOther).not.toContain(`#${approval.id}`);
    expect(asOther).toContain('None of your changes');
    // The history shows the request, and after the decision who approved it.
    await clickApprove(app(), admin2, approval.id);
    const history = JSON.stringify((await app().command(`history ${n}`, { user: owner })).json());
    expect(history).toContain(`requested approval to set the contact card`);
    expect(history).toContain(`approved by <@${admin2}>`);
  });
});

describe('generated Approve, Reject and reason payloads from people who may not decide', () => {
  it('never 5xx, never decide, never reach Sendblue, whatever the payload holds', async () => {
    const app = apps.get('owners') as TestApp;
    const number = lines[55] as string;
    await app.services.store.assign(number, owner, admin);
    await submitCard(app, owner, number);
    const [waiting] = await app.services.store.approvals({ number, state: 'waiting' });
    const id = waiting?.id ?? 0;
    // {"valueOf":1,"toString":1} made Number() throw: a value any JSON may hold.
    const anyValue = fc.oneof(
      fc.anything(),
      fc.constant(String(id)),
      fc.constant(id),
      fc.constant(null),
      fc.constant({ valueOf: 1, toString: 1 }),
    );
    const user = fc.oneof(
      fc.constantFrom(owner, other),
      fc.record({ id: fc.anything() }).map((u) => u.id),
    );
    const button = fc.record({
      type: fc.constant('block_actions'),
      user: fc.oneof(
        user.map((u) => ({ id: u })),
        fc.anything(),
      ),
      trigger_id: fc.oneof(fc.string(), fc.anything()),
      channel: fc.oneof(fc.constant({ id: 'C0CHANNEL' }), fc.anything()),
      actions: fc.oneof(
        fc.tuple(
          fc.record({
            type: fc.constant('button'),
            action_id: fc.constantFrom(ids.actions.approve, ids.actions.reject),
            value: anyValue,
          }),
        ),
        fc.anything(),
      ),
    });
    const reason = fc.record({
      type: fc.constant('view_submission'),
      user: fc.oneof(
        user.map((u) => ({ id: u })),
        fc.anything(),
      ),
      view: fc.oneof(
        fc.record({
          id: fc.constant('VREJECT'),
          type: fc.constant('modal'),
          callback_id: fc.constant(ids.rejectModal),
          private_metadata: fc.oneof(
            fc.string(),
            fc.anything().map((value) => JSON.stringify(value) ?? ''),
            fc.constant(JSON.stringify({ approvalId: id, channel: 'C0CHANNEL' })),
          ),
          state: fc.oneof(fc.anything(), fc.record({ values: fc.anything() })),
        }),
        fc.anything(),
      ),
    });
    const sendblueBefore = app.sendblue.requests.length;
    const errors = vi.spyOn(console, 'error');
    await fc.assert(
      fc.asyncProperty(fc.oneof(button, reason), async (payload) => {
        const answer = await app.interact(payload as Record<string, unknown>);
        expect(answer.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    await app.settle();
    const bugs = errors.mock.calls.map((args) => args.map(String).join(' '));
    errors.mockRestore();
    expect(bugs.filter((line) => /unhandled error|failed unexpectedly|Unhandled/i.test(line))).toEqual([]);
    expect(app.sendblue.requests.length).toBe(sendblueBefore);
    expect((await app.services.store.approval(id))?.state).toBe('waiting');
  });
});

describe('the only admin, in mode all', () => {
  it('is refused at once, with who can help: nobody else could approve', async () => {
    const app = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_APPROVAL: 'all' },
      lines,
    });
    try {
      const number = lines[0] as string;
      const from = app.slack.calls.length;
      await submitCard(app, admin, number);
      expect(saidSince(app, from)).toContain('you are the only admin');
      expect(sendblueCalls(app, number)).toEqual([]);
      expect(await app.services.store.approvals()).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});
