import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/views/ids.js';
import { encodeMetadata } from '../src/views/metadata.js';
import { buttonClick, formValues, sampleCard, viewSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// The Home tab through the real app: a signed app_home_opened event, views.publish at the fake
// Slack, paging, the status filter, Edit from the tab, and re-publishing after a change.

const admin = 'U0ADMIN';
const owner = 'U0OWNER';
const other = 'U0OTHER';
// 250 lines of the account, all valid US numbers.
const fleet = Array.from({ length: 250 }, (_, i) => `+1415555${String(1000 + i).padStart(4, '0')}`);
const owned = fleet[7] as string;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: admin }, lines: fleet });
  await app.services.store.assign(owned, owner, admin);
});
afterAll(() => app.stop());

const event = (user: string) =>
  JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${user}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1700000000.1' },
  });

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

    await app.interact({
      ...buttonClick(ids.actions.homePage, '9', { responseUrl: app.slack.responseUrl('page'), user: admin }),
      container: { type: 'view', view_id: 'VHOME' },
    });
    await app.settle();
    const last = homeOf(admin);
    expect(numbersIn(last)).toEqual(fleet.slice(225, 250));
    expect(last.blocks.length).toBeLessThanOrEqual(100);
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
