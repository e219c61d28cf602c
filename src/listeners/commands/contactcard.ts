import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import { parseCommand } from '../../command.js';
import { describeCard } from '../../flows/card.js';
import { formatPhone } from '../../phone.js';
import { ids } from '../../views/ids.js';
import { deletePromptMessage, helpMessage, type Message, progressMessage } from '../../views/messages.js';
import { afterAck, type ListenerDeps } from '../deps.js';
import { openCardModal } from '../open-card-modal.js';

const ephemeral = (message: Message): RespondArguments => ({ response_type: 'ephemeral', ...message });

/**
 * `/contactcard …`: every branch acknowledges first. Anything that needs Sendblue runs after the
 * ack (and, for `set`, after views.open), so Slack's 3-second clocks never wait on Sendblue.
 */
export async function handleCommand(
  deps: ListenerDeps,
  command: SlashCommand,
  ack: (response?: RespondArguments) => Promise<void>,
): Promise<void> {
  const parsed = parseCommand(command.text, deps.region);
  const audience = {
    userId: command.user_id,
    channelId: command.channel_id,
    responseUrl: command.response_url,
  };
  const needNumber = (what: string) =>
    ack(
      ephemeral(
        helpMessage({
          sandbox: deps.sandbox,
          problem: `Which number? For example: /contactcard ${what} +1 415 555 1234`,
        }),
      ),
    );

  switch (parsed.kind) {
    case 'help':
      return ack(ephemeral(helpMessage({ sandbox: deps.sandbox })));
    case 'invalid':
      return ack(ephemeral(helpMessage({ sandbox: deps.sandbox, problem: parsed.problem })));
    case 'set': {
      await ack();
      const opened = await openCardModal(deps, {
        triggerId: command.trigger_id,
        metadata: { number: parsed.number, channel: command.channel_id, responseUrl: command.response_url },
      });
      if (!opened.ok) {
        const text = `Slack did not open the card editor (${opened.error}). Please run the command again.`;
        afterAck(deps, 'reporting a failed views.open', () =>
          deps.flows.outbox.tellPrivately(audience, progressMessage(deps.sandbox, text)),
        );
      }
      return;
    }
    case 'show': {
      const number = parsed.number;
      if (number === undefined) return needNumber('show');
      await ack(
        ephemeral(progressMessage(deps.sandbox, `Looking up the contact card of ${formatPhone(number)}…`)),
      );
      afterAck(deps, 'show', async () => {
        const message = await describeCard(deps.flows, number);
        await deps.flows.outbox.tellPrivately(audience, message, { replaceOriginal: true });
      });
      return;
    }
    case 'delete': {
      if (parsed.number === undefined) return needNumber('delete');
      return ack(ephemeral(deletePromptMessage({ sandbox: deps.sandbox, number: parsed.number })));
    }
  }
}

export function register(app: App, deps: ListenerDeps): void {
  app.command(ids.command, ({ command, ack }) => handleCommand(deps, command, ack));
}
