import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, slackSignature } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const showCommand = new URLSearchParams({
  command: '/contactcard',
  text: 'show +1 415 555 1234',
  user_id: 'U0ALICE',
  channel_id: 'C0CHANNEL',
  trigger_id: 't',
}).toString();

async function expectRejectedAndInert(headers: Record<string, string>) {
  const before = { slack: app.slack.calls.length, sendblue: app.sendblue.requests.length };
  const response = await app.postSigned(showCommand, headers);
  expect(response.status).toBe(401);
  await app.settle();
  expect(app.slack.calls.length).toBe(before.slack);
  expect(app.slack.responsePosts).toEqual([]);
  expect(app.sendblue.requests.length).toBe(before.sendblue);
}

describe('the HTTP shell', () => {
  it('answers GET /healthz with 200', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });

  it('accepts a correctly signed request', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'challenge-123' });
    const response = await app.postSigned(body, {
      ...signedHeaders(signingSecret, body),
      'content-type': 'application/json',
    });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ challenge: 'challenge-123' });
  });

  it('runs a listener for a correctly signed slash command', async () => {
    const response = await app.postSigned(showCommand);
    expect(response.status).toBe(200);
    await app.settle();
    expect(app.sendblue.requests.length).toBeGreaterThan(0);
  });

  it('rejects a request without signature headers with 401 and does nothing', async () => {
    await expectRejectedAndInert({ 'content-type': 'application/x-www-form-urlencoded' });
  });

  it('rejects a wrongly signed request with 401 and does nothing', async () => {
    await expectRejectedAndInert(signedHeaders('not-the-signing-secret', showCommand));
  });

  it('rejects a signature over a different body with 401', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    await expectRejectedAndInert({
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(signingSecret, timestamp, `${showCommand}&extra=1`),
    });
  });

  it('rejects a correctly signed request 6 minutes old with 401 and does nothing', async () => {
    await expectRejectedAndInert(
      signedHeaders(signingSecret, showCommand, Math.floor(Date.now() / 1000) - 6 * 60),
    );
  });

  it('rejects a correctly signed request 6 minutes in the future with 401 and does nothing', async () => {
    await expectRejectedAndInert(
      signedHeaders(signingSecret, showCommand, Math.floor(Date.now() / 1000) + 6 * 60),
    );
  });

  it('accepts a request 2 minutes in the future (ordinary clock skew)', async () => {
    const response = await app.postSigned(
      showCommand,
      signedHeaders(signingSecret, showCommand, Math.floor(Date.now() / 1000) + 120),
    );
    expect(response.status).toBe(200);
  });
});
