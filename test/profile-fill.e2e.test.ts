import type { KnownBlock } from '@slack/types';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, refillable } from '../src/slack/views/ids.js';
import {
  allowLoopbackPorts,
  startTlsServer,
  type TestServer,
  testResolver,
  tlsCert,
} from './fixtures/photo/helpers.js';
import { phonePhoto } from './helpers/images.js';
import { modalOf, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// "Fill from a Slack profile" through the real app: users.info from the fake Slack, views.update
// of the open modal with new block ids, then a submission of what was filled in.

/** The card modal as the fake Slack last received it (views.open or views.update). */
function lastModal(app: TestApp) {
  const call = app.slack.calls.filter((c) => c.method === 'views.update' || c.method === 'views.open').at(-1);
  const view = call?.args.view as { blocks: KnownBlock[]; private_metadata: string };
  return { call, view, id: String(call?.args.view_id ?? 'V1') };
}

async function openForm(app: TestApp) {
  await app.command(`set ${sampleNumber}`);
  await app.settle();
  return lastModal(app);
}

function pick(app: TestApp, form: ReturnType<typeof lastModal>, userId: string) {
  return app.interact({
    type: 'block_actions',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEST' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${Date.now()}`,
    container: { type: 'view', view_id: form.id },
    view: {
      id: form.id,
      hash: `hash-${form.id}`,
      type: 'modal',
      callback_id: ids.cardModal,
      title: { type: 'plain_text', text: 'Contact card' },
      private_metadata: form.view.private_metadata,
      blocks: form.view.blocks,
      state: { values: {} },
    },
    actions: [
      {
        type: 'users_select',
        action_id: ids.actions.fillFromProfile,
        block_id: ids.profilePicker,
        selected_user: userId,
        action_ts: '1',
      },
    ],
  });
}

const initial = (blocks: KnownBlock[], blockId: string) =>
  (blocks.find((block) => block.block_id === blockId) as { element?: { initial_value?: string } } | undefined)
    ?.element?.initial_value;

describe('fill from a Slack profile, without hosting', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('fills first and last name and the profile photo’s own link, with new block ids, then submits them', async () => {
    const form = await openForm(app);
    expect(JSON.stringify(form.view)).toContain('users_select');
    expect((await pick(app, form, 'U0JANE')).status).toBe(200);
    await app.settle();
    const filled = lastModal(app);
    expect(app.slack.callsTo('users.info').at(-1)?.args.user).toBe('U0JANE');
    expect(initial(filled.view.blocks, refillable(ids.blocks.firstName, 1))).toBe('Jane');
    expect(initial(filled.view.blocks, refillable(ids.blocks.lastName, 1))).toBe('Doe');
    expect(initial(filled.view.blocks, refillable(ids.blocks.photoUrl, 1))).toBe(
      'https://avatars.example.test/jane-original.jpg',
    );
    expect(JSON.stringify(filled.view.blocks)).toContain('<@U0JANE>');

    // The person submits what was filled in (Slack sends the state under the new ids).
    const value = (type: string, v: string | null) => ({ type, value: v });
    const values = {
      [refillable(ids.blocks.firstName, 1)]: { [ids.inputs.firstName]: value('plain_text_input', 'Jane') },
      [refillable(ids.blocks.lastName, 1)]: { [ids.inputs.lastName]: value('plain_text_input', 'Doe') },
      [refillable(ids.blocks.photoUrl, 1)]: {
        [ids.inputs.photoUrl]: value('url_text_input', 'https://avatars.example.test/jane-original.jpg'),
      },
      [ids.blocks.displayName]: { [ids.inputs.displayName]: value('plain_text_input', null) },
    };
    const before = app.sendblue.requests.length;
    await app.interact(
      viewSubmission({ id: filled.id, private_metadata: filled.view.private_metadata }, values),
    );
    await app.settle();
    const posted = app.sendblue.requests.slice(before).find((request) => request.method === 'POST');
    expect(posted?.body).toMatchObject({
      firstName: 'Jane',
      lastName: 'Doe',
      photoUrl: 'https://avatars.example.test/jane-original.jpg',
    });
  });

  it('splits a real name, and says there is no photo to take for Slack’s default avatar', async () => {
    const form = await openForm(app);
    await pick(app, form, 'U0BOB');
    await app.settle();
    const filled = lastModal(app);
    expect(initial(filled.view.blocks, refillable(ids.blocks.firstName, 1))).toBe('Bob');
    expect(initial(filled.view.blocks, refillable(ids.blocks.lastName, 1))).toBe('van der Berg');
    expect(initial(filled.view.blocks, refillable(ids.blocks.photoUrl, 1))).toBeUndefined();
    expect(JSON.stringify(filled.view.blocks)).toContain('no photo to take');
  });

  it('says so when the profile cannot be read, and names who can help', async () => {
    const form = await openForm(app);
    await pick(app, form, 'U0NOBODY');
    await app.settle();
    expect(JSON.stringify(lastModal(app).view.blocks)).toContain('users:read');
  });
});

describe('fill from a Slack profile, with hosting', () => {
  let app: TestApp;
  let images: TestServer;
  beforeAll(async () => {
    const photo = await phonePhoto(1200, 900);
    images = await startTlsServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(photo.length) });
      res.end(photo);
    });
    app = await startTestApp({
      env: { CONTACTCARD_PHOTO_CHECK: 'true', CONTACTCARD_PUBLIC_URL: 'https://cards.example.test' },
      photos: {
        ca: tlsCert,
        resolve: testResolver({ 'photos.test': ['127.0.0.1'] }),
        policy: allowLoopbackPorts(images.port),
      },
    });
    app.slack.on('users.info', () => ({
      ok: true,
      user: {
        id: 'U0JANE',
        profile: {
          first_name: 'Jane',
          last_name: 'Doe',
          is_custom_image: true,
          image_original: `https://photos.test:${images.port}/jane.jpg`,
        },
      },
    }));
  });
  afterAll(async () => {
    await app.stop();
    await images.close();
  });

  it('processes and hosts the profile image like an upload', async () => {
    const form = await openForm(app);
    await pick(app, form, 'U0JANE');
    await app.settle();
    const filled = lastModal(app);
    const url = initial(filled.view.blocks, refillable(ids.blocks.photoUrl, 1)) ?? '';
    expect(url).toMatch(/^https:\/\/cards\.example\.test\/photos\/[A-Za-z0-9_-]{24}\.jpg$/);
    expect(JSON.stringify(filled.view.blocks)).toContain('converted to a square JPEG');
    const served = await fetch(`${app.url}${url.slice('https://cards.example.test'.length)}`);
    const metadata = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 900, height: 900 });
    expect(metadata.exif).toBeUndefined();
    expect(modalOf(filled.call).id).toBe(form.id);
  });
});
