import type { BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { RESTORABLE_CHANGES } from '../../../adapters/photo/hosting.js';
import { type CardSnapshot, OUTSIDE_ACTOR } from '../../../adapters/store/types.js';
import type { Verb } from '../../../domain/access/access.js';
import { appNumberSchema, type CardDraft, cardDraftSchema } from '../../../domain/card/rules.js';
import { formatPhone } from '../../../domain/phone.js';
import { changeAndPresent, removeCard } from '../../../use-cases/flows/card.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { refusalMessage } from '../../views/access-messages.js';
import { ids } from '../../views/ids.js';
import { progressMessage } from '../../views/messages.js';
import { afterAck, audienceOf } from '../deps.js';
import { openCardModal } from '../open-card-modal.js';
import type { ListenerTable } from '../table.js';

type ButtonBody = BlockAction<ButtonAction>;

/** Button values come back from Slack; a tampered or stale one is refused, not trusted. */
export function decodeRetryDraft(value: string | undefined): CardDraft | undefined {
  try {
    const parsed = cardDraftSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A stored card as the editor's prefill: an earlier card put back is one ordinary submission. */
function draftOf(number: string, card: CardSnapshot | undefined): CardDraft {
  return {
    number,
    firstName: card?.firstName ?? undefined,
    lastName: card?.lastName ?? undefined,
    photoUrl: card?.photoUrl ?? undefined,
    displayName: card?.displayName ?? undefined,
  };
}

/**
 * Buttons on a channel message are visible to everyone there: whoever clicks is checked as
 * themselves, every time, by the same authorization step as the command. A refusal goes only to them.
 */
async function mayClick(deps: Deps, body: ButtonBody, verb: Verb, number: string): Promise<boolean> {
  const decision = await deps.access.decide(verb, body.user.id, number);
  if (decision.allowed) return true;
  afterAck(deps, 'refusing a button', () =>
    deps.slack.tellPrivately(audienceOf(body), refusalMessage(decision.refusal)),
  );
  return false;
}

async function openFromButton(deps: Deps, body: ButtonBody, number: string | undefined, draft?: CardDraft) {
  if (number !== undefined && !(await mayClick(deps, body, 'set', number))) return;
  const audience = audienceOf(body);
  await openCardModal(deps, {
    triggerId: body.trigger_id,
    metadata: { number, channel: audience.channelId, responseUrl: audience.responseUrl },
    draft,
    audience,
    again: 'Please click again.',
  });
}

export async function handleEdit(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const number = appNumberSchema.safeParse(action.value);
  await openFromButton(deps, body, number.success ? number.data : undefined);
}

export async function handleTryAgain(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const draft = decodeRetryDraft(action.value);
  await openFromButton(deps, body, draft?.number, draft ?? {});
}

export async function handleDelete(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const number = appNumberSchema.safeParse(action.value);
  if (!number.success) {
    deps.log.warn('delete button with an unreadable number');
    return;
  }
  if (!(await mayClick(deps, body, 'delete', number.data))) return;
  afterAck(deps, 'deleting a card', () =>
    removeCard(deps, { number: number.data, actorId: body.user.id, audience: audienceOf(body) }),
  );
}

const restoreValue = z.object({ number: appNumberSchema, change: z.number().int().positive() });

/**
 * Restore: the editor opens filled in with an earlier card, photo included, so putting it back is
 * one ordinary submission (rights checked as for Edit, and again when it is submitted).
 */
export async function handleRestore(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(action.value ?? '');
  } catch {
    value = undefined;
  }
  const parsed = restoreValue.safeParse(value);
  if (!parsed.success) {
    deps.log.warn('restore button with an unreadable value');
    return;
  }
  const { number, change } = parsed.data;
  const entry = (await deps.store.history(number, RESTORABLE_CHANGES)).find(
    (candidate) => candidate.id === change && candidate.action === 'set' && candidate.outcome === 'ok',
  );
  if (entry?.after == null) {
    const text = `That change to ${formatPhone(number)} is no longer among the last ${RESTORABLE_CHANGES}, so it cannot be restored from here. Set the card with /contactcard set.`;
    afterAck(deps, 'refusing a restore', () =>
      deps.slack.tellPrivately(audienceOf(body), progressMessage(text, ':information_source:')),
    );
    return;
  }
  const card = entry.after;
  await openFromButton(deps, body, number, draftOf(number, card));
}

/** Drift: "Restore ours" opens the editor filled in with our last known card (one normal submission). */
export async function handleDriftRestore(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const number = appNumberSchema.safeParse(action.value);
  if (!number.success) return;
  const known = await deps.store.lastKnownCard(number.data);
  await openFromButton(deps, body, number.data, draftOf(number.data, known));
}

/** Drift: "Accept" adopts the card Sendblue shows as the known one, a record-only change through the pipeline. */
export async function handleDriftAccept(deps: Deps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const number = appNumberSchema.safeParse(action.value);
  if (!number.success || !(await mayClick(deps, body, 'set', number.data))) return;
  afterAck(deps, 'accepting a card changed outside contactcard', async () => {
    // The latest change to the card itself: an assignment since does not make it stale.
    const latest = (await deps.store.history(number.data, RESTORABLE_CHANGES)).find(
      (entry) => entry.action === 'set' || entry.action === 'delete',
    );
    if (latest?.actorId !== OUTSIDE_ACTOR) {
      await deps.slack.tellPrivately(
        audienceOf(body),
        progressMessage(
          'Nothing to accept: the card has not changed outside contactcard since.',
          ':information_source:',
        ),
      );
      return;
    }
    await changeAndPresent(
      deps,
      { kind: 'accepted', number: number.data, actorId: body.user.id, card: latest.after },
      { audience: audienceOf(body) },
    );
  });
}

export function register(app: ListenerTable, deps: Deps): void {
  app.action<ButtonBody>(ids.actions.driftRestore, async ({ ack, body, action }) => {
    await ack();
    await handleDriftRestore(deps, body, action);
  });
  app.action<ButtonBody>(ids.actions.driftAccept, async ({ ack, body, action }) => {
    await ack();
    await handleDriftAccept(deps, body, action);
  });
  app.action<ButtonBody>(ids.actions.restore, async ({ ack, body, action }) => {
    await ack();
    await handleRestore(deps, body, action);
  });
  app.action<ButtonBody>(ids.actions.edit, async ({ ack, body, action }) => {
    await ack();
    await handleEdit(deps, body, action);
  });
  app.action<ButtonBody>(ids.actions.tryAgain, async ({ ack, body, action }) => {
    await ack();
    await handleTryAgain(deps, body, action);
  });
  app.action<ButtonBody>(ids.actions.delete, async ({ ack, body, action }) => {
    await ack();
    await handleDelete(deps, body, action);
  });
}
