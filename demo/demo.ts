import { pathToFileURL } from 'node:url';
import { ids } from '../src/slack/views/ids.js';
import { buttonClick, formValues, modalOf, viewSubmission } from '../test/helpers/payloads.js';
import { startTestApp } from '../test/helpers/test-app.js';
import { renderBlocks, renderModal } from './render.js';

/**
 * Plays a short scripted session against the real app in sandbox mode and an in-process fake
 * Slack, and returns what people in Slack would have seen.
 */
export async function runDemo(): Promise<string> {
  const app = await startTestApp({ sandbox: true });
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);
  let seenPosts = 0;
  let seenCalls = 0;
  const showNewActivity = () => {
    for (const post of app.slack.responsePosts.slice(seenPosts)) {
      const who = post.body.response_type === 'in_channel' ? 'everyone in #support sees' : 'only @alice sees';
      const how = post.body.replace_original ? ', replacing the previous message' : '';
      say(`  → ${who}${how}:\n${renderBlocks(post.body.blocks)}`);
    }
    for (const call of app.slack.calls.slice(seenCalls)) {
      if (call.method === 'views.open' || call.method === 'views.update') {
        say(
          `  → the modal ${call.method === 'views.open' ? 'opens' : 'changes'}:\n${renderModal(call.args.view)}`,
        );
      } else if (call.method.startsWith('chat.')) {
        say(`  → ${call.method} to ${String(call.args.channel)}:\n${renderBlocks(call.args.blocks)}`);
      }
    }
    seenPosts = app.slack.responsePosts.length;
    seenCalls = app.slack.calls.length;
  };
  const command = async (text: string) => {
    say(`\n@alice types: /contactcard ${text}`);
    const ack = await app.command(text);
    if (ack.text !== '') say(`  → only @alice sees:\n${renderBlocks(ack.json().blocks)}`);
    await app.settle();
    showNewActivity();
  };

  try {
    say('contactcard demo: the real app, a simulated Sendblue (sandbox) and a simulated Slack.');
    await command('help');
    await command('set +1 415 555 1234');

    const form = app.slack.callsTo('views.update').at(-1);
    const card = {
      firstName: 'Jane',
      lastName: 'Smith',
      photoUrl: 'https://example.com/team/jane-smith.jpg',
      displayName: 'Jane at Acme',
    };
    say(
      `\n@alice fills in the modal (${card.firstName} ${card.lastName}, ${card.displayName}) and clicks Save card`,
    );
    const submitted = await app.interact(viewSubmission(modalOf(form), formValues(card)));
    say(`  → the modal changes at once:\n${renderModal(submitted.json().view)}`);
    await app.settle();
    showNewActivity();

    await command('show +1 415 555 1234');
    await command('delete +1 415 555 1234');
    say('\n@alice clicks [Delete] and confirms');
    await app.interact(
      buttonClick(ids.actions.delete, '+14155551234', {
        responseUrl: app.slack.responseUrl('delete-prompt'),
      }),
    );
    await app.settle();
    showNewActivity();
    say('\nEnd of demo. Nothing left this machine: Slack and Sendblue were both simulated.');
  } finally {
    await app.stop();
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runDemo());
}
