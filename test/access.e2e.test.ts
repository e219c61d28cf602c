import { afterEach, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { faults, LINES } from './fakes/fake-sendblue.js';
import { buttonClick, formValues, modalOf, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

const number = '+14155551234';
const otherLine = '+14155550100';
const admin = 'U0ADMIN';
const owner = 'U0OWNER';
const other = 'U0OTHER';
const card = {
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/jane.jpg',
  displayName: 'Jane at Acme',
};

let app: TestApp;
async function start(options: TestAppOptions = {}) {
  app = await startTestApp(options);
  return app;
}
afterEach(() => app?.stop());

const text = (value: unknown) => JSON.stringify(value);
const contactSharing = () => app.sendblue.requests.filter((r) => r.path.includes('contact-sharing'));

async function closedModeWithOwner() {
  await start({ env: { CONTACTCARD_ADMINS: admin } });
  const assigned = await app.command(`assign +1 415 555 1234 <@${owner}|owner>`, { user: admin });
  expect(assigned.status).toBe(200);
  await app.settle();
  app.slack.reset();
}

function metadataFor(target: string) {
  return JSON.stringify({
    number: target,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl('modal'),
  });
}

/** What the person saw: acks they got and everything posted to them through response_url. */
let seen = '';
const saw = (value: unknown) => {
  seen += text(value);
};

/** Each entry point, and how to tell whether it let the person through. */
const entryPoints: Record<string, (user: string) => Promise<boolean>> = {
  'command set': async (user) => {
    const ack = await app.command(`set ${number}`, { user });
    saw(ack.text);
    await app.settle();
    return !ack.text.includes('no_entry') && app.slack.callsTo('views.open').length === 1;
  },
  'command delete': async (user) => {
    const ack = await app.command(`delete ${number}`, { user });
    saw(ack.text);
    return text(ack.json()).includes(ids.actions.delete);
  },
  'modal submission': async (user) => {
    const answer = await app.interact(
      viewSubmission({ id: 'V9', private_metadata: metadataFor(number) }, formValues(card), user),
    );
    saw(answer.text);
    await app.settle();
    const applied = text(answer.json()).includes('Applying');
    expect(applied).toBe(contactSharing().some((r) => r.method === 'POST'));
    return applied;
  },
  'Edit button': async (user) => {
    await app.interact(
      buttonClick(ids.actions.edit, number, { user, responseUrl: app.slack.responseUrl('msg') }),
    );
    await app.settle();
    return app.slack.callsTo('views.open').length === 1;
  },
  'Delete button': async (user) => {
    await app.interact(
      buttonClick(ids.actions.delete, number, { user, responseUrl: app.slack.responseUrl('msg') }),
    );
    await app.settle();
    return contactSharing().some((r) => r.method === 'DELETE');
  },
  'Try again button': async (user) => {
    const draft = JSON.stringify({ number, ...card });
    await app.interact(
      buttonClick(ids.actions.tryAgain, draft, { user, responseUrl: app.slack.responseUrl('msg') }),
    );
    await app.settle();
    return app.slack.callsTo('views.open').length === 1;
  },
};

describe('authorization matrix (closed mode: an admin is configured)', () => {
  for (const [entry, attempt] of Object.entries(entryPoints)) {
    for (const [role, user, allowed] of [
      ['admin', admin, true],
      ['owner', owner, true],
      ['someone else', other, false],
    ] as const) {
      it(`${entry} by ${role}: ${allowed ? 'allowed' : 'refused privately, naming who can help'}`, async () => {
        await closedModeWithOwner();
        seen = '';
        expect(await attempt(user)).toBe(allowed);
        saw(app.slack.responsePosts.map((post) => post.body));
        expect(seen.includes('no_entry')).toBe(!allowed);
        if (!allowed) {
          expect(seen).toContain(`<@${owner}>`);
          expect(contactSharing()).toEqual([]);
        }
      });
    }
  }

  it('names the owners in a refusal for an assigned number', async () => {
    await closedModeWithOwner();
    const ack = await app.command(`delete ${number}`, { user: other });
    expect(text(ack.json())).toContain(`<@${owner}>`);
    expect(ack.json().response_type).toBe('ephemeral');
  });

  it('refuses a submission when the right was revoked while the modal was open', async () => {
    await closedModeWithOwner();
    await app.command(`set ${number}`, { user: owner });
    await app.settle();
    const form = app.slack.callsTo('views.update').at(-1);
    await app.command(`unassign ${number} <@${owner}>`, { user: admin });
    await app.settle();
    const answer = await app.interact(viewSubmission(modalOf(form), formValues(card), owner));
    expect(text(answer.json())).toContain('no_entry');
    await app.settle();
    expect(contactSharing().filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('lets everyone show a card', async () => {
    await closedModeWithOwner();
    app.sendblue.profiles.set(number, { ...card });
    await app.command(`show ${number}`, { user: other });
    await app.settle();
    expect(text(app.slack.responsePosts.at(-1)?.body)).toContain('Contact card of');
  });

  it('only admins assign; the assignment is announced and recorded', async () => {
    await closedModeWithOwner();
    const refused = await app.command(`assign ${otherLine} <@${other}>`, { user: owner });
    expect(text(refused.json())).toContain('Only an admin');
    await app.command(`assign ${otherLine} <@${other}|other>`, { user: admin });
    await app.settle();
    expect(text(app.slack.responsePosts.find((p) => p.body.response_type === 'in_channel')?.body)).toContain(
      `assigned +1 415 555 0100 to <@${other}>`,
    );
    const history = await app.command(`history ${otherLine}`, { user: admin });
    expect(text(history.json())).toContain(`assigned it to <@${other}>`);
  });
});

describe('CONTACTCARD_ADMIN_GROUP', () => {
  it('makes the group’s members admins (resolved with usergroups.users.list, cached)', async () => {
    await start({ env: { CONTACTCARD_ADMIN_GROUP: 'S0ADMINS' } });
    const assigned = await app.command(`assign ${number} <@${owner}>`, { user: 'U0GROUPADMIN' });
    expect(assigned.text).toBe('');
    await app.settle();
    expect(await app.services.store.ownersOf(number)).toEqual([owner]);
    const refused = await app.command(`assign ${otherLine} <@${owner}>`, { user: other });
    expect(text(refused.json())).toContain('<@U0GROUPADMIN>');
    expect(app.slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('keeps working, without group admins, when the group cannot be read', async () => {
    await start({ env: { CONTACTCARD_ADMIN_GROUP: 'S0MISSING', CONTACTCARD_ADMINS: admin } });
    const help = await app.command('help', { user: other });
    expect(text(help.json())).toContain(`<@${admin}>`);
    const refused = await app.command(`delete ${number}`, { user: 'U0GROUPADMIN' });
    expect(text(refused.json())).toContain('no_entry');
  });
});

describe('open mode: no admin and no assignment', () => {
  it('lets everyone change every number, and says so in help', async () => {
    await start();
    const help = await app.command('help', { user: other });
    expect(text(help.json())).toContain('Open mode');
    expect(await entryPoints['modal submission']?.(other)).toBe(true);
  });

  it('refuses to assign without an admin, explaining how to configure one', async () => {
    await start();
    const ack = await app.command(`assign ${number} <@${owner}>`, { user: other });
    expect(text(ack.json())).toContain('CONTACTCARD_ADMINS');
  });
});

describe('/contactcard set without a number', () => {
  it('opens the owner’s only number directly', async () => {
    await closedModeWithOwner();
    await app.command('set', { user: owner });
    await app.settle();
    expect(text(app.slack.callsTo('views.open')[0]?.args.view)).toContain('Loading the current card');
  });

  it('offers a select of the owner’s numbers when they own several', async () => {
    await closedModeWithOwner();
    await app.command(`assign ${otherLine} <@${owner}>`, { user: admin });
    await app.settle();
    await app.command('set', { user: owner });
    await app.settle();
    const view = text(app.slack.callsTo('views.open').at(-1)?.args.view);
    expect(view).toContain('static_select');
    expect(view).toContain(otherLine);
    expect(view).toContain(number);
  });

  it('offers admins a select of the account’s lines', async () => {
    await closedModeWithOwner();
    await app.command('set', { user: admin });
    await app.settle();
    const view = text(app.slack.callsTo('views.open').at(-1)?.args.view);
    expect(view).toContain('static_select');
    expect(view).toContain('+14155550100');
  });

  it('tells someone with no number who the admins are', async () => {
    await closedModeWithOwner();
    const ack = await app.command('set', { user: other });
    expect(text(ack.json())).toContain(`<@${admin}>`);
    expect(app.slack.callsTo('views.open')).toEqual([]);
  });
});

describe('the account’s lines', () => {
  it('refuses a typed number the account does not have, before any contact-sharing call', async () => {
    await start();
    const ack = await app.command('set +1 212 736 5000');
    expect(text(ack.json())).toContain('has no number +1 212 736 5000');
    await app.settle();
    expect(app.slack.callsTo('views.open')).toEqual([]);
    expect(contactSharing()).toEqual([]);
    const fixed = await app.interact(
      viewSubmission({ id: 'V1', private_metadata: metadataFor('+12127365000') }, formValues(card)),
    );
    expect(fixed.json().response_action).toBe('update');
    expect(text(fixed.json())).toContain('has no number +1 212 736 5000');
    const typed = await app.interact(
      viewSubmission(
        { id: 'V2', private_metadata: JSON.stringify({ channel: 'C0CHANNEL' }) },
        formValues({ ...card, number: '(212) 736-5000' }),
      ),
    );
    expect(typed.json()).toMatchObject({
      response_action: 'errors',
      errors: { [ids.blocks.number]: expect.stringContaining('has no number') },
    });
    await app.settle();
    expect(contactSharing()).toEqual([]);
  });

  it('falls back to typed numbers when the lines endpoint is unavailable', async () => {
    await start({ lines: null });
    expect(app.services.lines.numbers()).toBeUndefined();
    await app.command('set +1 212 736 5000');
    await app.settle();
    expect(app.slack.callsTo('views.open')).toHaveLength(1);
  });

  it('keeps the last good list when a refresh fails', async () => {
    await start();
    app.sendblue.inject(LINES, faults.error(500, 'boom'));
    await app.services.lines.refresh();
    expect(app.services.lines.mayHave('+12127365000')).toBe(false);
    expect(app.services.lines.numbers()).toContain(number);
  });
});

/** Submits a card for `number` from its own modal, answering on response_url `/response/<id>`. */
function submitCard(id: string, typed: Parameters<typeof formValues>[0], user = 'U0ALICE') {
  const metadata = JSON.stringify({ number, channel: 'C0CHANNEL', responseUrl: app.slack.responseUrl(id) });
  return app.interact(viewSubmission({ id: `V-${id}`, private_metadata: metadata }, formValues(typed), user));
}

describe('per-number queue', () => {
  it('applies 20 concurrent submissions for one number one at a time; each submitter hears back; the last wins', async () => {
    await start();
    app.sendblue.inject(number, faults.latency(5));
    const submissions = Array.from({ length: 20 }, (_, i) =>
      submitCard(`s${i}`, { ...card, displayName: `Version ${i}` }, `U0USER${i}`),
    );
    expect((await Promise.all(submissions)).every((r) => r.status === 200)).toBe(true);
    await app.settle();
    expect(app.sendblue.maxInFlight(number)).toBe(1);
    const heardBack = new Set(
      app.slack.responsePosts.filter((p) => p.body.response_type === 'in_channel').map((p) => p.path),
    );
    expect(heardBack.size).toBe(20);
    const history = await app.services.store.history(number, 20);
    expect(history).toHaveLength(20);
    expect(history.every((entry) => entry.outcome === 'ok')).toBe(true);
    expect(app.sendblue.profiles.get(number)?.displayName).toBe(history[0]?.after?.displayName);
  });

  it('tells a second submitter that theirs waits behind another change', async () => {
    await start();
    app.sendblue.hold(number);
    const submit = (i: number) => submitCard(`q${i}`, card);
    await submit(1);
    await app.sendblue.waitForRequests(1);
    await submit(2);
    const waiting = await app.slack.waitFor(() =>
      app.slack.responsePosts.find((p) => p.path === '/response/q2'),
    );
    expect(text(waiting.body)).toContain('runs right after it');
    app.sendblue.release(number);
    await app.settle();
  });
});

describe('audit trail and last known card', () => {
  it('records a double submission of the same view once and tells the person', async () => {
    await start();
    const payload = viewSubmission({ id: 'VDUP', private_metadata: metadataFor(number) }, formValues(card));
    await Promise.all([app.interact(payload), app.interact(payload)]);
    await app.settle();
    expect(contactSharing().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await app.services.store.history(number)).toHaveLength(1);
    expect(text(app.slack.responsePosts)).toContain('already submitted');
  });

  it('records failures with Sendblue’s status and message, and prefills the photo from the last card', async () => {
    await start();
    await app.interact(viewSubmission({ id: 'V1', private_metadata: metadataFor(number) }, formValues(card)));
    await app.settle();
    app.sendblue.inject(number, faults.error(500, 'Failed to download photo', 1));
    await app.interact(
      viewSubmission(
        { id: 'V2', private_metadata: metadataFor(number) },
        formValues({ ...card, photoUrl: 'https://example.com/x.png' }),
      ),
    );
    await app.settle();
    const [failed, ok] = await app.services.store.history(number);
    expect(failed).toMatchObject({
      action: 'set',
      outcome: 'failed',
      status: 500,
      message: 'Failed to download photo',
    });
    expect(ok).toMatchObject({
      action: 'set',
      outcome: 'ok',
      actorId: 'U0ALICE',
      after: { photoUrl: card.photoUrl },
    });
    expect(ok?.durationMs).toBeGreaterThanOrEqual(0);

    // The store knows the last card: the form opens filled in with it (photo included), and as
    // Sendblue shows the same card, it is not updated.
    app.slack.reset();
    await app.command(`set ${number}`);
    await app.settle();
    expect(text(app.slack.callsTo('views.open').at(-1)?.args.view)).toContain(
      `"initial_value":"${card.photoUrl}"`,
    );
    expect(app.slack.callsTo('views.update')).toEqual([]);
    const history = await app.command(`history ${number}`);
    expect(text(history.json())).toContain('failed (500)');
  });

  it('shows what changed, field by field, in the notify channel', async () => {
    await start({ env: { CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY' } });
    await app.interact(viewSubmission({ id: 'V1', private_metadata: metadataFor(number) }, formValues(card)));
    await app.settle();
    await app.interact(
      viewSubmission(
        { id: 'V2', private_metadata: metadataFor(number) },
        formValues({ ...card, firstName: 'Janet' }),
      ),
    );
    await app.settle();
    const notices = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY');
    const last = text(notices.at(-1)?.args.blocks);
    expect(last).toContain('*First name:* Jane → Janet');
    expect(last).not.toContain('Last name');
  });
});

describe('/contactcard list', () => {
  it('shows admins every known number with its owners and card, and owners only theirs', async () => {
    await closedModeWithOwner();
    app.sendblue.profiles.set(number, { ...card, displayName: card.displayName });
    await app.command('list', { user: admin });
    await app.settle();
    const adminView = text(app.slack.responsePosts.at(-1)?.body);
    expect(adminView).toContain('+1 415 555 0100');
    expect(adminView).toContain(`<@${owner}>`);
    expect(adminView).toContain('Jane at Acme');
    await app.command('list', { user: owner });
    await app.settle();
    const ownerView = text(app.slack.responsePosts.at(-1)?.body);
    expect(ownerView).toContain('+1 415 555 1234');
    expect(ownerView).not.toContain('+1 415 555 0100');
  });
});

describe('assignments that change nothing', () => {
  it('says privately that the person already owns the number, or that nobody does', async () => {
    await closedModeWithOwner();
    await app.command(`assign ${number} <@${owner}>`, { user: admin });
    await app.command(`unassign ${otherLine}`, { user: admin });
    await app.settle();
    const notes = app.slack.responsePosts.map((post) => text(post.body));
    expect(notes.some((note) => note.includes(`<@${owner}> already owns +1 415 555 1234`))).toBe(true);
    expect(notes.some((note) => note.includes('Nobody owns +1 415 555 0100'))).toBe(true);
    expect(app.slack.responsePosts.every((post) => post.body.response_type === 'ephemeral')).toBe(true);
  });
});
