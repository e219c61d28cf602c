import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ChangeEntry, OUTSIDE_ACTOR } from '../src/adapters/store/types.js';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { faults } from './fakes/fake-sendblue.js';
import {
  appHomeOpened,
  buttonClick,
  formValues,
  sampleCard,
  sampleNumber,
  viewSubmission,
} from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { freePort, signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// Drift alerts through the real app: a card changed in the fake Sendblue behind the app's back is
// found by a round, recorded and reported once, and both answers (Restore ours, Accept) work with
// rights checked.

const admin = 'U0ADMIN';
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
  await app.setThroughEditor(sampleNumber, sampleCard, admin);
});
afterAll(() => app.stop());

const notices = () =>
  app.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === 'C0NOTIFY');
const text = (value: unknown) => JSON.stringify(value);

describe('drift alerts', () => {
  it('a round with nothing changed reports nothing', async () => {
    expect(await app.services.drift.round()).toBe(0);
  });

  it('a card changed outside contactcard is recorded and reported once, with Restore ours and Accept', async () => {
    app.sendblue.profiles.set(sampleNumber, {
      firstName: 'Mallory',
      lastName: 'Smith',
      displayName: null,
      photoUrl: 'https://x/y.jpg',
    });
    const before = notices().length;
    expect(await app.services.drift.round()).toBe(1);
    const notice = notices().slice(before);
    expect(notice).toHaveLength(1);
    expect(text(notice[0]?.args)).toContain('changed outside contactcard');
    expect(text(notice[0]?.args)).toContain('Jane → Mallory');
    expect(text(notice[0]?.args)).toContain(ids.actions.driftRestore);
    expect(text(notice[0]?.args)).toContain(ids.actions.driftAccept);
    const [entry] = await app.services.store.history(sampleNumber, 1);
    expect(entry).toMatchObject({ actorId: OUTSIDE_ACTOR, outcome: 'ok', after: { firstName: 'Mallory' } });
    // Reported once, not every round.
    expect(await app.services.drift.round()).toBe(0);
    expect(notices().length).toBe(before + 1);
  });

  it('Restore ours opens the editor with the last known card', async () => {
    const opens = app.slack.callsTo('views.open').length;
    await app.interact(
      buttonClick(ids.actions.driftRestore, sampleNumber, {
        responseUrl: app.slack.responseUrl('restore'),
        user: admin,
      }),
    );
    await app.settle();
    const form = text(app.slack.callsTo('views.open').slice(opens)[0]?.args.view);
    expect(form).toContain('Jane');
    expect(form).toContain(sampleCard.photoUrl);
  });

  it('Accept is refused to someone without rights, and adopts Sendblue’s card for an admin', async () => {
    await app.interact(
      buttonClick(ids.actions.driftAccept, sampleNumber, {
        responseUrl: app.slack.responseUrl('nope'),
        user: 'U0STRANGER',
      }),
    );
    await app.settle();
    expect(text(app.slack.responsePosts.filter((p) => p.path === '/response/nope'))).toContain('<@U0ADMIN>');
    expect((await app.services.store.lastKnownCard(sampleNumber))?.firstName).toBe('Jane');

    await app.interact(
      buttonClick(ids.actions.driftAccept, sampleNumber, {
        responseUrl: app.slack.responseUrl('accept'),
        user: admin,
      }),
    );
    await app.settle();
    expect(await app.services.store.lastKnownCard(sampleNumber)).toMatchObject({
      firstName: 'Mallory',
      photoUrl: sampleCard.photoUrl,
    });
    expect((await app.services.store.history(sampleNumber, 1))[0]).toMatchObject({
      actorId: admin,
      message: 'accepted the card shown in Sendblue',
    });
    expect(await app.services.drift.round()).toBe(0);
  });
});

describe('a round over a fleet', () => {
  const fleet = Array.from({ length: 40 }, (_, i) => `+1415557${String(1000 + i).padStart(4, '0')}`);
  let big: TestApp;
  beforeAll(async () => {
    // No retries: a 429 ends the round at once, whatever the machine's load.
    big = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin },
      lines: fleet,
      client: { retry: { maxRetries: 0 } },
    });
    for (const number of fleet) await big.services.store.observeCard(number, { card: null, source: 'sync' });
  });
  afterAll(() => big.stop());
  const reads = () =>
    big.sendblue.requests.filter((r) => r.path.endsWith('/state')).map((r) => r.fromNumber as string);

  it('spreads its reads over the budget it is given, two at a time at most', async () => {
    big.sendblue.reset();
    const started = Date.now();
    expect(await big.services.drift.round(400)).toBe(0);
    const took = Date.now() - started;
    expect(reads()).toHaveLength(40);
    // 40 reads 10 ms apart: the last starts 390 ms in, not all at once.
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(2_000);
    for (const number of fleet) expect(big.sendblue.maxInFlight(number)).toBeLessThanOrEqual(1);
  });

  it('stopped by a 429, the next round starts with the numbers it did not reach', async () => {
    big.sendblue.reset();
    const cut = fleet[10] as string;
    big.sendblue.inject(cut, faults.failTimes(100, 429));
    // Every other read takes a little while, so the other reader cannot finish the fleet meanwhile.
    for (const number of fleet) if (number !== cut) big.sendblue.inject(number, faults.latency(20));
    await big.services.drift.round();
    const first = new Set(reads());
    expect(first.size).toBeLessThan(40);
    const unread = fleet.filter((number) => !first.has(number) || number === cut);
    big.sendblue.reset();
    await big.services.drift.round();
    expect(reads().slice(0, unread.length).sort()).toEqual(unread.sort());
    expect(reads()).toHaveLength(40);
  });

  it('stops at once when the app is too busy to send its reads: the requests people wait on go first', async () => {
    const busy = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin },
      lines: fleet,
      client: { retry: { maxRetries: 0 }, deadlineMs: { other: 300 } },
    });
    const busyNumber = '+14155550111';
    try {
      for (const number of fleet)
        await busy.services.store.observeCard(number, { card: null, source: 'sync' });
      // Changes people wait on hold every connection to Sendblue (a POST keeps its connection for long).
      busy.sendblue.reset();
      busy.sendblue.hold(busyNumber);
      const people = Array.from({ length: 16 }, () =>
        busy.services.sendblue
          .upsertProfile({ ...sampleCard, fromNumber: busyNumber })
          .catch(() => undefined),
      );
      await busy.sendblue.waitForRequests(16);
      const round = busy.services.drift.round();
      // Connections free up after its first reads have waited out their deadline, unsent.
      await sleep(700);
      busy.sendblue.release(busyNumber);
      expect(await round).toBe(0);
      await Promise.all(people);
      expect(busy.sendblue.requests.filter((r) => r.path.endsWith('/state'))).toEqual([]);
    } finally {
      busy.sendblue.release(busyNumber);
      await busy.stop();
    }
  });
});

describe('what the drift check and Accept write goes through the change pipeline', () => {
  let piped: TestApp;
  let metricsUrl: string;
  const mallory = { firstName: 'Mallory', lastName: 'Smith', displayName: null, photoUrl: 'https://x/y.jpg' };
  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    piped = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_METRICS_PORT: String(port), HOST: '127.0.0.1' },
    });
    await piped.setThroughEditor(sampleNumber, sampleCard, admin);
    // The admin's Home tab is open: a change to any number re-publishes it.
    const body = JSON.stringify(appHomeOpened(admin));
    await piped.postSigned(body, {
      ...signedHeaders(signingSecret, body),
      'content-type': 'application/json',
    });
    await piped.settle();
  });
  afterAll(() => piped.stop());

  /** An earlier change to the number holds its turn (as one still running on another replica would) until `finish`. */
  async function holdTurn(): Promise<{ entry: ChangeEntry; finish: () => Promise<void> }> {
    const { store } = piped.services;
    const entry = await store.beginChange({ action: 'assign', number: sampleNumber, actorId: admin });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const running = store.turns.run(entry, async () => {
      await gate;
      await store.completeChange(entry.id, { outcome: 'ok' });
    });
    return {
      entry,
      finish: async () => {
        open();
        await running;
      },
    };
  }
  const latest = async () => (await piped.services.store.history(sampleNumber, 1))[0];
  const homePublishes = () =>
    piped.slack.callsTo('views.publish').filter((call) => call.args.user_id === admin).length;
  const changesCounted = async () => (await fetch(`${metricsUrl}/metrics`)).text();

  it('an observed difference waits for the change to its number still running, then refreshes Home and counts', async () => {
    piped.sendblue.profiles.set(sampleNumber, mallory);
    const earlier = await holdTurn();
    const homes = homePublishes();
    const round = piped.services.drift.round();
    await vi.waitFor(async () => expect(await latest()).toMatchObject({ actorId: OUTSIDE_ACTOR }));
    expect(await latest()).toMatchObject({ outcome: 'pending' });
    await earlier.finish();
    expect(await round).toBe(1);
    const observed = await latest();
    expect(observed).toMatchObject({
      actorId: OUTSIDE_ACTOR,
      outcome: 'ok',
      after: { firstName: 'Mallory' },
    });
    expect(observed?.id).toBeGreaterThan(earlier.entry.id);
    // Ours stays the known card (Restore ours puts it back).
    expect((await piped.services.store.lastKnownCard(sampleNumber))?.firstName).toBe('Jane');
    await piped.settle();
    expect(homePublishes()).toBeGreaterThan(homes);
    expect(await changesCounted()).toContain('contactcard_changes_total{kind="observed",outcome="ok"} 1');
  });

  it('Accept waits for the number’s turn too, then refreshes Home and counts', async () => {
    const earlier = await holdTurn();
    const homes = homePublishes();
    await piped.interact(
      buttonClick(ids.actions.driftAccept, sampleNumber, {
        responseUrl: piped.slack.responseUrl('accept'),
        user: admin,
      }),
    );
    // Recorded after the assignment that holds the turn, and waiting for it.
    await vi.waitFor(async () =>
      expect(await latest()).toMatchObject({ action: 'set', actorId: admin, outcome: 'pending' }),
    );
    expect((await piped.services.store.lastKnownCard(sampleNumber))?.firstName).toBe('Jane');
    await earlier.finish();
    await piped.settle();
    expect(await latest()).toMatchObject({ outcome: 'ok', message: 'accepted the card shown in Sendblue' });
    expect((await piped.services.store.lastKnownCard(sampleNumber))?.firstName).toBe('Mallory');
    expect(text(piped.slack.responsePosts.filter((p) => p.path === '/response/accept'))).toContain(
      'Accepted',
    );
    expect(homePublishes()).toBeGreaterThan(homes);
    expect(await changesCounted()).toContain('contactcard_changes_total{kind="accepted",outcome="ok"} 1');
  });
});

describe('a card set here while a round runs', () => {
  let running: TestApp;
  beforeAll(async () => {
    running = await startTestApp({
      env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' },
    });
    await running.setThroughEditor(sampleNumber, sampleCard, admin);
  });
  afterAll(() => running.stop());

  /** A set through the editor, from a view of its own (a repeated view would be a duplicate). */
  async function setAs(firstName: string): Promise<void> {
    const metadata = encodeMetadata({
      number: sampleNumber,
      channel: 'C0CHANNEL',
      responseUrl: running.slack.responseUrl(`set-${firstName}`),
    });
    const view = { id: `VSET${firstName}`, private_metadata: metadata };
    await running.interact(viewSubmission(view, formValues({ ...sampleCard, firstName }), admin));
    await vi.waitFor(async () =>
      expect(await running.services.store.lastKnownCard(sampleNumber)).toMatchObject({ firstName }),
    );
  }

  /** A round whose read of sampleNumber waits until `meanwhile` is done. */
  async function roundAround(meanwhile: () => Promise<void>): Promise<number | undefined> {
    running.sendblue.hold(sampleNumber, 'GET');
    const round = running.services.drift.round();
    await vi.waitFor(() => expect(running.sendblue.held()).toBe(1));
    await meanwhile();
    running.sendblue.release(sampleNumber);
    return round;
  }

  const alerts = () =>
    running.slack
      .callsTo('chat.postMessage')
      .filter((call) => text(call.args).includes(ids.actions.driftAccept));

  it('is not drift: the round compares with the card applied when it reads, not when it began', async () => {
    expect(await roundAround(() => setAs('Later'))).toBe(0);
    expect(alerts()).toEqual([]);
  });

  it('is not drift when the read was sent before the set and shows the card from before', async () => {
    const url = `${running.sendblue.url}/api/v2/contact-sharing/state?fromNumber=${encodeURIComponent(sampleNumber)}`;
    const credentials = {
      'sb-api-key-id': running.sendblue.keyId,
      'sb-api-secret-key': running.sendblue.secret,
    };
    const before = await (await fetch(url, { headers: credentials })).json();
    const reported = await roundAround(async () => {
      await setAs('Newest');
      running.sendblue.inject(sampleNumber, faults.reply(200, before, 1));
    });
    expect(reported).toBe(0);
    expect(alerts()).toEqual([]);
    // The next round reads Sendblue as it is now: nothing to report either.
    expect(await running.services.drift.round()).toBe(0);
  });
});
