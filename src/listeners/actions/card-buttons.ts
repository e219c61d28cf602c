import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { removeCard } from '../../flows/card.js';
import type { Audience } from '../../flows/ports.js';
import { refusalMessage } from '../../views/access-messages.js';
import { ids } from '../../views/ids.js';
import { type CardDraft, progressMessage } from '../../views/messages.js';
import { afterAck, type ListenerDeps } from '../deps.js';
import { openCardModal } from '../open-card-modal.js';

type ButtonBody = BlockAction<ButtonAction>;

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/);
const text = (max: number) => z.string().max(max).optional();
const retryDraftSchema = z.object({
  number: e164.optional(),
  firstName: text(64),
  lastName: text(64),
  photoUrl: text(2048),
  displayName: text(64),
});

/** Button values come back from Slack; a tampered or stale one is refused, not trusted. */
export function decodeRetryDraft(value: string | undefined): CardDraft | undefined {
  try {
    const parsed = retryDraftSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function audienceOf(body: ButtonBody): Audience {
  // A button outside any conversation (a modal, App Home) answers in the person's DM with the app.
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? body.user.id,
    responseUrl: body.response_url,
  };
}

/**
 * Buttons on a channel message are visible to everyone there: whoever clicks is checked as
 * themselves, every time. A refusal goes only to them.
 */
async function mayManage(deps: ListenerDeps, body: ButtonBody, number: string): Promise<boolean> {
  const decision = await deps.flows.access.canManage(body.user.id, number);
  if (decision.allowed) return true;
  afterAck(deps, 'refusing a button', () =>
    deps.flows.outbox.tellPrivately(
      audienceOf(body),
      refusalMessage({ sandbox: deps.flows.sandbox, reason: decision.reason, helpers: decision.helpers }),
    ),
  );
  return false;
}

async function openFromButton(
  deps: ListenerDeps,
  body: ButtonBody,
  number: string | undefined,
  draft?: CardDraft,
) {
  if (number !== undefined && !(await mayManage(deps, body, number))) return;
  const audience = audienceOf(body);
  const opened = await openCardModal(deps, {
    triggerId: body.trigger_id,
    metadata: { number, channel: audience.channelId, responseUrl: audience.responseUrl },
    ...(draft ? { draft } : {}),
  });
  if (!opened.ok) {
    afterAck(deps, 'reporting a failed views.open', () =>
      deps.flows.outbox.tellPrivately(
        audience,
        progressMessage(
          deps.flows.sandbox,
          `Slack did not open the card editor (${opened.error}). Please click again.`,
        ),
      ),
    );
  }
}

export async function handleEdit(deps: ListenerDeps, body: ButtonBody, action: ButtonAction): Promise<void> {
  const number = e164.safeParse(action.value);
  await openFromButton(deps, body, number.success ? number.data : undefined);
}

export async function handleTryAgain(
  deps: ListenerDeps,
  body: ButtonBody,
  action: ButtonAction,
): Promise<void> {
  const draft = decodeRetryDraft(action.value);
  await openFromButton(deps, body, draft?.number, draft ?? {});
}

export async function handleDelete(
  deps: ListenerDeps,
  body: ButtonBody,
  action: ButtonAction,
): Promise<void> {
  const number = e164.safeParse(action.value);
  const audience = audienceOf(body);
  if (!number.success) {
    deps.flows.log.warn('delete button with an unreadable number');
    return;
  }
  if (!(await mayManage(deps, body, number.data))) return;
  afterAck(deps, 'deleting a card', () =>
    removeCard(deps.flows, { number: number.data, actorId: body.user.id, audience }),
  );
}

export function register(app: App, deps: ListenerDeps): void {
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
