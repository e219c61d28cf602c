/**
 * Child process of the benchmark: the least code that does the job `/contactcard set <number>` does
 * for a number whose card is known: ack, views.open with the filled-in card form, then one read of
 * the number's state from Sendblue, nothing more; its card modal submission only acks. Same Bolt,
 * same receiver as the app (HTTPReceiver on /slack/events, /healthz). The app is judged against this.
 */

import type { ModalView } from '@slack/types';
import { Agent, request } from 'undici';
import { boltChild, env } from './bolt-child.js';
import { serveAsks } from './protocol.js';

// The form the app opens for a known card, as the runner built it (bench/app-form.ts): the same view.
const form = JSON.parse(env('BENCH_FORM')) as ModalView;
const formOf = (number: string, channel: string, responseUrl: string): ModalView => ({
  ...form,
  private_metadata: JSON.stringify({ number, channel, responseUrl }),
});

const app = boltChild();

// The app's connection policy towards Sendblue (keep-alive, at most 16 sockets), so that the two
// differ in code, not in how many connections the fake Sendblue is served over.
const sendblue = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 16 });
const stateUrl = `${env('SENDBLUE_BASE_URL').replace(/\/+$/, '')}/api/v2/contact-sharing/state`;
const headers = {
  accept: 'application/json',
  'user-agent': 'contactcard/0.1',
  'sb-api-key-id': env('SENDBLUE_API_KEY_ID'),
  'sb-api-secret-key': env('SENDBLUE_API_SECRET_KEY'),
};

// Handlers still running (views.open and the read after the ack), so the runner can wait for quiet.
let inflight = 0;
app.command('/contactcard', async ({ ack, client, command }) => {
  inflight += 1;
  try {
    await ack();
    // `set +1 415 555 1234` → +14155551234: the least parsing the job needs.
    const number = `+${command.text.replace(/\D/g, '')}`;
    await client.views.open({
      trigger_id: command.trigger_id,
      view: formOf(number, command.channel_id, command.response_url),
    });
    const state = await request(`${stateUrl}?${new URLSearchParams({ fromNumber: number })}`, {
      dispatcher: sendblue,
      headers,
    });
    await state.body.json();
  } catch {
    // Nothing to tell anyone: the form is already up.
  } finally {
    inflight -= 1;
  }
});
app.view('contactcard_card', async ({ ack }) => {
  await ack();
});

await app.start({ port: Number(env('PORT')), host: env('HOST') });

serveAsks((ask) => (ask.type === 'inflight' ? { inflight } : undefined));
