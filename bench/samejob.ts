/**
 * Child process of the benchmark: the least code that does the job `/contactcard set <number>` does
 * for a number whose card is known: ack, views.open with the filled-in card form, then one read of
 * the number's state from Sendblue, nothing more; its card modal submission only acks. Same Bolt,
 * same receiver as the app (HTTPReceiver on /slack/events, /healthz). The app is judged against this.
 */

import type { ModalView } from '@slack/types';
import { Agent, request } from 'undici';
import { boltChild, env } from './bolt-child.js';
import { knownCard, serveAsks } from './protocol.js';

const textInput = (blockId: string, label: string, value: string, type = 'plain_text_input') => ({
  type: 'input' as const,
  block_id: blockId,
  label: { type: 'plain_text' as const, text: label },
  element: { type, action_id: blockId, initial_value: value },
});

/** The card form as the app shows it for a known card: four filled-in inputs and a context line. */
const formOf = (number: string, channel: string): ModalView =>
  ({
    type: 'modal',
    callback_id: 'contactcard_card',
    title: { type: 'plain_text', text: 'Contact card' },
    submit: { type: 'plain_text', text: 'Save card' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ number, channel }),
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Card of *${number}*` }] },
      textInput('first_name', 'First name', knownCard.firstName),
      textInput('last_name', 'Last name', knownCard.lastName),
      textInput('photo_url', 'Photo URL', knownCard.photoUrl, 'url_text_input'),
      textInput('display_name', 'Display name', knownCard.displayName),
    ],
  }) as ModalView;

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
    await client.views.open({ trigger_id: command.trigger_id, view: formOf(number, command.channel_id) });
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
