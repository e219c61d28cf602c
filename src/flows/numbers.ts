import type { Access } from '../access/access.js';
import { mapWithLimit } from '../concurrency.js';
import { formatPhone } from '../phone.js';
import {
  assignmentMessage,
  historyMessage,
  type ListedNumber,
  listMessage,
  maxListedNumbers,
} from '../views/access-messages.js';
import { type Message, noteMessage } from '../views/messages.js';
import type { FlowDeps } from './card.js';
import { explainFailure } from './explain.js';
import type { LinesDirectory } from './lines.js';
import type { Audience } from './ports.js';

export interface NumbersDeps extends FlowDeps {
  access: Access;
  lines: LinesDirectory;
}

// Enough to make a list of twenty feel quick without hammering one account's API.
const readConcurrency = 4;

/** Assigns or unassigns, records it in the audit trail, and announces it where it was done. */
export async function changeAssignment(
  deps: NumbersDeps,
  request: ({ kind: 'assign'; userId: string } | { kind: 'unassign'; userId: string | undefined }) & {
    number: string;
    actorId: string;
    audience: Audience;
  },
): Promise<void> {
  const { number, actorId, audience } = request;
  const entry = await deps.store.beginChange({
    action: request.kind,
    number,
    actorId,
    subject: request.userId ?? null,
  });
  let changed: string[];
  try {
    changed =
      request.kind === 'assign'
        ? (await deps.store.assign(number, request.userId, actorId))
          ? [request.userId]
          : []
        : await deps.store.unassign(number, request.userId);
  } catch (error) {
    await deps.store.completeChange(entry.id, { outcome: 'failed', message: String(error) });
    throw error;
  }
  await deps.store.completeChange(entry.id, {
    outcome: 'ok',
    message: changed.length === 0 ? 'no change' : null,
  });
  const phone = formatPhone(number);
  if (changed.length === 0) {
    const who = request.userId ? `<@${request.userId}>` : undefined;
    const text =
      request.kind === 'assign'
        ? `${who} already owns ${phone}; nothing changed.`
        : `${who ? `${who} does not own` : 'Nobody owns'} ${phone}; nothing changed.`;
    await deps.outbox.tellPrivately(audience, noteMessage(deps.sandbox, text));
    return;
  }
  const message = assignmentMessage({
    sandbox: deps.sandbox,
    number,
    actorId,
    userIds: changed,
    assigned: request.kind === 'assign',
    at: deps.now?.() ?? new Date(),
  });
  const delivery = await deps.outbox.announce(audience, message);
  if (!delivery.ok) await deps.outbox.tellPrivately(audience, message);
  if (deps.notifyChannel !== undefined) await deps.outbox.post(deps.notifyChannel, message);
}

/** The numbers this person may manage, each with its current card (admins: every known number). */
export async function listNumbers(deps: NumbersDeps, userId: string): Promise<Message> {
  const everything = (await deps.access.isAdmin(userId)) || (await deps.access.isOpenMode());
  const numbers = everything
    ? [...new Set([...(deps.lines.numbers() ?? []), ...(await deps.store.knownNumbers())])].sort()
    : await deps.access.numbersOf(userId);
  const shown = numbers.slice(0, maxListedNumbers);
  const listed = await mapWithLimit(shown, readConcurrency, async (number): Promise<ListedNumber> => {
    const owners = await deps.store.ownersOf(number);
    try {
      return { number, owners, state: { ok: true, card: await deps.sendblue.getState(number) } };
    } catch (error) {
      return { number, owners, state: { ok: false, error: explainFailure(error).headline } };
    }
  });
  return listMessage({
    sandbox: deps.sandbox,
    numbers: listed,
    showOwners: everything,
    total: numbers.length,
  });
}

export async function numberHistory(deps: FlowDeps, number: string): Promise<Message> {
  return historyMessage({ sandbox: deps.sandbox, number, entries: await deps.store.history(number, 10) });
}
