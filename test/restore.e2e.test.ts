import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { buttonClick, formValues, modalOf, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// One-click restore through the real app: history shows a Restore button on each card that was
// set, the button opens the editor filled in with that card (photo included), and submitting puts it back.

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: 'U0ALICE' } });
});
afterAll(() => app.stop());

const first = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  photoUrl: 'https://example.com/ada.jpg',
  displayName: 'Ada at Acme',
};
const second = {
  firstName: 'Grace',
  lastName: 'Hopper',
  photoUrl: 'https://example.com/grace.jpg',
  displayName: null,
};

async function setCard(card: typeof first | typeof second, reply: string) {
  const metadata = encodeMetadata({
    number: sampleNumber,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(reply),
  });
  await app.interact(viewSubmission({ id: `V${reply}`, private_metadata: metadata }, formValues(card)));
  await app.settle();
}

type Block = { type: string; text?: { text: string }; accessory?: { action_id?: string; value?: string } };

describe('restore', () => {
  it('history offers Restore on each card that was set; it opens the editor with that card, and submitting puts it back', async () => {
    await setCard(first, 'first');
    await setCard(second, 'second');
    const history = (await app.command(`history ${sampleNumber}`)).json() as { blocks: Block[] };
    const restores = history.blocks.filter((block) => block.accessory?.action_id === ids.actions.restore);
    expect(restores).toHaveLength(2);
    const adaButton = restores.find((block) => block.text?.text.includes('Ada'));
    expect(adaButton).toBeDefined();

    const opens = app.slack.callsTo('views.open').length;
    const click = await app.interact(
      buttonClick(ids.actions.restore, adaButton?.accessory?.value ?? '', {
        responseUrl: app.slack.responseUrl('restore'),
      }),
    );
    expect(click.status).toBe(200);
    await app.settle();
    const opened = app.slack.callsTo('views.open').slice(opens)[0];
    const form = JSON.stringify(opened?.args.view);
    for (const value of ['Ada', 'Lovelace', 'https://example.com/ada.jpg', 'Ada at Acme'])
      expect(form).toContain(value);

    const modal = modalOf(opened);
    const before = app.sendblue.requests.length;
    await app.interact(
      viewSubmission({ id: 'Vrestored', private_metadata: modal.private_metadata }, formValues(first)),
    );
    await app.settle();
    const posted = app.sendblue.requests.slice(before).find((request) => request.method === 'POST');
    expect(posted?.body).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      photoUrl: 'https://example.com/ada.jpg',
    });
    expect((await app.services.store.lastKnownCard(sampleNumber))?.firstName).toBe('Ada');
  });

  it('checks the clicker’s rights, and refuses a tampered or forgotten change privately', async () => {
    const entry = (await app.services.store.history(sampleNumber, 1))[0];
    const opens = app.slack.callsTo('views.open').length;
    const value = JSON.stringify({ number: sampleNumber, change: entry?.id });
    await app.interact(
      buttonClick(ids.actions.restore, value, {
        responseUrl: app.slack.responseUrl('stranger'),
        user: 'U0STRANGER',
      }),
    );
    await app.settle();
    expect(
      JSON.stringify(app.slack.responsePosts.filter((post) => post.path === '/response/stranger')),
    ).toContain('<@U0ALICE>');

    await app.interact(
      buttonClick(ids.actions.restore, JSON.stringify({ number: sampleNumber, change: 999_999 }), {
        responseUrl: app.slack.responseUrl('gone'),
      }),
    );
    await app.interact(
      buttonClick(ids.actions.restore, '{"number":"nope"}', { responseUrl: app.slack.responseUrl('junk') }),
    );
    await app.settle();
    expect(
      JSON.stringify(app.slack.responsePosts.filter((post) => post.path === '/response/gone')),
    ).toContain('cannot be restored');
    expect(app.slack.callsTo('views.open').length).toBe(opens);
  });
});
