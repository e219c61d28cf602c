/**
 * Child process of the benchmark: a bare Bolt app with the same receiver as the app (HTTPReceiver on
 * /slack/events, /healthz), whose /contactcard handler only acks and opens a static modal, and whose
 * card modal submission only acks. What the app costs is measured against this.
 */

import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { serveAsks } from './protocol.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`baseline: ${name} is not set`);
  return value;
};

const staticView: ModalView = {
  type: 'modal',
  callback_id: 'contactcard_card',
  title: { type: 'plain_text', text: 'Contact card' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Loading the current card…' } }],
};

const receiver = new HTTPReceiver({
  signingSecret: env('SLACK_SIGNING_SECRET'),
  endpoints: '/slack/events',
  logLevel: LogLevel.ERROR,
  customRoutes: [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      },
    },
  ],
});
const app = new App({
  receiver,
  token: env('SLACK_BOT_TOKEN'),
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: env('SLACK_API_URL') },
});

// Handlers still running (views.open after the ack), so the runner can wait for quiet between rounds.
let inflight = 0;
app.command('/contactcard', async ({ ack, client, command }) => {
  inflight += 1;
  try {
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: staticView });
  } finally {
    inflight -= 1;
  }
});
app.view('contactcard_card', async ({ ack }) => {
  await ack();
});

await app.start({ port: Number(env('PORT')), host: env('HOST') });

serveAsks((ask) => (ask.type === 'inflight' ? { inflight } : undefined));
