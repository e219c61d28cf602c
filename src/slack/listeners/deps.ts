import type { ViewResponseAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { Audience, Deps, Opened } from '../../use-cases/flows/ports.js';
import { refusalText } from '../views/access-messages.js';
import { jobHeldNotice } from '../views/approval.js';
import { noticeView } from '../views/card-modal.js';
import { progressMessage } from '../views/messages.js';
import type { ModalMetadata } from '../views/metadata.js';

/**
 * A button's value that names a record (a page, a job, a request): a whole number as a string, or
 * undefined. Never Number() on the raw value: an object such as {"valueOf":1} makes that throw.
 */
export function wholeNumberIn(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Runs work after the ack, tracked for graceful shutdown and never left as an unhandled rejection. */
export function afterAck(deps: Deps, what: string, work: () => Promise<unknown>): void {
  deps.operations.track(
    work().catch((error: unknown) => {
      deps.log.error(
        `${what} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      );
    }),
  );
}

/** Who clicked, and where to answer: a button outside any conversation (a modal, the Home tab) answers in their DM. */
export function audienceOf(body: {
  user: { id: string };
  channel?: { id?: string } | undefined;
  response_url?: string | undefined;
}): Audience {
  return {
    userId: body.user.id,
    channelId: body.channel?.id ?? body.user.id,
    responseUrl: body.response_url,
  };
}

/**
 * The answer that closes a bulk or import form: applying now, waiting for approval, or why neither.
 * The approval rule is read from memory (the admins are cached): nothing slow before the ack.
 */
export async function jobStartResponse(
  deps: Deps,
  request: { metadata: ModalMetadata; userId: string; count: number; applying: string },
): Promise<ViewResponseAction> {
  const need = await deps.access.approvalFor(request.userId);
  const text = !need.needed
    ? request.applying
    : 'refusal' in need
      ? `:no_entry: ${refusalText(need.refusal)} Nothing was sent to Sendblue.`
      : jobHeldNotice(request.count, need.approvers);
  return {
    response_action: 'update',
    view: deps.slack.labelledView(noticeView({ metadata: request.metadata }, text)),
  };
}

/** A modal as Slack sends it back in a payload, reduced to what views.update accepts. */
export function editableView(view: unknown): ModalView {
  const { type, callback_id, title, submit, close, private_metadata, blocks } = view as ModalView;
  return { type, callback_id, title, submit, close, private_metadata, blocks };
}

/**
 * views.open inside the trigger window; if Slack refuses, the person is told privately what did not
 * open and how to get it back (`again`).
 */
export async function openModalOrSay(
  deps: Deps,
  request: { triggerId: string; view: ModalView; audience: Audience; what: string; again: string },
): Promise<Opened> {
  const opened = await deps.slack.openModal(request.triggerId, request.view);
  if (!opened.ok) {
    const text = `Slack did not open ${request.what} (${opened.error}). ${request.again}`;
    afterAck(deps, 'reporting a failed views.open', () =>
      deps.slack.tellPrivately(request.audience, progressMessage(text)),
    );
  }
  return opened;
}
