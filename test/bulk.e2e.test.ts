import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { faults } from './fakes/fake-sendblue.js';
import { buttonClick } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// Bulk changes through the real app: the modal, one pipeline run per number (audited on its own),
// at most CONTACTCARD_BULK_CONCURRENCY Sendblue calls at once, the progress message updated in
// place, Cancel, Retry the failed ones, one notify-channel summary, and a job cut short by a restart.

const admin = 'U0ADMIN';
const lines = Array.from({ length: 30 }, (_, i) => `+1415555${String(2000 + i).padStart(4, '0')}`);
const [fails500, fails503, fails403] = lines as [string, string, string];

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    env: {
      CONTACTCARD_ADMINS: admin,
      CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY',
      CONTACTCARD_BULK_CONCURRENCY: '4',
    },
    lines,
    client: { retry: { maxRetries: 1 } },
  });
});
afterAll(() => app.stop());

const text = (value: unknown) => JSON.stringify(value);

function submitBulk(
  options: { all?: boolean; numbers?: string[]; firstName?: string; pasted?: string; status?: string },
  target = app,
) {
  const metadata = encodeMetadata({ channel: 'C0CHANNEL', responseUrl: target.slack.responseUrl('bulk') });
  const input = (value: string | null) => ({ type: 'plain_text_input', value });
  return target.interact({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: admin, username: 'admin', name: 'admin', team_id: 'T0TEST' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${Date.now()}`,
    view: {
      id: `VBULK${Date.now()}`,
      hash: `h${Math.random()}`,
      type: 'modal',
      callback_id: ids.bulkModal,
      private_metadata: metadata,
      state: {
        values: {
          [ids.bulk.numbersBlock]: {
            [ids.bulk.numbers]: {
              type: 'multi_static_select',
              selected_options: (options.numbers ?? []).map((value) => ({ value })),
            },
          },
          [ids.bulk.allBlock]: {
            [ids.bulk.all]: { type: 'checkboxes', selected_options: options.all ? [{ value: 'all' }] : [] },
          },
          [ids.bulk.pasteBlock]: { [ids.bulk.paste]: input(options.pasted ?? null) },
          [ids.bulk.statusBlock]: {
            [ids.bulk.status]: {
              type: 'static_select',
              selected_option: options.status ? { value: options.status } : null,
            },
          },
          [ids.blocks.firstName]: { [ids.inputs.firstName]: input(options.firstName ?? 'Team') },
          [ids.blocks.lastName]: { [ids.inputs.lastName]: input('Acme') },
          [ids.blocks.photoUrl]: {
            [ids.inputs.photoUrl]: { type: 'url_text_input', value: 'https://example.com/acme.jpg' },
          },
          [ids.blocks.displayName]: { [ids.inputs.displayName]: input(null) },
        },
      },
    },
  });
}

const jobMessages = () =>
  app.slack.calls.filter(
    (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === 'C0CHANNEL',
  );

describe('bulk changes', () => {
  it('/contactcard bulk opens the form with the numbers the caller may manage', async () => {
    await app.command('bulk', { user: admin });
    await app.settle();
    const form = text(app.slack.callsTo('views.open').at(-1)?.args.view);
    expect(form).toContain(ids.bulkModal);
    expect(form).toContain('All the numbers you may manage (30)');
  });

  it('applies one card to 30 numbers: each audited once, at most 4 at Sendblue, progress in place, failures with reasons, one summary', async () => {
    app.sendblue.inject(fails500, faults.failTimes(100, 500, undefined, 'photo download failed'));
    app.sendblue.inject(fails503, faults.failTimes(100, 503));
    app.sendblue.inject(fails403, faults.failTimes(100, 403));
    app.sendblue.hold();
    const ack = await submitBulk({ all: true });
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Applying the card to 30 numbers');
    await app.slack.waitFor(() => app.sendblue.held() === 4, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(app.sendblue.held()).toBe(4);
    app.sendblue.release();
    await app.settle();

    for (const number of lines) {
      const entries = (await app.services.store.history(number, 10)).filter((e) =>
        e.requestKey?.startsWith('bulk:'),
      );
      expect(entries, number).toHaveLength(1);
    }
    const messages = jobMessages();
    expect(messages[0]?.method).toBe('chat.postMessage');
    const final = text(messages.at(-1)?.args);
    expect(messages.at(-1)?.method).toBe('chat.update');
    expect(final).toContain('27 done');
    expect(final).toContain('3 failed');
    expect(final).toContain('photo download failed');
    expect(final).toContain(ids.actions.bulkRetry);
    const notices = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY');
    expect(notices).toHaveLength(1);
    expect(text(notices[0]?.args)).toContain('27 of 30');
    for (const number of lines.slice(3)) expect(app.sendblue.maxInFlight(number)).toBe(1);
  });

  it('Retry the failed ones runs only those, as a new job', async () => {
    app.sendblue.reset();
    app.sendblue.setLines(lines);
    const job = (await app.services.store.bulkJobs('done')).at(-1);
    const before = app.sendblue.requests.length;
    await app.interact(
      buttonClick(ids.actions.bulkRetry, String(job?.id), {
        responseUrl: app.slack.responseUrl('retry'),
        user: admin,
      }),
    );
    await app.settle();
    const retried = app.sendblue.requests
      .slice(before)
      .filter((r) => r.method === 'POST')
      .map((r) => r.fromNumber);
    expect(retried.sort()).toEqual([fails500, fails503, fails403].sort());
    expect(text(jobMessages().at(-1)?.args)).toContain('3 done');
  });

  it('Cancel stops the numbers not yet started; someone else cannot cancel', async () => {
    app.sendblue.hold();
    const from = jobMessages().length;
    await submitBulk({ numbers: lines.slice(0, 12), firstName: 'Cancelled' });
    await app.slack.waitFor(() => app.sendblue.held() === 4, 5_000);
    // Four at Sendblue and four more recorded, waiting for a call slot: only the four are running.
    const tallies = () =>
      jobMessages()
        .slice(from)
        .map((m) => text(m.args).match(/\d+ running[^"]*/)?.[0]);
    await app.slack.waitFor(() => tallies().includes('4 running · 8 waiting'), 5_000);
    // Never more running than there are call slots.
    expect(Math.max(...tallies().map((tally) => Number.parseInt(tally ?? '0', 10)))).toBe(4);
    const job = (await app.services.store.bulkJobs('running')).at(-1);
    await app.interact(
      buttonClick(ids.actions.bulkCancel, String(job?.id), {
        responseUrl: app.slack.responseUrl('nope'),
        user: 'U0OTHER',
      }),
    );
    await app.interact(
      buttonClick(ids.actions.bulkCancel, String(job?.id), {
        responseUrl: app.slack.responseUrl('cancel'),
        user: admin,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.sendblue.release();
    await app.settle();
    expect(text(app.slack.responsePosts.filter((p) => p.path === '/response/nope'))).toContain(
      'Only <@U0ADMIN>',
    );
    const final = text(jobMessages().at(-1)?.args);
    expect(final).toContain('cancelled');
    expect(final).toContain('4 done');
    expect(final).toContain('8 cancelled');
    expect((await app.services.store.bulkJob(job?.id ?? 0))?.state).toBe('cancelled');
  });

  it('a job left running by a stopped instance is reported, not resumed: what did not run is "not applied"', async () => {
    const { store } = app.services;
    const ghost = await store.createBulkJob({
      actorId: admin,
      channel: 'C0CHANNEL',
      numbers: lines.slice(0, 3),
      card: { firstName: 'Ghost', lastName: 'Job', displayName: null, photoUrl: 'https://example.com/g.jpg' },
    });
    // Recorded by an instance that is gone: its lease row does not exist.
    await store.releaseInstance('ghost-instance');
    const raw = ghost.instanceId;
    expect(raw).not.toBeNull();
    await store.releaseInstance(raw ?? '');
    expect(await app.services.bulk.reportInterrupted()).toBe(1);
    const reported = text(app.slack.calls.at(-1)?.args);
    expect(reported).toContain('interrupted by a restart');
    expect(reported).toContain('3 not applied');
    expect((await store.bulkJob(ghost.id))?.state).toBe('interrupted');
    // Our own instance's lease is back for the rest of the suite.
    await store.registerInstance(raw ?? '', 15_000);
  });

  it('opens the same form from the Home tab’s Bulk change button', async () => {
    const opens = app.slack.callsTo('views.open').length;
    await app.interact(
      buttonClick(ids.actions.bulkOpen, 'home', { responseUrl: app.slack.responseUrl('home'), user: admin }),
    );
    await app.settle();
    expect(text(app.slack.callsTo('views.open').slice(opens)[0]?.args.view)).toContain(ids.bulkModal);
  });

  it('refuses a form with no number chosen', async () => {
    const ack = await submitBulk({});
    expect(ack.json()).toMatchObject({
      response_action: 'errors',
      errors: { [ids.bulk.allBlock]: expect.stringContaining('at least one') },
    });
  });
});

describe('bulk changes past the 100 options of a select', () => {
  const fleet = Array.from({ length: 150 }, (_, i) => `+1415556${String(1000 + i).padStart(4, '0')}`);
  let big: TestApp;
  beforeAll(async () => {
    big = await startTestApp({ env: { CONTACTCARD_ADMINS: admin }, lines: fleet });
  });
  afterAll(() => big.stop());

  const jobNumbers = async () => (await big.services.store.bulkJobs('done')).at(-1)?.numbers;

  it('offers a box to paste numbers and a status to narrow "all", instead of a list Slack would refuse', async () => {
    await big.command('bulk', { user: admin });
    await big.settle();
    const call = big.slack.callsTo('views.open').at(-1);
    expect(call?.refusedFor).toBeUndefined();
    const form = text(call?.args.view);
    expect(form).toContain(ids.bulk.pasteBlock);
    expect(form).toContain(ids.bulk.statusBlock);
    expect(form).not.toContain('multi_static_select');
    expect(form).toContain('All the numbers you may manage (150)');
  });

  it('applies the card to the pasted numbers only, however they are written', async () => {
    const pasted = `+1 415 556 1000\n(415) 556-1001, 4155561149;\n\n+14155561000`;
    const ack = await submitBulk({ pasted }, big);
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Applying the card to 3 numbers');
    await big.settle();
    expect(await jobNumbers()).toEqual(['+14155561000', '+14155561001', '+14155561149']);
  });

  it('says which pasted pieces are not phone numbers, or not numbers the person may manage', async () => {
    const unreadable = await submitBulk({ pasted: '+1 415 556 1000\nhello\n123' }, big);
    expect(unreadable.json()).toMatchObject({
      response_action: 'errors',
      errors: { [ids.bulk.pasteBlock]: 'Not phone numbers: “hello”, “123”.' },
    });
    const foreign = await submitBulk({ pasted: '+1 415 556 1000, +1 212 555 0100' }, big);
    expect(foreign.json()).toMatchObject({
      errors: { [ids.bulk.pasteBlock]: 'Not numbers you may manage: +1 212 555 0100.' },
    });
  });

  it('"all" of one status takes only the numbers that have it now', async () => {
    const ack = await submitBulk({ all: true, status: 'submitted' }, big);
    expect(ack.text).toContain('Applying the card to 3 numbers');
    await big.settle();
    expect(await jobNumbers()).toEqual(['+14155561000', '+14155561001', '+14155561149']);
    const none = await submitBulk({ all: true, status: 'failed' }, big);
    expect(none.json()).toMatchObject({
      errors: { [ids.bulk.statusBlock]: 'None of your numbers is failed now.' },
    });
  });
});
