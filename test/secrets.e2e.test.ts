import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { faults, startFakeSendblue } from './fakes/fake-sendblue.js';
import { startFakeSlack } from './fakes/fake-slack.js';
import { buttonClick, formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { commandBody, spawnEntryPoint, startTestApp } from './helpers/test-app.js';

// The real entry point with distinctive secrets and LOG_LEVEL=debug, driven through the main flows
// and some failures. Nothing that leaves the process (to Slack, to Sendblue's bodies, in answers to
// Slack, on stdout/stderr) may carry any recognisable part of a secret. Headers are not checked: the
// bot token must reach Slack's Authorization header and the Sendblue keys Sendblue's headers.
const secrets = {
  SLACK_SIGNING_SECRET: 'SIGNINGsecret7f3kq9zx2mw8',
  SLACK_BOT_TOKEN: 'xoxb-BOTTOKENr6w2e8u4i0',
  SENDBLUE_API_KEY_ID: 'SBKEYIDh3j9d1s7g5',
  SENDBLUE_API_SECRET_KEY: 'SBSECRETp4v8n2c6t0y5',
};

/** Every recognisable form of a secret: whole, encoded, and each run of 8 characters. */
function fingerprints(secret: string): string[] {
  const windows = Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8));
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('hex'),
    ...windows,
  ];
}

function leaks(haystacks: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const print of new Set(fingerprints(secret))) {
      for (const [where, text] of Object.entries(haystacks)) {
        const at = text.indexOf(print);
        if (at >= 0)
          found.push(`${name} (${print}) in ${where}: …${text.slice(Math.max(0, at - 80), at + 80)}…`);
      }
    }
  }
  return found;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const number = sampleNumber;
const card = sampleCard;

it('no byte of any secret reaches Slack, Sendblue bodies, HTTP answers or the process output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-secrets-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const slack = await startFakeSlack({ botToken: secrets.SLACK_BOT_TOKEN });
  cleanups.push(() => slack.close());
  const sendblue = await startFakeSendblue({
    keyId: secrets.SENDBLUE_API_KEY_ID,
    secret: secrets.SENDBLUE_API_SECRET_KEY,
  });
  cleanups.push(() => sendblue.close());
  const app = await spawnEntryPoint({
    ...secrets,
    SLACK_API_URL: slack.url,
    SENDBLUE_BASE_URL: sendblue.url,
    CONTACTCARD_DB: join(dir, 'contactcard.db'),
    CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY',
    CONTACTCARD_PHOTO_CHECK: 'false',
    LOG_LEVEL: 'debug',
  });
  cleanups.push(() => app.kill());
  await app.waitForHealth();

  const answers: string[] = [];
  const post = async (body: string, headers?: Record<string, string>) => {
    const answer = await app.postSigned(body, headers);
    answers.push(`${answer.status} ${answer.text}`);
    return answer;
  };
  const command = (text: string, responseId: string) =>
    post(commandBody(text, slack.responseUrl(responseId)));
  const interact = (payload: Record<string, unknown>) =>
    post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  const waitForPost = (path: string, count = 1) =>
    slack.waitFor(() => slack.responsePosts.filter((p) => p.path === path).length >= count, 10_000);

  // help
  expect((await command('help', 'help')).text).toContain('/contactcard set');

  // set: the modal opens, is filled from Sendblue, is submitted; announced and noticed.
  expect((await command(`set ${number}`, 'set')).status).toBe(200);
  const form = await slack.waitFor(() => slack.callsTo('views.update')[0], 10_000);
  const view = form.args.view as { private_metadata: string };
  const metadata = (responseId: string) =>
    JSON.stringify({ ...JSON.parse(view.private_metadata), responseUrl: slack.responseUrl(responseId) });
  await interact(
    viewSubmission({ id: String(form.args.view_id), private_metadata: metadata('set') }, formValues(card)),
  );
  await slack.waitFor(
    () => slack.callsTo('chat.postMessage').some((c) => c.args.channel === 'C0NOTIFY'),
    10_000,
  );

  // Sendblue refuses, echoing the credentials it was sent: the person is told, the echo is not.
  sendblue.inject(
    number,
    faults.error(
      401,
      `Invalid credentials sb-api-key-id=${secrets.SENDBLUE_API_KEY_ID} sb-api-secret-key=${secrets.SENDBLUE_API_SECRET_KEY}`,
      1,
    ),
  );
  await interact(viewSubmission({ id: 'V401', private_metadata: metadata('fail401') }, formValues(card)));
  const failure = await slack.waitFor(
    () =>
      slack.responsePosts.find(
        (p) => p.path === '/response/fail401' && JSON.stringify(p.body).includes('Could not'),
      ),
    10_000,
  );
  expect(JSON.stringify(failure.body)).toContain('401');
  sendblue.inject(number, faults.error(500, `device error; key ${secrets.SENDBLUE_API_SECRET_KEY}`, 1));
  await interact(viewSubmission({ id: 'V500', private_metadata: metadata('fail500') }, formValues(card)));
  await waitForPost('/response/fail500');

  // show: once answered with a body that is not JSON and echoes the secret, once normally.
  sendblue.inject(number, faults.reply(200, `<html>${secrets.SENDBLUE_API_SECRET_KEY}</html>`, 1));
  await command(`show ${number}`, 'show1');
  await waitForPost('/response/show1');
  await command(`show ${number}`, 'show2');
  await waitForPost('/response/show2');

  // delete: the prompt, then the confirmed click.
  const prompt = await command(`delete ${number}`, 'delete');
  expect(prompt.text).toContain(ids.actions.delete);
  await interact(buttonClick(ids.actions.delete, number, { responseUrl: slack.responseUrl('deleted') }));
  await slack.waitFor(
    () =>
      slack.responsePosts.some(
        (p) => p.path === '/response/deleted' && p.body.response_type === 'in_channel',
      ),
    10_000,
  );
  await command(`history ${number}`, 'history');
  await command('list', 'list');
  await waitForPost('/response/list');

  // Requests that must be refused: a wrong signature, a stale one.
  const help = commandBody('help', slack.responseUrl('forged'));
  expect((await post(help, signedHeaders('not-the-secret', help))).status).toBe(401);
  expect((await post(help, signedHeaders(secrets.SLACK_SIGNING_SECRET, help, 1_000_000))).status).toBe(401);

  app.child.kill('SIGTERM');
  expect((await app.exited).code).toBe(0);

  // What was really exercised.
  expect(sendblue.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
  expect(app.output()).toContain('DEBUG');
  expect(app.output()).toContain('status=401');

  const haystacks = {
    'process output': app.output(),
    // `token` is an authentication parameter (Bolt's auth.test sends it in the body), as legitimate as
    // the header; it is checked below to carry nothing but the bot token.
    'Slack Web API call bodies': JSON.stringify(
      slack.calls.map(({ method, args: { token: _token, ...args } }) => ({ method, args })),
    ),
    'response_url posts': JSON.stringify(slack.responsePosts),
    'answers to Slack': answers.join('\n'),
    'Sendblue request bodies': sendblue.requests.map((r) => `${r.url} ${r.rawBody}`).join('\n'),
  };
  // Sendblue's echoes of the credentials were quoted to the person, with the credentials cut out.
  expect(JSON.stringify(slack.responsePosts).match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(4);
  expect(leaks(haystacks)).toEqual([]);
  // Nor, at debug, does the output carry what was typed into the card (log-rules.ts).
  const typed = [card.firstName, card.lastName, card.displayName, card.photoUrl];
  expect(typed.filter((value) => app.output().includes(value))).toEqual([]);
  // The bot token did go where it belongs: in the Authorization header of every Web API call.
  expect(slack.calls.filter((c) => c.token !== secrets.SLACK_BOT_TOKEN)).toEqual([]);
  const tokenArgs = slack.calls.filter((c) => 'token' in c.args).map((c) => [c.method, c.args.token]);
  expect(tokenArgs).toEqual(tokenArgs.map(([method]) => [method, secrets.SLACK_BOT_TOKEN]));
}, 40_000);

it('a Sendblue error that echoes part of a credential does not carry that part to Slack', async () => {
  const app = await startTestApp();
  cleanups.push(() => app.stop());
  const echoed = app.sendblue.secret.slice(0, 16);
  app.sendblue.inject(number, faults.error(401, `Invalid sb-api-secret-key '${echoed}…'`, 1));
  await app.interact(
    viewSubmission(
      {
        id: 'V1',
        private_metadata: JSON.stringify({
          number,
          channel: 'C0CHANNEL',
          responseUrl: app.slack.responseUrl('partial'),
        }),
      },
      formValues(card),
    ),
  );
  await app.settle();
  const told = JSON.stringify(app.slack.responsePosts);
  expect(told).toContain('Could not set');
  const windows = fingerprints(app.sendblue.secret).filter((print) => told.includes(print));
  expect(windows).toEqual([]);
});
