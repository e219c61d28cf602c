import { afterEach, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { faults } from './fakes/fake-sendblue.js';
import { unreachableImageMarker } from './fakes/fake-slack.js';
import { buttonClick, formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

const number = sampleNumber;
const card = sampleCard;

let app: TestApp;
async function start(options: TestAppOptions = {}): Promise<TestApp> {
  app = await startTestApp(options);
  return app;
}
afterEach(() => app?.stop());

/** Every button anywhere in a list of blocks. */
function buttons(
  blocks: unknown,
): Array<{ action_id: string; value: string; confirm?: unknown; text: { text: string } }> {
  const found: Array<{ action_id: string; value: string; text: { text: string } }> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'button') found.push(record as never);
      Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return found;
}

const text = (value: unknown) => JSON.stringify(value);

/** Opens the modal for `number` and returns the form the app put in it (after the loading view). */
async function openForm(withNumber: string | null = number) {
  const ack = await app.command(withNumber ? `set ${withNumber}` : 'set');
  expect(ack.status).toBe(200);
  const opened = await app.slack.waitFor(() => app.slack.callsTo('views.open')[0]);
  if (withNumber === null) return { id: 'V1', view: opened.args.view as Record<string, unknown> };
  const updated = await app.slack.waitFor(() => app.slack.callsTo('views.update')[0]);
  return { id: String(updated.args.view_id), view: updated.args.view as Record<string, unknown> };
}

async function submit(
  form: { id: string; view: Record<string, unknown> },
  typed: Parameters<typeof formValues>[0],
) {
  const response = await app.interact(
    viewSubmission({ id: form.id, private_metadata: form.view.private_metadata }, formValues(typed)),
  );
  expect(response.status).toBe(200);
  return response.text === '' ? {} : response.json();
}

describe('/contactcard help and usage', () => {
  it.each(['help', '', '  HELP  '])(
    'answers %j privately with an example for each subcommand',
    async (typed) => {
      await start();
      const response = await app.command(typed);
      expect(response.status).toBe(200);
      const body = response.json();
      expect(body.response_type).toBe('ephemeral');
      for (const example of [
        '/contactcard set',
        '/contactcard show',
        '/contactcard delete',
        '/contactcard help',
      ]) {
        expect(text(body.blocks)).toContain(example);
      }
      expect(app.sendblue.requests).toEqual([]);
    },
  );

  it('names what it did not understand', async () => {
    await start();
    const body = (await app.command('frobnicate +1 415 555 1234')).json();
    expect(text(body.blocks)).toContain('frobnicate');
    expect(body.response_type).toBe('ephemeral');
  });

  it('explains a number it cannot read', async () => {
    await start();
    const body = (await app.command('show 12345')).json();
    expect(text(body.blocks)).toContain('+1 415 555 1234');
    expect(app.sendblue.requests).toEqual([]);
  });
});

describe('/contactcard set', () => {
  it('opens a loading view at once, then prefills the form from the current card', async () => {
    await start();
    app.sendblue.profiles.set(number, { ...card, photoUrl: card.photoUrl });
    const form = await openForm();
    const loading = app.slack.callsTo('views.open')[0];
    expect(text(loading?.args.view)).toContain('Loading the current card');
    expect(app.slack.callsTo('views.update')[0]?.args.hash).toMatch(/^hash-/);
    const blocks = text(form.view.blocks);
    expect(blocks).toContain('"initial_value":"Jane"');
    expect(blocks).toContain('"initial_value":"Smith"');
    expect(blocks).toContain('"initial_value":"Jane at Acme"');
    expect(blocks).not.toContain(ids.blocks.number);
    // The Sendblue read came only after views.open.
    expect(app.sendblue.requests[0]?.method).toBe('GET');
  });

  it('gives up on a views.open Slack does not answer within the trigger window, and says so privately', async () => {
    await start();
    app.slack.on(
      'views.open',
      () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 6_000)),
    );
    const started = Date.now();
    await app.command(`set ${number}`, { responseId: 'slow-open' });
    const told = await app.slack.waitFor(
      () => app.slack.responsePosts.find((post) => post.path === '/response/slow-open'),
      5_000,
    );
    expect(JSON.stringify(told)).toContain('Slack did not open the card editor');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  describe('with a card the store knows', () => {
    const known = {
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada at Acme',
      photoUrl: 'https://example.com/ada.jpg',
    };
    const knownCard = async () => {
      await start();
      await app.services.store.rememberCard(number, known, 'U0ALICE');
    };
    const opened = () => text(app.slack.callsTo('views.open')[0]?.args.view);
    /** The known card, and `count` reads of other numbers (by `show`) that Sendblue holds unanswered. */
    const knownCardWithHeldReads = async (count: number) => {
      const others = Array.from({ length: count }, (_, i) => `+1415555${2000 + i}`);
      await start({ lines: [number, ...others] });
      await app.services.store.rememberCard(number, known, 'U0ALICE');
      for (const other of others) app.sendblue.hold(other);
      for (const other of others) await app.command(`show ${other}`);
      await app.sendblue.waitForRequests(Math.min(count, 16));
    };

    it('opens the form filled in at once (photo included) and, as Sendblue shows the same card, never updates it', async () => {
      await knownCard();
      app.sendblue.profiles.set(number, known);
      await app.command(`set ${number}`);
      await app.settle();
      for (const value of ['Ada', 'Lovelace', 'Ada at Acme', known.photoUrl]) {
        expect(opened()).toContain(`"initial_value":"${value}"`);
      }
      expect(opened()).toContain('being checked with Sendblue');
      expect(opened()).not.toContain('Loading');
      // One read of Sendblue, after the open; no views.update.
      expect(app.sendblue.requests.map((r) => r.method)).toEqual(['GET']);
      expect(app.slack.callsTo('views.update')).toEqual([]);
    });

    it('updates the form with Sendblue’s card, and says so, when it was changed outside contactcard', async () => {
      await knownCard();
      app.sendblue.profiles.set(number, { ...known, firstName: 'Grace', displayName: null });
      await app.command(`set ${number}`);
      await app.settle();
      const [update] = app.slack.callsTo('views.update');
      const view = text(update?.args.view);
      expect(view).toContain('changed outside contactcard');
      expect(view).toContain('"initial_value":"Grace"');
      expect(view).not.toContain('"initial_value":"Ada at Acme"');
      expect(view).toContain(`"initial_value":"${known.photoUrl}"`);
      // New block ids: Slack shows the new values instead of keeping the ones it opened with.
      expect(view).toContain(`${ids.blocks.firstName}_r1`);
      expect(update?.args.hash).toMatch(/^hash-/);
    });

    it('keeps the known card in the form when Sendblue cannot be read', async () => {
      await knownCard();
      app.slack.reset();
      app.sendblue.inject(number, faults.error(503, 'temporarily unavailable'));
      await app.command(`set ${number}`);
      await app.settle();
      const view = text(app.slack.callsTo('views.update')[0]?.args.view);
      expect(view).toContain('Could not read the current card');
      expect(view).toContain('The form shows the last card known to contactcard');
      expect(view).toContain(`"block_id":"${ids.blocks.firstName}"`);
    });

    it('says the card could not be checked because nothing was sent, when no connection to Sendblue frees up in time', async () => {
      // Sixteen reads Sendblue does not answer hold every connection the app has to it.
      await knownCardWithHeldReads(16);
      await app.command(`set ${number}`);
      await app.slack.waitFor(() => app.slack.callsTo('views.open')[0]);
      expect(opened()).toContain('"initial_value":"Ada"');
      // The editor's check gives up after 8 s of waiting for a connection.
      const update = await app.slack.waitFor(() => app.slack.callsTo('views.update')[0], 10_000);
      const view = text(update.args.view);
      expect(view).toContain('nothing reached Sendblue');
      expect(view).not.toContain('Sendblue took too long');
      expect(view).toContain('The form shows the last card known to contactcard');
      expect(view).toContain(`"block_id":"${ids.blocks.firstName}"`);
      expect(app.sendblue.requestsFor(number)).toEqual([]);
      app.sendblue.release();
      await app.settle();
    }, 20_000);

    it('does not check a filled-in form while requests to Sendblue are backed up, says so, and checks again once they are not', async () => {
      // Sixteen reads Sendblue does not answer hold every connection; a seventeenth waits for one.
      await knownCardWithHeldReads(17);
      // The one waiting has waited half the editor check's 8 s deadline.
      await new Promise((resolve) => setTimeout(resolve, 4_100));
      await app.command(`set ${number}`);
      await app.slack.waitFor(() => app.slack.callsTo('views.open')[0]);
      expect(opened()).toContain('"initial_value":"Ada"');
      expect(opened()).toContain('not checked with Sendblue now');
      expect(opened()).not.toContain('being checked with Sendblue');
      app.sendblue.release();
      await app.settle();
      expect(app.sendblue.requestsFor(number)).toEqual([]);
      expect(app.slack.callsTo('views.update')).toEqual([]);

      app.slack.reset();
      await app.command(`set ${number}`);
      await app.settle();
      expect(opened()).toContain('being checked with Sendblue');
      expect(app.sendblue.requestsFor(number)).toHaveLength(1);
    }, 20_000);

    it('says when Sendblue shows no card any more, and when it cannot be read, keeping the form', async () => {
      await knownCard();
      await app.command(`set ${number}`);
      await app.settle();
      expect(text(app.slack.callsTo('views.update')[0]?.args.view)).toContain('removed outside contactcard');

      // What that read saw is remembered: the next open starts from it, not from the card set here.
      app.slack.reset();
      app.sendblue.inject(number, faults.error(503, 'temporarily unavailable'));
      await app.command(`set ${number}`);
      await app.settle();
      expect(text(app.slack.callsTo('views.open')[0]?.args.view)).toContain(
        'Sendblue showed no card for this number',
      );
      const view = text(app.slack.callsTo('views.update')[0]?.args.view);
      expect(view).toContain('Could not read the current card');
      expect(view).not.toContain('The form shows the last card known to contactcard');
      expect(view).not.toContain(`"initial_value":"${known.firstName}"`);
      // The same block ids: what the person typed meanwhile stays.
      expect(view).toContain(`"block_id":"${ids.blocks.firstName}"`);
    });
  });

  it('opens the form with a number field when no number is given, without calling Sendblue', async () => {
    await start();
    const form = await openForm(null);
    expect(text(form.view.blocks)).toContain(ids.blocks.number);
    await app.settle();
    expect(app.sendblue.requests).toEqual([]);
    expect(app.slack.callsTo('views.update')).toEqual([]);
  });

  it.each([
    [403, 'does not own this phone number', false],
    [404, 'No active Sendblue number', false],
    [503, 'temporarily unavailable', true],
  ])(
    'says plainly when the state read answers %i (form offered: %s)',
    async (status, message, formOffered) => {
      await start();
      app.sendblue.inject(number, faults.error(status, message));
      const form = await openForm();
      expect(text(form.view.blocks)).toContain(
        status === 503 ? 'Could not read the current card' : 'cannot be edited',
      );
      expect(Boolean(form.view.submit)).toBe(formOffered);
    },
  );

  it('shows validation problems inside the modal and sends nothing to Sendblue', async () => {
    await start();
    const form = await openForm(null);
    const answer = await submit(form, {
      number: 'not a phone',
      firstName: '   ',
      lastName: '',
      photoUrl: 'http://example.com/jane.jpg',
      displayName: 'x'.repeat(65),
    });
    expect(answer.response_action).toBe('errors');
    const errors = answer.errors as Record<string, string>;
    expect(Object.keys(errors).sort()).toEqual(Object.values(ids.blocks).sort());
    expect(errors[ids.blocks.photoUrl]).toContain('https');
    expect(errors[ids.blocks.number]).toContain('+1 415 555 1234');
    await app.settle();
    expect(app.sendblue.requests).toEqual([]);
  });

  it('submits, shows progress, announces in the channel, and notifies the notify channel', async () => {
    await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    const form = await openForm();
    const answer = await submit(form, card);
    expect(answer.response_action).toBe('update');
    expect(text(answer.view)).toContain('Applying the card');
    await app.settle();

    const post = app.sendblue.requests.find((request) => request.method === 'POST');
    expect(post?.body).toEqual({ fromNumber: number, ...card });
    const announcement = app.slack.responsePosts.find((p) => p.body.response_type === 'in_channel');
    expect(announcement?.path).toBe('/response/cmd');
    const shown = text(announcement?.body.blocks);
    for (const expected of [
      '+1 415 555 1234',
      'Jane',
      'Smith',
      'Jane at Acme',
      '<@U0ALICE>',
      'submitted',
      card.photoUrl,
    ]) {
      expect(shown).toContain(expected);
    }
    expect(shown).not.toMatch(/\blive\b/i);
    expect(buttons(announcement?.body.blocks).map((b) => b.action_id)).toContain(ids.actions.edit);
    const notice = app.slack.callsTo('chat.postMessage').find((call) => call.args.channel === 'C0NOTIFY');
    expect(text(notice?.args.blocks)).toContain('updated the contact card of');
    expect(text(app.slack.callsTo('views.update').at(-1)?.args.view)).toContain('Card submitted');
  });

  it('posts the announcement without the photo when Slack cannot download it', async () => {
    await start();
    const form = await openForm();
    await submit(form, { ...card, photoUrl: `https://example.com/${unreachableImageMarker}.jpg` });
    await app.settle();
    const inChannel = app.slack.responsePosts.filter((p) => p.body.response_type === 'in_channel');
    expect(inChannel).toHaveLength(2);
    expect(text(inChannel[0]?.body.blocks)).toContain('"type":"image"');
    expect(text(inChannel[1]?.body.blocks)).not.toContain('"type":"image"');
    expect(text(inChannel[1]?.body.blocks)).toContain('Jane');
  });

  it('falls back to chat.postMessage when the response_url has expired', async () => {
    await start();
    app.slack.onResponseUrl(() => ({ status: 404, body: 'expired_url' }));
    const form = await openForm();
    await submit(form, card);
    await app.settle();
    const posted = app.slack.callsTo('chat.postMessage').find((call) => call.args.channel === 'C0CHANNEL');
    expect(text(posted?.args.blocks)).toContain('Jane');
  });

  it('keeps the change and tells the submitter privately when the notify channel refuses', async () => {
    await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    app.slack.on('chat.postMessage', (call) =>
      call.args.channel === 'C0NOTIFY' ? { ok: false, error: 'not_in_channel' } : { ok: true, ts: '1.1' },
    );
    const form = await openForm();
    await submit(form, card);
    await app.settle();
    expect(app.slack.responsePosts.some((p) => p.body.response_type === 'in_channel')).toBe(true);
    const privateNote = app.slack.responsePosts.find(
      (p) => p.body.response_type === 'ephemeral' && text(p.body).includes('not_in_channel'),
    );
    expect(text(privateNote?.body)).toContain('/invite');
  });

  it.each([
    [
      faults.error(500, 'Failed to download photo from photoUrl'),
      'Failed to download photo',
      'failed on the phone',
    ],
    [
      faults.error(403, 'Your account does not own this phone number'),
      'does not own this phone number',
      'does not own',
    ],
    [
      faults.error(404, 'No active Sendblue number found'),
      'No active Sendblue number found',
      'no active number',
    ],
    [faults.error(503, 'Device offline'), 'Device offline', 'temporarily unavailable'],
  ])(
    'reports a Sendblue refusal privately with its meaning and a Try again button (%#)',
    async (fault, said, meaning) => {
      await start();
      const form = await openForm();
      app.sendblue.inject(number, fault);
      await submit(form, card);
      await app.settle();
      expect(app.slack.responsePosts.filter((p) => p.body.response_type === 'in_channel')).toEqual([]);
      const failure = app.slack.responsePosts.find((p) => p.body.response_type === 'ephemeral');
      const shown = text(failure?.body);
      expect(shown).toContain(said);
      expect(shown.toLowerCase()).toContain(meaning.toLowerCase());
      expect(shown).not.toMatch(/at .*\.ts:\d+|"status":"ERROR"/);
      const retry = buttons(failure?.body.blocks).find((b) => b.action_id === ids.actions.tryAgain);
      expect(JSON.parse(retry?.value ?? '{}')).toMatchObject({ number, ...card });
      // The open modal went back to the form with what was typed.
      expect(text(app.slack.callsTo('views.update').at(-1)?.args.view)).toContain(
        '"initial_value":"Jane at Acme"',
      );
    },
  );

  it('retries a persistent 503 before reporting it', async () => {
    await start();
    const form = await openForm();
    app.sendblue.inject(number, faults.error(503, 'Device offline'));
    await submit(form, card);
    await app.settle();
    expect(app.sendblue.requests.filter((request) => request.method === 'POST')).toHaveLength(4);
  });

  it('reopens the modal with the typed values from Try again', async () => {
    await start();
    const draft = JSON.stringify({ number, ...card, displayName: 'Typed before' });
    const response = await app.interact(
      buttonClick(ids.actions.tryAgain, draft, { responseUrl: app.slack.responseUrl('retry') }),
    );
    expect(response.status).toBe(200);
    const opened = await app.slack.waitFor(() => app.slack.callsTo('views.open')[0]);
    const view = text(opened.args.view);
    expect(view).toContain('"initial_value":"Typed before"');
    expect(view).toContain(`"initial_value":"${card.photoUrl}"`);
    await app.settle();
    expect(app.sendblue.requests).toEqual([]);
  });

  it('tells the person privately when Slack refuses an expired trigger', async () => {
    await start();
    const old = buttonClick(ids.actions.edit, number, { responseUrl: app.slack.responseUrl('old') });
    old.trigger_id = `trigger-${Date.now() - 4_000}`;
    await app.interact(old);
    const note = await app.slack.waitFor(() =>
      app.slack.responsePosts.find((p) => p.path === '/response/old'),
    );
    expect(text(note.body)).toContain('expired_trigger_id');
  });
});

describe('/contactcard show and delete', () => {
  it('shows the current card privately with Edit and Delete', async () => {
    await start();
    app.sendblue.profiles.set(number, { ...card });
    const ack = (await app.command('status (415) 555-1234')).json();
    expect(text(ack)).toContain('Looking up');
    await app.settle();
    const shown = app.slack.responsePosts.at(-1)?.body;
    expect(shown?.response_type).toBe('ephemeral');
    expect(text(shown?.blocks)).toContain('Jane at Acme');
    expect(buttons(shown?.blocks).map((b) => b.action_id)).toEqual([ids.actions.edit, ids.actions.delete]);
  });

  it('deletes only after the confirmed click, replacing the prompt and announcing it', async () => {
    await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    app.sendblue.profiles.set(number, { ...card });
    const prompt = (await app.command('remove +1 415 555 1234')).json();
    const deleteButton = buttons(prompt.blocks).find((b) => b.action_id === ids.actions.delete);
    expect(deleteButton?.confirm).toBeDefined();
    await app.settle();
    expect(app.sendblue.requests).toEqual([]);

    const click = buttonClick(ids.actions.delete, deleteButton?.value ?? '', {
      responseUrl: app.slack.responseUrl('prompt'),
    });
    expect((await app.interact(click)).status).toBe(200);
    await app.settle();
    expect(app.sendblue.requests.map((r) => [r.method, r.body])).toEqual([
      ['DELETE', { fromNumber: number }],
    ]);
    const replaced = app.slack.responsePosts.filter((p) => p.body.replace_original === true);
    expect(text(replaced.at(-1)?.body)).toContain('Deleted the contact card');
    expect(text(app.slack.responsePosts.find((p) => p.body.response_type === 'in_channel')?.body)).toContain(
      'deleted',
    );
    expect(app.slack.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0NOTIFY')).toBe(true);
  });

  it('replaces the prompt with the reason when the delete fails', async () => {
    await start();
    app.sendblue.inject(number, faults.error(403, 'Your account does not own this phone number'));
    await app.interact(
      buttonClick(ids.actions.delete, number, { responseUrl: app.slack.responseUrl('prompt') }),
    );
    await app.settle();
    const outcome = app.slack.responsePosts.at(-1)?.body;
    expect(outcome?.replace_original).toBe(true);
    expect(text(outcome)).toContain('does not own');
    expect(app.slack.responsePosts.some((p) => p.body.response_type === 'in_channel')).toBe(false);
  });
});

describe('sandbox mode', () => {
  it('labels every message and modal as a sandbox and changes nothing real', async () => {
    await start({ sandbox: true });
    expect(text((await app.command('help')).json())).toContain('Sandbox');
    const form = await openForm();
    expect(text(form.view)).toContain('Sandbox');
    await submit(form, card);
    await app.settle();
    const announcement = app.slack.responsePosts.find((p) => p.body.response_type === 'in_channel');
    expect(String(announcement?.body.text)).toMatch(/^\[Sandbox\]/);
    expect(text(announcement?.body.blocks)).toContain('no real number was changed');
    expect(app.sendblue.requests).toEqual([]);
  });
});

describe('ordering: Sendblue never sits in front of Slack', () => {
  it('acks the command, opens the modal and acks the submission while Sendblue holds every reply', async () => {
    await start();
    app.sendblue.hold();
    let sendblueRequestsAtOpen = -1;
    app.slack.on('views.open', (call) => {
      sendblueRequestsAtOpen = app.sendblue.requests.length;
      return { ok: true, view: { ...(call.args.view as object), id: 'V1', hash: 'h1' } };
    });
    const ack = await app.command(`set ${number}`);
    expect(ack.status).toBe(200);
    const opened = await app.slack.waitFor(() => app.slack.callsTo('views.open')[0]);
    await app.sendblue.waitForRequests(1);
    expect(app.sendblue.held()).toBe(1);
    expect(sendblueRequestsAtOpen).toBe(0);

    const answer = await app.interact(
      viewSubmission(
        { id: 'V1', private_metadata: (opened.args.view as { private_metadata: string }).private_metadata },
        formValues(card),
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.json().response_action).toBe('update');
    await app.sendblue.waitForRequests(2);
    expect(app.sendblue.held()).toBe(2);
    expect(app.slack.responsePosts).toEqual([]);
    app.sendblue.release();
    await app.settle();
    expect(app.slack.responsePosts.some((p) => p.body.response_type === 'in_channel')).toBe(true);
  });
});
