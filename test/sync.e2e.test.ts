import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownBlock } from '@slack/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoredProfile } from '../src/adapters/sendblue/simulator.js';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { freshestCard } from '../src/use-cases/flows/pictures.js';
import { faults } from './fakes/fake-sendblue.js';
import { formValues, sampleCard, viewSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// A fresh install on an account whose cards were set before contactcard existed: the initial sync
// reads every line once, the Home tab and the export tell live / no card / not read yet apart,
// the editor opens filled for a card set elsewhere, and drift alerts only on real changes.

const admin = 'U0ADMIN';
const fleet = Array.from({ length: 30 }, (_, i) => `+1415555${String(2000 + i).padStart(4, '0')}`);
// The first 20 already have a card, set in Sendblue's dashboard; the last 10 have none.
const cardOf = (i: number): StoredProfile => ({
  firstName: `First${i}`,
  lastName: `Last${i}`,
  displayName: i % 2 === 0 ? `Desk ${i}` : null,
  photoUrl: `https://photos.example.com/${i}.jpg`,
});
const existing = new Map(fleet.slice(0, 20).map((number, i) => [number, cardOf(i)]));
const withCard = fleet[3] as string;
const withoutCard = fleet[25] as string;

let app: TestApp;
afterEach(async () => {
  await app?.stop();
});

async function start(env: Record<string, string> = {}, beforeStart?: Parameters<typeof startTestApp>[0]) {
  app = await startTestApp({
    env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY', ...env },
    lines: fleet,
    cards: existing,
    ...beforeStart,
  });
  return app;
}

async function openHome(): Promise<{ blocks: KnownBlock[] }> {
  const before = app.slack.callsTo('views.publish').length;
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    event_id: `Ev${Date.now()}${Math.random()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user: admin, channel: 'D0HOME', tab: 'home', event_ts: '1.1' },
  });
  const answer = await app.postSigned(body, {
    ...signedHeaders(signingSecret, body),
    'content-type': 'application/json',
  });
  expect(answer.status).toBe(200);
  await app.settle();
  const call = app.slack.callsTo('views.publish').slice(before).at(-1);
  if (!call) throw new Error('no Home tab published');
  return call.args.view as { blocks: KnownBlock[] };
}

const summaryOf = (view: { blocks: KnownBlock[] }) => JSON.stringify(view.blocks[1]);

describe('the initial sync', () => {
  it('reads every line at start, so the Home tab shows cards set elsewhere as live, and the rest as no card', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' });
    await app.services.sync.idle();
    const observed = await app.services.store.observedCards();
    expect(observed.map((seen) => seen.number)).toEqual(fleet);
    expect(observed.every((seen) => seen.source === 'sync')).toBe(true);
    const home = await openHome();
    expect(summaryOf(home)).toContain('*30* numbers: 20 live · 10 no card');
    expect(JSON.stringify(home)).toContain('First0 Last0 · “Desk 0”');
    expect(JSON.stringify(home)).toContain('Seen at Sendblue');
    // Observed, not drifted: a drift round after the sync alerts on nothing.
    expect(await app.services.drift.round()).toBe(0);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('never calls a number that was never read "no card"', async () => {
    await start();
    const home = await openHome();
    expect(summaryOf(home)).toContain('*30* numbers: 30 not read yet');
    // The filter offers the status; no number has it.
    expect(JSON.stringify(home)).not.toContain(':white_circle: no card');
    expect(JSON.stringify(home)).toContain('not read from Sendblue yet');
  });

  it('reads at most CONTACTCARD_SYNC_CONCURRENCY lines at once', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '3' }, { beforeStart: (sendblue) => sendblue.hold() });
    await sleep(200);
    expect(app.sendblue.held()).toBe(3);
    app.sendblue.release();
    await app.services.sync.idle();
    expect((await app.services.store.observedCards()).length).toBe(30);
  });

  it('stops a round on 429, and the next round reads only what is left', async () => {
    await start(
      { CONTACTCARD_SYNC_CONCURRENCY: '1' },
      {
        // The client tries a read four times (three retries) before it gives up: then the round stops.
        beforeStart: (sendblue) => sendblue.inject(fleet[10] as string, faults.failTimes(4, 429)),
      },
    );
    await app.services.sync.idle();
    const afterFirst = (await app.services.store.observedCards()).length;
    expect(afterFirst).toBe(10);
    app.sendblue.requests.splice(0);
    // Backing off: a change of the lines meanwhile does not start a round before the wait is over.
    app.services.sync.request();
    await app.services.sync.idle();
    expect(app.sendblue.requests.length).toBe(0);
    const round = await app.services.sync.round();
    expect(round).toMatchObject({ left: 0, stoppedBy: undefined });
    expect(round?.read).toBe(30 - afterFirst);
    expect(app.sendblue.requests.length).toBe(30 - afterFirst);
    expect((await app.services.store.observedCards()).length).toBe(30);
  });

  it('stops a round the app is too busy to send: the requests people wait on have every connection', async () => {
    await start(
      { CONTACTCARD_SYNC_CONCURRENCY: '1' },
      {
        // The start-up round stops at once: every line is left for the rounds below.
        beforeStart: (sendblue) => sendblue.inject(fleet[0] as string, faults.failTimes(4, 429)),
        client: { deadlineMs: { other: 400 } },
      },
    );
    await app.services.sync.idle();
    expect(await app.services.store.observedCards()).toEqual([]);
    // Changes people wait on fill every connection to Sendblue (a POST keeps its connection for long).
    const busy = '+14155550111';
    app.sendblue.hold(busy);
    app.sendblue.requests.splice(0);
    const people = Array.from({ length: 16 }, () =>
      app.services.sendblue
        .upsertProfile({
          fromNumber: busy,
          firstName: 'Jane',
          lastName: 'Smith',
          photoUrl: 'https://example.com/j.jpg',
        })
        .catch(() => undefined),
    );
    await app.sendblue.waitForRequests(16);
    app.sendblue.requests.splice(0);
    const round = await app.services.sync.round();
    expect(round).toMatchObject({ read: 0, left: 30, stoppedBy: 'busy' });
    // Nothing of the round reached Sendblue: its one read waited out its deadline, and no other was tried.
    expect(app.sendblue.requests).toEqual([]);
    app.sendblue.release(busy);
    await Promise.all(people);
    expect(await app.services.sync.round()).toMatchObject({ read: 30, left: 0, stoppedBy: undefined });
  });

  it('a slash command is answered while the sync is reading', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' }, { beforeStart: (sendblue) => sendblue.hold() });
    const began = Date.now();
    const answer = await app.command('help');
    expect(answer.status).toBe(200);
    expect(Date.now() - began).toBeLessThan(1_000);
    app.sendblue.release();
    await app.services.sync.idle();
  });
});

describe('a card set outside contactcard', () => {
  it('opens the editor filled in once it was seen, then confirms it with one read', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' });
    await app.services.sync.idle();
    app.sendblue.requests.splice(0);
    await app.command(`set ${withCard}`, { user: admin });
    await app.settle();
    const [opened] = app.slack.callsTo('views.open');
    const view = JSON.stringify(opened?.args.view);
    expect(view).toContain('"initial_value":"First3"');
    expect(view).toContain('Filled in with the card Sendblue showed');
    expect(view).toContain('Sendblue does not report photos');
    // One read after the open; Sendblue shows the same card, so the form is not touched again.
    expect(app.sendblue.requests.map((r) => r.method)).toEqual(['GET']);
    expect(app.slack.callsTo('views.update')).toEqual([]);
    // The same card seen a moment ago by the sync: its seen time is not written again on every open.
    expect(await app.services.store.observedCard(withCard)).toMatchObject({ source: 'sync' });
  });

  it('opens with a loading view only the first time, when it was never read', async () => {
    await start();
    await app.command(`set ${withCard}`, { user: admin });
    await app.settle();
    expect(JSON.stringify(app.slack.callsTo('views.open')[0]?.args.view)).not.toContain('"initial_value"');
    expect(JSON.stringify(app.slack.callsTo('views.update')[0]?.args.view)).toContain(
      '"initial_value":"First3"',
    );
    expect(await app.services.store.observedCard(withCard)).toMatchObject({ source: 'editor' });
    app.slack.reset();
    await app.command(`set ${withCard}`, { user: admin });
    await app.settle();
    expect(JSON.stringify(app.slack.callsTo('views.open')[0]?.args.view)).toContain(
      '"initial_value":"First3"',
    );
    expect(app.slack.callsTo('views.update')).toEqual([]);
  });

  it('is refreshed by a drift round without an alert; a card applied here and changed elsewhere is one', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' });
    await app.services.sync.idle();
    app.sendblue.profiles.set(withCard, { ...cardOf(3), firstName: 'Renamed' });
    app.sendblue.profiles.set(withoutCard, cardOf(25));
    expect(await app.services.drift.round()).toBe(0);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
    expect(await app.services.store.observedCard(withCard)).toMatchObject({
      card: { firstName: 'Renamed' },
      source: 'drift',
    });
    const home = JSON.stringify(await openHome());
    expect(home).toContain('Renamed Last3');
    expect(home).toContain('21 live · 9 no card');

    // Applied here, then changed in Sendblue's dashboard: that is drift.
    await app.setThroughEditor(withoutCard, sampleCard, admin);
    expect(await app.services.store.lastKnownCard(withoutCard)).toMatchObject({
      firstName: sampleCard.firstName,
    });
    app.sendblue.profiles.set(withoutCard, cardOf(26));
    expect(await app.services.drift.round()).toBe(1);
    const alerts = app.slack
      .callsTo('chat.postMessage')
      .filter((call) => JSON.stringify(call.args).includes(ids.actions.driftAccept));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]?.args)).toContain('changed outside contactcard');
  });

  it('shows in show, list and the export with when it was seen', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' });
    await app.services.sync.idle();
    const exported = await app.exportAs(admin);
    const rows = (exported?.bytes?.toString('utf8') ?? '')
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toBe(
      'number,first_name,last_name,display_name,photo_url,status,seen_at,last_changed,changed_by',
    );
    // A leading + is kept as text for spreadsheets ('+1…), as every export writes it.
    const row = rows.find((line) => line.startsWith(`'${withCard}`));
    expect(row).toMatch(new RegExp(`^'\\${withCard},First3,Last3,,,live,\\d{4}-\\d\\d-\\d\\dT`));
    expect(rows.find((line) => line.startsWith(`'${withoutCard}`))).toContain(',no card,');

    app.sendblue.profiles.set(withCard, { ...cardOf(3), lastName: 'Shown' });
    await app.command(`show ${withCard}`, { user: admin });
    await app.settle();
    expect(await app.services.store.observedCard(withCard)).toMatchObject({
      card: { lastName: 'Shown' },
      source: 'show',
    });

    // When Sendblue cannot be read, show says what it showed last, and when.
    app.sendblue.inject(withCard, faults.error(500, 'down'));
    await app.command(`show ${withCard}`, { user: admin, responseId: 'show-down' });
    await app.settle();
    const shown = JSON.stringify(app.slack.responsePosts.filter((post) => post.path.endsWith('show-down')));
    expect(shown).toContain('Could not read the contact card');
    expect(shown).toContain('Sendblue last showed First3 Shown, <!date^');
    // A read downloads no photo: its 500 is not blamed on one.
    expect(shown).not.toMatch(/photo/i);
  });

  it('a read sent before a set but answered after it does not undo the set', async () => {
    await start({ CONTACTCARD_SYNC_CONCURRENCY: '4' });
    await app.services.sync.idle();
    // Sendblue's answer as it is now (First3 Last3): what the slow read will bring back.
    const stateUrl = `${app.sendblue.url}/api/v2/contact-sharing/state?fromNumber=${encodeURIComponent(withCard)}`;
    const credentials = { 'sb-api-key-id': app.sendblue.keyId, 'sb-api-secret-key': app.sendblue.secret };
    const before = await (await fetch(stateUrl, { headers: credentials })).json();
    app.sendblue.hold(withCard, 'GET');
    await app.command(`show ${withCard}`, { user: admin });
    await vi.waitFor(() => expect(app.sendblue.held()).toBe(1));
    // The set goes through while the read waits.
    const metadata = encodeMetadata({
      number: withCard,
      channel: 'C0CHANNEL',
      responseUrl: app.slack.responseUrl('set'),
    });
    await app.interact(
      viewSubmission({ id: 'VSET', private_metadata: metadata }, formValues(sampleCard), admin),
    );
    await vi.waitFor(async () =>
      expect(await app.services.store.lastKnownCard(withCard)).toMatchObject({
        firstName: sampleCard.firstName,
      }),
    );
    app.sendblue.inject(withCard, faults.reply(200, before, 1));
    app.sendblue.release(withCard);
    await app.settle();
    expect(await app.services.store.observedCard(withCard)).toMatchObject({ card: { firstName: 'First3' } });
    // The set is newer than what that read saw: the editor opens with the set card, and the Home
    // tab does not call it changed outside contactcard.
    expect(await freshestCard(app.services, withCard)).toMatchObject({
      card: { firstName: sampleCard.firstName },
      seenAt: undefined,
    });
    expect(summaryOf(await openHome())).toContain('19 live · 1 submitted · 10 no card');
  });
});
