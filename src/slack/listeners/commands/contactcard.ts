import type { RespondArguments, SlashCommand } from '@slack/bolt';
import type { Verb } from '../../../domain/access/access.js';
import { formatPhone } from '../../../domain/phone.js';
import { pendingFor } from '../../../use-cases/flows/approve.js';
import { describeCard } from '../../../use-cases/flows/card.js';
import { sendExport } from '../../../use-cases/flows/csv.js';
import {
  changeAssignment,
  listNumbers,
  manageable,
  numberHistory,
} from '../../../use-cases/flows/numbers.js';
import type { Audience, Deps } from '../../../use-cases/flows/ports.js';
import { parseCommand } from '../../command.js';
import { refusalMessage } from '../../views/access-messages.js';
import { bulkModalView, importModalView } from '../../views/bulk.js';
import { ids } from '../../views/ids.js';
import { deletePromptMessage, helpMessage, type Message, progressMessage } from '../../views/messages.js';
import { afterAck, openModalOrSay } from '../deps.js';
import { openCardModal } from '../open-card-modal.js';
import type { ListenerTable } from '../table.js';

type Ack = (response?: RespondArguments) => Promise<void>;

/**
 * `/contactcard …`: every branch acknowledges first. Rights come from the one authorization step
 * before the ack (the store is local); anything that needs Sendblue runs after the ack and, for
 * `set`, after views.open.
 */
export async function handleCommand(deps: Deps, command: SlashCommand, ack: Ack): Promise<void> {
  const parsed = parseCommand(command.text, deps.config.defaultRegion);
  const { access } = deps;
  const user = command.user_id;
  const audience: Audience = {
    userId: user,
    channelId: command.channel_id,
    responseUrl: command.response_url,
  };
  const reply = (message: Message) => ack({ response_type: 'ephemeral', ...deps.slack.labelled(message) });
  const usage = (problem: string) => reply(helpMessage({ problem }));

  /** The number given (or the caller's only one), if the caller may `verb` it; otherwise answers why not. */
  const allowedNumber = async (verb: Verb, given: string | undefined): Promise<string | undefined> => {
    let number = given;
    if (number === undefined) {
      const target = await access.numberTarget(verb, user);
      if (!target.ok) {
        await usage(target.question);
        return undefined;
      }
      number = target.number;
    }
    const decision = await access.decide(verb, user, number);
    if (decision.allowed) return number;
    await reply(refusalMessage(decision.refusal));
    return undefined;
  };

  switch (parsed.kind) {
    case 'help': {
      const openMode = await access.isOpenMode();
      const uploads = deps.photoHost !== undefined;
      return reply(helpMessage({ access: { openMode, admins: await access.admins() }, uploads }));
    }
    case 'invalid':
      return usage(parsed.problem);
    case 'set':
      return startSet(deps, command, ack, parsed.number);
    case 'show': {
      const number = await allowedNumber('show', parsed.number);
      if (number === undefined) return;
      await reply(progressMessage(`Looking up the contact card of ${formatPhone(number)}…`));
      afterAck(deps, 'show', async () => {
        const message = await describeCard(deps, number);
        await deps.slack.tellPrivately(audience, message, { replaceOriginal: true });
      });
      return;
    }
    case 'delete': {
      const number = await allowedNumber('delete', parsed.number);
      if (number === undefined) return;
      return reply(deletePromptMessage({ number }));
    }
    case 'pending':
      return reply(await pendingFor(deps, user));
    case 'history': {
      const number = await allowedNumber('history', parsed.number);
      if (number === undefined) return;
      return reply(await numberHistory(deps, number));
    }
    case 'bulk': {
      const choices = await manageable(deps, user);
      if (choices.length === 0) {
        return reply(
          refusalMessage({
            reason: 'You manage no number yet; an admin can assign you some.',
            helpers: await access.admins(),
          }),
        );
      }
      await ack();
      await openModalOrSay(deps, {
        triggerId: command.trigger_id,
        view: bulkModalView({
          metadata: { channel: command.channel_id, responseUrl: command.response_url },
          choices,
        }),
        audience,
        what: 'the bulk change form',
        again: 'Please run the command again.',
      });
      return;
    }
    case 'import': {
      await ack();
      await openModalOrSay(deps, {
        triggerId: command.trigger_id,
        view: importModalView({ channel: command.channel_id, responseUrl: command.response_url }),
        audience,
        what: 'the import form',
        again: 'Please run the command again.',
      });
      return;
    }
    case 'export': {
      await reply(progressMessage('Preparing a CSV of the cards of your numbers…'));
      afterAck(deps, 'export', () => sendExport(deps, user, audience));
      return;
    }
    case 'list': {
      await reply(progressMessage('Reading the cards of your numbers…'));
      afterAck(deps, 'list', async () => {
        const message = await listNumbers(deps, user);
        await deps.slack.tellPrivately(audience, message, { replaceOriginal: true });
      });
      return;
    }
    case 'assign':
    case 'unassign': {
      if ((await allowedNumber(parsed.kind, parsed.number)) === undefined) return;
      await ack();
      afterAck(deps, parsed.kind, () => changeAssignment(deps, { ...parsed, actorId: user, audience }));
      return;
    }
  }
}

/**
 * `set`: with a number, that number (if the caller may manage it); without one, the caller's only
 * number, a choice of theirs, or any number for admins.
 */
async function startSet(deps: Deps, command: SlashCommand, ack: Ack, given: string | undefined) {
  const user = command.user_id;
  const refuse = (message: Message) => ack({ response_type: 'ephemeral', ...deps.slack.labelled(message) });
  let number = given;
  let numberChoices: readonly string[] | undefined;
  if (number === undefined) {
    const target = await deps.access.setTarget(user);
    if (!target.ok) return refuse(refusalMessage(target.refusal));
    number = target.number;
    if (target.number === undefined) numberChoices = target.choices;
  }
  if (number !== undefined) {
    const decision = await deps.access.decide('set', user, number);
    if (!decision.allowed) return refuse(refusalMessage(decision.refusal));
  }
  await ack();
  await openCardModal(deps, {
    triggerId: command.trigger_id,
    metadata: { number, channel: command.channel_id, responseUrl: command.response_url },
    numberChoices,
    audience: { userId: user, channelId: command.channel_id, responseUrl: command.response_url },
    again: 'Please run the command again.',
  });
}

export function register(app: ListenerTable, deps: Deps): void {
  app.command(ids.command, ({ command, ack }) => handleCommand(deps, command, ack));
}
