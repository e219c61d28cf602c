/**
 * Child process of the benchmark: a bare Bolt app with the same receiver as the app (HTTPReceiver on
 * /slack/events, /healthz), whose /contactcard handler only acks and opens a static modal, and whose
 * card modal submission only acks: what Bolt itself costs, shown beside the same-job baseline. With
 * BENCH_HOME=1 it also publishes a static Home tab of 100 blocks (Block Kit's most) when it is opened.
 */

import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { boltChild, env } from './bolt-child.js';
import { serveAsks } from './protocol.js';

const staticView: ModalView = {
  type: 'modal',
  callback_id: 'contactcard_card',
  title: { type: 'plain_text', text: 'Contact card' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Loading the current card…' } }],
};

// A header, then 33 numbers of a section, a context line and a divider each.
const staticHome: HomeView = {
  type: 'home',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Your Sendblue numbers' } },
    ...Array.from({ length: 33 }, (_, i): KnownBlock[] => [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*+1 415-555-${3000 + i}*  :white_check_mark: submitted\nAda Lovelace`,
        },
        accessory: { type: 'button', action_id: `edit_${i}`, text: { type: 'plain_text', text: 'Edit' } },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Last change: set by <@UBENCH>' }] },
      { type: 'divider' },
    ]).flat(),
  ],
};

const app = boltChild();

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

if (process.env.BENCH_HOME === '1') {
  app.event('app_home_opened', async ({ client, event }) => {
    await client.views.publish({ user_id: event.user, view: staticHome });
  });
}

await app.start({ port: Number(env('PORT')), host: env('HOST') });

serveAsks((ask) => (ask.type === 'inflight' ? { inflight } : undefined));
