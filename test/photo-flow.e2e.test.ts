import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { unreachableImageMarker } from './fakes/fake-slack.js';
import {
  allowLoopbackPorts,
  jpegHeader,
  startTlsServer,
  type TestServer,
  testResolver,
  tlsCert,
} from './fixtures/photo/helpers.js';
import { formValues, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const number = '+14155551234';
const card = { firstName: 'Jane', lastName: 'Smith', displayName: 'Jane at Acme' };

let app: TestApp;
let images: TestServer;
let releaseSlow: () => void = () => {};

beforeEach(async () => {
  const jpeg = jpegHeader(400, 400);
  // https with a test certificate for photos.test: the modal refuses plain http links.
  images = await startTlsServer((req, res) => {
    if (req.url === '/slow.jpg') {
      releaseSlow = () => res.destroy();
      return;
    }
    if (req.url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Drive</body></html>');
      return;
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(jpeg.length) });
    res.end(jpeg);
  });
  app = await startTestApp({
    env: { CONTACTCARD_PHOTO_CHECK: 'true' },
    photos: {
      ca: tlsCert,
      resolve: testResolver({ 'photos.test': ['127.0.0.1'] }),
      policy: allowLoopbackPorts(images.port),
      budgetMs: 500,
    },
  });
});
afterEach(async () => {
  releaseSlow();
  await app.stop();
  await images.close();
});

const photo = (path: string) => `https://photos.test:${images.port}${path}`;
const text = (value: unknown) => JSON.stringify(value);

/** Opens the form for `number` and returns the modal as Slack would hold it. */
async function openForm() {
  await app.command(`set ${number}`);
  const form = await app.slack.waitFor(() => app.slack.callsTo('views.update')[0]);
  const view = form.args.view as Record<string, unknown> & { private_metadata: string };
  return { ...view, id: String(form.args.view_id), hash: 'h1' };
}

/** The person pastes a link into the Photo URL input (dispatch_action). */
function pastePhoto(view: Record<string, unknown>, url: string) {
  return app.interact({
    type: 'block_actions',
    user: { id: 'U0ALICE' },
    team: { id: 'T0TEST' },
    api_app_id: 'A0APP',
    trigger_id: `trigger-${Date.now()}`,
    container: { type: 'view', view_id: view.id },
    view: { ...view, state: { values: {} } },
    actions: [
      {
        type: 'url_text_input',
        action_id: ids.inputs.photoUrl,
        block_id: ids.blocks.photoUrl,
        value: url,
        action_ts: '1',
      },
    ],
  });
}

const lastModal = () => app.slack.callsTo('views.update').at(-1)?.args.view;

describe('photo link check in the modal', () => {
  it('shows a preview with the image size once a good link is pasted', async () => {
    const form = await openForm();
    expect((await pastePhoto(form, photo('/jane.jpg'))).status).toBe(200);
    await app.settle();
    const modal = text(lastModal());
    expect(modal).toContain('"type":"image"');
    expect(modal).toContain(photo('/jane.jpg'));
    expect(modal).toContain('400×400 JPEG');
    // The inputs keep their ids, so Slack keeps what was typed.
    expect(modal).toContain(ids.blocks.firstName);
    expect(images.requests).toHaveLength(1);
  });

  it('says inline what is wrong with a web page instead of an image', async () => {
    const form = await openForm();
    await pastePhoto(form, photo('/page.html'));
    await app.settle();
    const modal = text(lastModal());
    expect(modal).toContain(':x:');
    expect(modal).toContain('web page');
    expect(modal).not.toContain('"type":"image"');
  });

  it('shows the modal without the preview when Slack cannot download the image', async () => {
    const form = await openForm();
    await pastePhoto(form, photo(`/${unreachableImageMarker}.jpg`));
    await app.settle();
    const updates = app.slack.callsTo('views.update');
    expect(text(updates.at(-2)?.args.view)).toContain('"type":"image"');
    const final = text(updates.at(-1)?.args.view);
    expect(final).not.toContain('"type":"image"');
    expect(final).toContain('cannot show a preview');
  });

  it('refuses a Slack file link at submission with advice, sending nothing to Sendblue', async () => {
    const form = await openForm();
    const answer = await app.interact(
      viewSubmission(
        { id: form.id, private_metadata: form.private_metadata },
        formValues({ ...card, photoUrl: 'https://files.slack.com/files-pri/T0/F0/jane.jpg' }),
      ),
    );
    const body = answer.json();
    expect(body.response_action).toBe('errors');
    expect((body.errors as Record<string, string>)[ids.blocks.photoUrl]).toMatch(/public/i);
    await app.settle();
    expect(app.sendblue.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('uses the cached verdict at submission: a refused page never reaches Sendblue', async () => {
    const form = await openForm();
    await pastePhoto(form, photo('/page.html'));
    await app.settle();
    const answer = await app.interact(
      viewSubmission(
        { id: form.id, private_metadata: form.private_metadata },
        formValues({ ...card, photoUrl: photo('/page.html') }),
      ),
    );
    expect(answer.json().response_action).toBe('errors');
    expect(images.requests).toHaveLength(1);
  });

  it('acks a submission at once while a slow check runs, then reports the timeout before Sendblue', async () => {
    const form = await openForm();
    await pastePhoto(form, photo('/slow.jpg'));
    const answer = await app.interact(
      viewSubmission(
        { id: form.id, private_metadata: form.private_metadata },
        formValues({ ...card, photoUrl: photo('/slow.jpg') }),
      ),
    );
    expect(answer.json().response_action).toBe('update');
    expect(text(answer.json())).toContain('Applying');
    await app.settle();
    expect(app.sendblue.requests.filter((r) => r.method === 'POST')).toEqual([]);
    const privately = app.slack.responsePosts.find((p) => p.body.response_type === 'ephemeral');
    expect(text(privately?.body)).toMatch(/within|time/i);
    expect(text(lastModal())).toContain('Not saved: the photo link cannot be used');
  });

  it('checks an unchecked link after the ack and then applies the card', async () => {
    const form = await openForm();
    const answer = await app.interact(
      viewSubmission(
        { id: form.id, private_metadata: form.private_metadata },
        formValues({ ...card, photoUrl: photo('/jane.jpg') }),
      ),
    );
    expect(answer.json().response_action).toBe('update');
    await app.settle();
    expect(images.requests).toHaveLength(1);
    expect(app.sendblue.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      photoUrl: photo('/jane.jpg'),
    });
  });
});
