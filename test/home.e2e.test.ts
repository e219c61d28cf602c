import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { faults } from './fakes/fake-sendblue.js';
import { appHomeOpened, buttonClick, formValues, sampleCard, viewSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// The Home tab through the real app: a signed app_home_opened event, views.publish at the fake
// Slack, paging, the status filter, Edit from the tab, and re-publishing after a change.

const admin = 'U0ADMIN';
const secondAdmin = 'U0ADMIN2';
const owner = 'U0OWNER';
const other = 'U0OTHER';
// 250 lines of the account, all valid US numbers.
const fleet = Array.from({ length: 250 }, (_, i) => `+1415555${String(1000 + i).padStart(4, '0')}`);
const owned = fleet[7] as string;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: `${admin},${secondAdmin}` }, lines: fleet });
  await app.services.store.assign(owned, owner, admin);
});
afterAll(() => app.stop());

const event = (user: string) => JSON.stringify(appHomeOpened(user));

async function open(user: string) {
  const before = app.slack.callsTo('views.publish').length;
  const body = event(user);
  const answer = await app.postSigned(body, {
    ...signedHeaders(signingSecret, body),
    'content-type': 'application/json',
  });
  expect(answer.status).toBe(200);
  await app.settle();
  return homeOf(user, before);
}

function homeOf(user: string, after = 0) {
  const call = app.slack
    .callsTo('views.publish')
    .slice(after)
    .filter((c) => c.args.user_id === user)
    .at(-1);
  const view = call?.args.view as { type: string; blocks: KnownBlock[] } | undefined;
  if (!view) throw new Error(`no Home tab published for ${user}`);
  return view;
}

async function click(user: string, actionId: string, value: string) {
  const before = app.slack.callsTo('views.publish').length;
  await app.interact({
    ...buttonClick(actionId, value, { responseUrl: app.slack.responseUrl('page'), user }),
    container: { type: 'view', view_id: 'VHOME' },
  });
  await app.settle();
  return homeOf(user, before);
}

/** Clicks a button as pagerOf lists it. */
const press = (user: string, button: string[] | undefined) =>
  click(user, String(button?.[1]), String(button?.[2]));

/** The pager's buttons: [text, action_id, value]. */
const pagerOf = (view: { blocks: KnownBlock[] }) =>
  view.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements
          .filter(
            (e) =>
              'action_id' in e &&
              [ids.actions.homePrevious, ids.actions.homeNext].includes(String(e.action_id) as never),
          )
          .map((e) => {
            const button = e as { text: { text: string }; action_id: string; value: string };
            return [button.text.text, button.action_id, button.value];
          })
      : [],
  );

const numbersIn = (view: { blocks: KnownBlock[] }) =>
  view.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements
          .filter((e) => 'action_id' in e && e.action_id === ids.actions.edit)
          .map((e) => String((e as { value?: string }).value))
      : [],
  );

describe('the fake Slack’s Block Kit check', () => {
  it('refuses a Home view over 100 blocks and a message over 50, as Slack does', async () => {
    const call = async (method: string, args: Record<string, unknown>) =>
      (await fetch(`${app.slack.url}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.slack.botToken}` },
        body: JSON.stringify(args),
      }).then((response) => response.json())) as { ok: boolean; error?: string };
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
    expect(
      await call('views.publish', { user_id: 'U1', view: { type: 'home', blocks: blocks(101) } }),
    ).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(
      await call('views.publish', { user_id: 'U1', view: { type: 'home', blocks: blocks(100) } }),
    ).toMatchObject({ ok: true });
    expect(await call('chat.postMessage', { channel: 'C1', blocks: blocks(51) })).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
  });

  it('refuses an action_id twice in one block and a block_id twice in one view, as Slack does', async () => {
    const publish = async (blocks: unknown[]) =>
      (await fetch(`${app.slack.url}views.publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.slack.botToken}` },
        body: JSON.stringify({ user_id: 'U1', view: { type: 'home', blocks } }),
      }).then((response) => response.json())) as { ok: boolean; error?: string };
    const buttonWith = (actionId: string) => ({
      type: 'button',
      text: { type: 'plain_text', text: 'Go' },
      action_id: actionId,
      value: '1',
    });
    const actionsOf = (...actionIds: string[]) => ({ type: 'actions', elements: actionIds.map(buttonWith) });
    expect(await publish([actionsOf('a', 'a')])).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(await publish([actionsOf('a', 'b'), actionsOf('a', 'b')])).toMatchObject({ ok: true });
    const divider = (blockId: string) => ({ type: 'divider', block_id: blockId });
    expect(await publish([divider('x'), divider('x')])).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(await publish([divider('x'.repeat(256))])).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(await publish([divider('x'), divider('y')])).toMatchObject({ ok: true });
  });
});

describe('the Home tab', () => {
  it('shows an admin every number a page at a time, within 100 blocks, with a pager', async () => {
    const view = await open(admin);
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(numbersIn(view)).toEqual(fleet.slice(0, 25));
    expect(JSON.stringify(view)).toContain('Page 1 of 10');
    expect(JSON.stringify(view)).toContain('*250* numbers');
    for (const action of [ids.actions.bulkOpen, ids.actions.importOpen, ids.actions.exportNow]) {
      expect(JSON.stringify(view)).toContain(action);
    }

    const last = await click(admin, ids.actions.homeNext, '9');
    expect(numbersIn(last)).toEqual(fleet.slice(225, 250));
    expect(last.blocks.length).toBeLessThanOrEqual(100);
  });

  // Slack refuses two equal action ids in one block: Previous and Next once shared one, so every
  // page past the first was refused.
  it('pages forward and back by clicking, every page accepted by Slack', async () => {
    const before = app.slack.callsTo('views.publish').length;
    // The tab reopens on the page last shown (the last one, after the test above).
    expect(pagerOf(await open(admin))).toEqual([['Previous', ids.actions.homePrevious, '8']]);
    const first = await click(admin, ids.actions.homePrevious, '0');
    expect(pagerOf(first)).toEqual([['Next', ids.actions.homeNext, '1']]);
    const second = await press(admin, pagerOf(first)[0]);
    expect(numbersIn(second)).toEqual(fleet.slice(25, 50));
    expect(pagerOf(second)).toEqual([
      ['Previous', ids.actions.homePrevious, '0'],
      ['Next', ids.actions.homeNext, '2'],
    ]);
    const third = await click(admin, ids.actions.homeNext, '2');
    expect(numbersIn(third)).toEqual(fleet.slice(50, 75));
    const back = await press(admin, pagerOf(third)[0]);
    expect(numbersIn(back)).toEqual(fleet.slice(25, 50));
    const last = await click(admin, ids.actions.homeNext, '9');
    expect(pagerOf(last)).toEqual([['Previous', ids.actions.homePrevious, '8']]);
    const published = app.slack.callsTo('views.publish').slice(before);
    expect(published.length).toBe(6);
    expect(published.map((call) => call.refusedFor ?? [])).toEqual(published.map(() => []));
  });

  it('shows an owner only their numbers, and someone else none', async () => {
    expect(numbersIn(await open(owner))).toEqual([owned]);
    // Only admins get Bulk change / Import / Export.
    expect(JSON.stringify(homeOf(owner))).not.toContain(ids.actions.bulkOpen);
    const nothing = await open(other);
    expect(numbersIn(nothing)).toEqual([]);
    expect(JSON.stringify(nothing)).toContain('You manage no number yet');
  });

  it('opens the editor from Edit, and re-publishes the open tab when the number changes', async () => {
    await open(owner);
    const opens = app.slack.callsTo('views.open').length;
    await app.interact(
      buttonClick(ids.actions.edit, owned, { responseUrl: app.slack.responseUrl('edit'), user: owner }),
    );
    await app.settle();
    expect(app.slack.callsTo('views.open').length).toBe(opens + 1);

    const publishes = app.slack.callsTo('views.publish').length;
    const metadata = encodeMetadata({
      number: owned,
      channel: owner,
      responseUrl: app.slack.responseUrl('homeset'),
    });
    await app.interact(
      viewSubmission({ id: 'VHOMESET', private_metadata: metadata }, formValues(sampleCard), owner),
    );
    await app.settle();
    const republished = homeOf(owner, publishes);
    expect(JSON.stringify(republished)).toContain('Jane Smith');
    expect(JSON.stringify(republished)).toContain('submitted');
  });

  it('filters by status', async () => {
    await open(admin);
    await app.interact({
      ...buttonClick(ids.actions.homeFilter, '', {
        responseUrl: app.slack.responseUrl('filter'),
        user: admin,
      }),
      actions: [
        {
          type: 'static_select',
          action_id: ids.actions.homeFilter,
          block_id: 'b',
          selected_option: { value: 'submitted' },
          action_ts: '1',
        },
      ],
    });
    await app.settle();
    expect(numbersIn(homeOf(admin))).toEqual([owned]);
  });
});

describe('re-publishing at Slack’s pace', () => {
  const accepted = (user: string, from: number) =>
    app.slack
      .callsTo('views.publish')
      .slice(from)
      .filter((c) => c.args.user_id === user && !c.rateLimited && !c.refusedFor);

  it('the tabs of two admins re-published during a bulk job are rendered together, from one read of the fleet', async () => {
    // Opened half a second apart: each would be re-published a second after its own last publish.
    await open(admin);
    await sleep(500);
    await open(secondAdmin);
    for (const number of fleet) app.sendblue.inject(number, faults.latency(40));
    const before = app.slack.callsTo('views.publish').length;
    const metadata = encodeMetadata({ channel: 'C0CHANNEL', responseUrl: app.slack.responseUrl('bulk') });
    const submission = viewSubmission(
      { id: 'VBULK', private_metadata: metadata },
      {
        ...formValues({ ...sampleCard, firstName: 'Paired' }),
        [ids.bulk.allBlock]: { [ids.bulk.all]: { type: 'checkboxes', selected_options: [{ value: 'all' }] } },
      },
      admin,
    );
    const bulk = { ...submission, view: { ...submission.view, callback_id: ids.bulkModal } };
    expect((await app.interact(bulk)).status).toBe(200);
    await app.settle();
    app.sendblue.reset();
    app.sendblue.setLines(fleet);

    // A number changes every 10 ms or so: two tabs rendered apart would show different counts.
    const countsOf = (user: string) =>
      accepted(user, before).map(
        (call) => JSON.stringify(call.args.view).match(/\*250\* numbers: [^"]*/)?.[0],
      );
    const first = countsOf(admin);
    const second = countsOf(secondAdmin);
    expect(second.at(-1)).toBe('*250* numbers: 250 submitted');
    expect(second.length).toBeGreaterThan(1);
    expect(second.filter((view) => !first.includes(view))).toEqual([]);
    app.slack.reset();
  }, 60_000);

  it('a bulk job over the whole fleet re-publishes an open tab about once a second, never too fast, ending on its outcome', async () => {
    await open(admin);
    app.slack.limitPublishes(1_000);
    // Each number's change takes 40 ms at Sendblue: 250 numbers, 4 at a time, last 2.5 s at least.
    for (const number of fleet) app.sendblue.inject(number, faults.latency(40));
    const before = app.slack.callsTo('views.publish').length;
    const metadata = encodeMetadata({ channel: 'C0CHANNEL', responseUrl: app.slack.responseUrl('bulk') });
    const submission = viewSubmission(
      { id: 'VBULK', private_metadata: metadata },
      {
        ...formValues({ ...sampleCard, firstName: 'Fleet' }),
        [ids.bulk.allBlock]: { [ids.bulk.all]: { type: 'checkboxes', selected_options: [{ value: 'all' }] } },
      },
      admin,
    );
    const startedAt = Date.now();
    const bulk = { ...submission, view: { ...submission.view, callback_id: ids.bulkModal } };
    expect((await app.interact(bulk)).status).toBe(200);
    await app.settle();
    const tookSeconds = (Date.now() - startedAt) / 1_000;
    app.sendblue.reset();
    app.sendblue.setLines(fleet);

    const publishes = accepted(admin, before);
    // 250 changes, each of which re-published the tab before: now one a second at most (plus the last).
    expect(tookSeconds).toBeGreaterThan(2);
    expect(publishes.length).toBeGreaterThan(0);
    expect(publishes.length).toBeLessThanOrEqual(Math.ceil(tookSeconds) + 2);
    // Any publish Slack answered `ratelimited` was sent again after Retry-After, and accepted.
    expect(app.slack.callsTo('views.publish').at(-1)?.rateLimited).toBeUndefined();
    // The last publish read the store after the last change: every number shows the new card.
    const last = JSON.stringify(publishes.at(-1)?.args.view);
    expect(last).toContain('*250* numbers: 250 submitted');
    expect(last).toContain('Fleet Smith');
    app.slack.reset();
  }, 60_000);

  it('a change joining a tab already being re-published for an earlier one does not wait for it; the earlier wait covers both', async () => {
    await open(admin);
    // Each publish takes 300 ms at Slack, long enough to join.
    let answered = 0;
    app.slack.on('views.publish', async (call) => {
      await sleep(300);
      answered += 1;
      return { ok: true, view: { ...(call.args.view as object), id: 'VHOME' } };
    });
    const before = app.slack.callsTo('views.publish').length;
    await app.services.store.rememberCard(owned, { ...sampleCard, firstName: 'Joined' }, admin);
    const first = app.services.homes.changed(owned);
    let firstDone = false;
    void first.then(() => {
      firstDone = true;
    });
    const secondStarted = Date.now();
    await app.services.homes.changed(owned);
    expect(Date.now() - secondStarted).toBeLessThan(250);
    expect(firstDone).toBe(false);
    await first;
    // The earlier change's wait lasted until the tab was published after both.
    expect(answered).toBeGreaterThan(0);
    const last = JSON.stringify(accepted(admin, before).at(-1)?.args.view);
    expect(last).toContain('Joined');
    app.slack.reset();
  }, 30_000);

  it('a page asked for too soon after the last publish is answered ratelimited, and published after Retry-After', async () => {
    app.slack.limitPublishes(1_000);
    await open(admin);
    const before = app.slack.callsTo('views.publish').length;
    const page2 = await click(admin, ids.actions.homeNext, '1');
    const calls = app.slack.callsTo('views.publish').slice(before);
    expect(calls.filter((c) => c.rateLimited).length).toBeGreaterThan(0);
    const published = accepted(admin, before);
    expect(published).toHaveLength(1);
    expect(JSON.stringify(page2)).toContain('Page 2 of');
    expect(published[0]?.args.view).toEqual(page2);
    app.slack.reset();
  }, 30_000);
});
