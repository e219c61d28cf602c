import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import type { Decision } from '../../access/access.js';
import { parseCommand } from '../../command.js';
import { describeCard } from '../../flows/card.js';
import { changeAssignment, listNumbers, numberHistory } from '../../flows/numbers.js';
import type { Audience } from '../../flows/ports.js';
import { formatPhone } from '../../phone.js';
import { refusalMessage } from '../../views/access-messages.js';
import { ids } from '../../views/ids.js';
import { deletePromptMessage, helpMessage, type Message, progressMessage } from '../../views/messages.js';
import { afterAck, type ListenerDeps } from '../deps.js';
import { openCardModal } from '../open-card-modal.js';

type Ack = (response?: RespondArguments) => Promise<void>;

const ephemeral = (message: Message): RespondArguments => ({ response_type: 'ephemeral', ...message });

/**
 * `/contactcard …`: every branch acknowledges first. Rights are checked before the ack (the store
 * is local); anything that needs Sendblue runs after the ack and, for `set`, after views.open.
 */
export async function handleCommand(deps: ListenerDeps, command: SlashCommand, ack: Ack): Promise<void> {
  const parsed = parseCommand(command.text, deps.region);
  const { access, lines } = deps.flows;
  const user = command.user_id;
  const audience: Audience = {
    userId: user,
    channelId: command.channel_id,
    responseUrl: command.response_url,
  };
  const reply = (message: Message) => ack(ephemeral(message));
  const usage = (problem: string) => reply(helpMessage({ sandbox: deps.flows.sandbox, problem }));
  const refuse = (decision: Decision & { allowed: false }) =>
    reply(
      refusalMessage({ sandbox: deps.flows.sandbox, reason: decision.reason, helpers: decision.helpers }),
    );
  const unknownLine = (number: string) =>
    usage(
      `This Sendblue account has no number ${formatPhone(number)}. Check the number, or use /contactcard list.`,
    );
  /** The number typed, or the caller's only one. */
  const target = async (given: string | undefined, what: string) => {
    if (given !== undefined) return given;
    const own = await access.numbersOf(user);
    if (own.length === 1) return own[0];
    await usage(`Which number? For example: /contactcard ${what} +1 415 555 1234`);
    return undefined;
  };

  switch (parsed.kind) {
    case 'help': {
      const openMode = await access.isOpenMode();
      return reply(
        helpMessage({ sandbox: deps.flows.sandbox, access: { openMode, admins: await access.admins() } }),
      );
    }
    case 'invalid':
      return usage(parsed.problem);
    case 'set':
      return startSet(deps, command, ack, parsed.number);
    case 'show': {
      const number = await target(parsed.number, 'show');
      if (number === undefined) return;
      await reply(
        progressMessage(deps.flows.sandbox, `Looking up the contact card of ${formatPhone(number)}…`),
      );
      afterAck(deps, 'show', async () => {
        const message = await describeCard(deps.flows, number);
        await deps.flows.outbox.tellPrivately(audience, message, { replaceOriginal: true });
      });
      return;
    }
    case 'delete': {
      const number = await target(parsed.number, 'delete');
      if (number === undefined) return;
      if (!lines.mayHave(number)) return unknownLine(number);
      const decision = await access.canManage(user, number);
      if (!decision.allowed) return refuse(decision);
      return reply(deletePromptMessage({ sandbox: deps.flows.sandbox, number }));
    }
    case 'history': {
      const number = await target(parsed.number, 'history');
      if (number === undefined) return;
      const decision = await access.canManage(user, number);
      if (!decision.allowed) return refuse(decision);
      return reply(await numberHistory(deps.flows, number));
    }
    case 'list': {
      await reply(progressMessage(deps.flows.sandbox, 'Reading the cards of your numbers…'));
      afterAck(deps, 'list', async () => {
        const message = await listNumbers(deps.flows, user);
        await deps.flows.outbox.tellPrivately(audience, message, { replaceOriginal: true });
      });
      return;
    }
    case 'assign':
    case 'unassign': {
      const decision = await access.canAssign(user);
      if (!decision.allowed) return refuse(decision);
      if (parsed.kind === 'assign' && !lines.mayHave(parsed.number)) return unknownLine(parsed.number);
      await ack();
      afterAck(deps, parsed.kind, () => changeAssignment(deps.flows, { ...parsed, actorId: user, audience }));
      return;
    }
  }
}

/**
 * `set`: with a number, that number (if the caller may manage it); without one, the caller's only
 * number, a choice of theirs, or any number for admins.
 */
async function startSet(deps: ListenerDeps, command: SlashCommand, ack: Ack, given: string | undefined) {
  const { access, lines } = deps.flows;
  const user = command.user_id;
  const refuse = (reason: string, helpers: readonly string[]) =>
    ack(ephemeral(refusalMessage({ sandbox: deps.flows.sandbox, reason, helpers })));

  let number = given;
  let numberChoices: readonly string[] | undefined;
  if (number !== undefined) {
    if (!lines.mayHave(number)) {
      return refuse(`This Sendblue account has no number ${formatPhone(number)}.`, []);
    }
    const decision = await access.canManage(user, number);
    if (!decision.allowed) return refuse(decision.reason, decision.helpers);
  } else if ((await access.isAdmin(user)) || (await access.isOpenMode())) {
    numberChoices = lines.numbers();
  } else {
    const own = await access.numbersOf(user);
    if (own.length === 0) {
      return refuse('You manage no number yet; an admin can assign you one.', await access.admins());
    }
    if (own.length === 1) number = own[0];
    else numberChoices = own;
  }

  await ack();
  const opened = await openCardModal(deps, {
    triggerId: command.trigger_id,
    metadata: { number, channel: command.channel_id, responseUrl: command.response_url },
    numberChoices,
  });
  if (!opened.ok) {
    const text = `Slack did not open the card editor (${opened.error}). Please run the command again.`;
    const audience = { userId: user, channelId: command.channel_id, responseUrl: command.response_url };
    afterAck(deps, 'reporting a failed views.open', () =>
      deps.flows.outbox.tellPrivately(audience, progressMessage(deps.flows.sandbox, text)),
    );
  }
}

export function register(app: App, deps: ListenerDeps): void {
  app.command(ids.command, ({ command, ack }) => handleCommand(deps, command, ack));
}
