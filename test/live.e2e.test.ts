import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { faults } from './fakes/fake-sendblue.js';
import { formValues, sampleCard, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// "Live", not only "submitted", through the real app: after a set the fake Sendblue's state is read
// (here every few ms instead of 10 s and on); the channel confirmation is replaced in place.

const shown = '+14155551234';
const hidden = '+14155550100';
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ liveDelaysMs: [30, 60, 90] });
});
afterAll(() => app.stop());

async function set(number: string, reply: string) {
  const metadata = encodeMetadata({
    number,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(reply),
  });
  await app.interact(viewSubmission({ id: `V${reply}`, private_metadata: metadata }, formValues(sampleCard)));
  await app.settle();
}

const posts = (reply: string) => app.slack.responsePosts.filter((post) => post.path === `/response/${reply}`);

describe('live confirmation', () => {
  it('says live, in place, once Sendblue shows the submitted card, and records when', async () => {
    await set(shown, 'live');
    const replaced = await app.slack.waitFor(() =>
      posts('live').find(
        (post) => post.body.replace_original === true && String(post.body.text ?? '') !== '',
      ),
    );
    expect(JSON.stringify(replaced.body)).toContain('is live');
    expect(replaced.body.response_type).toBe('in_channel');
    const [entry] = await app.services.store.history(shown, 1);
    expect(entry?.confirmedAt).toBeInstanceOf(Date);
    const reads = app.sendblue.requests.filter(
      (request) => request.method === 'GET' && request.fromNumber === shown,
    );
    expect(reads.length).toBe(1);
  });

  it('says Sendblue does not show it yet when it never does, after the last read', async () => {
    app.sendblue.inject(
      hidden,
      faults.reply(200, {
        status: 'OK',
        data: { hasProfile: false, firstName: null, lastName: null, displayName: null },
      }),
    );
    await set(hidden, 'hidden');
    const replaced = await app.slack.waitFor(
      () => posts('hidden').find((post) => post.body.replace_original === true),
      3_000,
    );
    expect(JSON.stringify(replaced.body)).toContain('did not show it yet');
    expect((await app.services.store.history(hidden, 1))[0]?.confirmedAt).toBeNull();
    expect(app.sendblue.requests.filter((r) => r.method === 'GET' && r.fromNumber === hidden)).toHaveLength(
      3,
    );
  });
});
