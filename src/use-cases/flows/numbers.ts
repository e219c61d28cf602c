import { RESTORABLE_CHANGES } from '../../adapters/photo/hosting.js';
import { mapWithLimit } from '../../runtime/concurrency.js';
import {
  historyMessage,
  type ListedNumber,
  listMessage,
  maxListedNumbers,
} from '../../slack/views/access-messages.js';
import { explainFailure } from '../../slack/views/explain.js';
import type { Message } from '../../slack/views/messages.js';
import { changeAndPresent } from './card.js';
import { remember } from './pictures.js';
import type { Audience, Deps } from './ports.js';

// Enough to make a list of twenty feel quick without hammering one account's API.
const readConcurrency = 4;

/** Assigns or unassigns through the change pipeline, announced where it was done. */
export async function changeAssignment(
  deps: Deps,
  request: ({ kind: 'assign'; userId: string } | { kind: 'unassign'; userId: string | undefined }) & {
    number: string;
    actorId: string;
    audience: Audience;
  },
): Promise<void> {
  const { audience, ...change } = request;
  await changeAndPresent(deps, change, { audience });
}

/** The numbers this person may manage: admins (and open mode) every known number, owners theirs. */
export async function manageable(
  deps: Pick<Deps, 'access' | 'lines' | 'store'>,
  userId: string,
): Promise<string[]> {
  if (!(await deps.access.managesEverything(userId))) return deps.access.numbersOf(userId);
  return everyNumber(deps);
}

/** Every known number: the account's lines, and every number the store knows of, sorted. */
export async function everyNumber(deps: Pick<Deps, 'lines' | 'store'>): Promise<string[]> {
  return [...new Set([...(deps.lines.numbers() ?? []), ...(await deps.store.knownNumbers())])].sort();
}

/** The numbers this person may manage, each with its current card, remembered (admins: every known number). */
export async function listNumbers(deps: Deps, userId: string): Promise<Message> {
  const everything = await deps.access.managesEverything(userId);
  const numbers = await manageable(deps, userId);
  const shown = numbers.slice(0, maxListedNumbers);
  const listed = await mapWithLimit(shown, readConcurrency, async (number): Promise<ListedNumber> => {
    const owners = await deps.store.ownersOf(number);
    try {
      const readAt = deps.now();
      const card = await deps.sendblue.getState(number);
      await remember(deps, number, card, 'list', readAt);
      return { number, owners, state: { ok: true, card } };
    } catch (error) {
      return { number, owners, state: { ok: false, error: explainFailure(error).headline } };
    }
  });
  return listMessage({ numbers: listed, showOwners: everything, total: numbers.length });
}

export async function numberHistory(deps: Deps, number: string): Promise<Message> {
  const [entries, approvals] = await Promise.all([
    deps.store.history(number, RESTORABLE_CHANGES),
    deps.store.approvals({ number, limit: RESTORABLE_CHANGES }),
  ]);
  return historyMessage({ number, entries, approvals });
}
