import type { ChangeEntry } from '../../adapters/store/types.js';
import { formatPhone } from '../../domain/phone.js';
import { assignmentMessage, refusalMessage, refusalText } from '../../slack/views/access-messages.js';
import { heldText } from '../../slack/views/approval.js';
import { cardFormView, noticeView, submittedView } from '../../slack/views/card-modal.js';
import { type Explanation, explainFailure } from '../../slack/views/explain.js';
import {
  cardDeletedMessage,
  cardUpdatedMessage,
  changeNotice,
  failureMessage,
  type Message,
  noteMessage,
  notifyFailedMessage,
  progressMessage,
} from '../../slack/views/messages.js';
import type { ModalMetadata } from '../../slack/views/metadata.js';
import { escapeMrkdwn } from '../../slack/views/text.js';
import type { ChangeRequest, ChangeResult } from '../changes/pipeline.js';
import type { Audience, Delivery, Deps } from './ports.js';

/** Where a change was asked for, so that its outcome reaches the same place. */
export interface Origin {
  audience: Audience;
  /** The card modal it was submitted from (it may have been closed since). */
  modal?: { viewId: string; metadata: ModalMetadata };
  /** The private message whose button asked for it (the delete prompt) is replaced by the outcome. */
  replacesPrompt?: boolean;
}

type PresentDeps = Pick<
  Deps,
  'slack' | 'config' | 'log' | 'now' | 'operations' | 'photoHost' | 'live' | 'approvals'
>;

/** Told privately when an earlier change to the same number is still running. */
export function presentWaiting(deps: PresentDeps, origin: Origin, number: string): void {
  const text = `Another change to ${formatPhone(number)} is being applied; yours runs right after it.`;
  // Not awaited: a slow notice must not hold up the change's turn; tracked for a clean shutdown.
  void deps.operations.track(deps.slack.tellPrivately(origin.audience, progressMessage(text)));
}

/**
 * Turns a change's result into what people see, the same way for every kind of change: the
 * modal, the private outcome (with Try again), the announcement where it was asked for, and the
 * notify-channel notice, each with a private fallback when Slack refuses it.
 */
export async function presentChange(
  deps: PresentDeps,
  request: ChangeRequest,
  result: ChangeResult,
  origin: Origin,
): Promise<void> {
  const { number } = request;
  const replaceOriginal = origin.replacesPrompt === true;
  switch (result.status) {
    case 'refused': {
      await updateModal(deps, origin, (metadata) =>
        noticeView({ metadata }, `:no_entry: ${refusalText(result.refusal)} Nothing was sent to Sendblue.`),
      );
      await deps.slack.tellPrivately(origin.audience, refusalMessage(result.refusal), { replaceOriginal });
      return;
    }
    case 'duplicate':
      await deps.slack.tellPrivately(origin.audience, duplicateMessage(number, result.existing));
      return;
    case 'held': {
      const text = heldText(result.approval, result.approvers, result.duplicate);
      await updateModal(deps, origin, (metadata) => noticeView({ metadata: { ...metadata, number } }, text));
      await deps.approvals.ask(result, origin.audience, { replaceOriginal });
      return;
    }
    case 'invalid': {
      const what = result.photo === 'upload' ? 'the photo' : 'the photo link';
      const explanation = {
        headline: `${what === 'the photo' ? 'The photo' : 'The photo link'} cannot be used`,
        sendblueMessage: undefined,
        meaning: result.problem,
        advice:
          result.photo === 'upload'
            ? 'Upload another photo (or paste a public https link to one) and try again.'
            : 'Use a public https link to a JPEG or PNG and try again.',
      };
      const notice = `:x: *Not saved: ${what} cannot be used.* ${escapeMrkdwn(result.problem)}`;
      return presentFailure(deps, request, origin, explanation, notice);
    }
    case 'failed': {
      const explanation = explainFailure(result.error);
      deps.log.warn(`${request.kind} ${number} failed: ${explanation.headline}`);
      return presentFailure(deps, request, origin, explanation);
    }
    case 'ok':
      return presentSuccess(deps, request, result, origin);
  }
}

/** The pipeline itself failed (the database went away mid-change): the person learns it privately. */
export function presentError(deps: PresentDeps, request: ChangeRequest, origin: Origin, error: unknown) {
  return presentFailure(deps, request, origin, explainFailure(error));
}

async function presentFailure(
  deps: PresentDeps,
  request: ChangeRequest,
  origin: Origin,
  explanation: Explanation,
  notice = `:x: *Not saved.* ${escapeMrkdwn(explanation.sendblueMessage ?? explanation.headline)}. ${escapeMrkdwn(explanation.advice)}`,
): Promise<void> {
  const card = request.kind === 'set' ? request.card : undefined;
  if (card) {
    // The modal, if still open, goes back to the form with what was typed and why it failed.
    await updateModal(deps, origin, (metadata) =>
      cardFormView({ metadata, prefill: card, notice, uploads: deps.photoHost !== undefined }),
    );
  }
  const { fromNumber, ...typed } = card ?? { fromNumber: request.number };
  await deps.slack.tellPrivately(
    origin.audience,
    failureMessage({
      number: request.number,
      action: historyAction(request),
      explanation,
      retry: card ? { number: fromNumber, ...typed } : undefined,
    }),
    { replaceOriginal: origin.replacesPrompt === true },
  );
}

async function presentSuccess(
  deps: PresentDeps,
  request: ChangeRequest,
  result: ChangeResult & { status: 'ok' },
  origin: Origin,
): Promise<void> {
  const { actorId, number } = request;
  const at = deps.now();
  const notice = () =>
    changeNotice({ number, actorId, at, before: result.before, after: result.after ?? undefined });
  switch (request.kind) {
    case 'set': {
      const { card } = request;
      await updateModal(
        deps,
        origin,
        (metadata) => submittedView({ metadata: { ...metadata, number }, photoUrl: card.photoUrl }),
        (metadata) => submittedView({ metadata: { ...metadata, number } }),
      );
      const announcement = (withPhoto: boolean) => cardUpdatedMessage({ card, actorId, at, withPhoto });
      const delivered = await announce(deps, origin, announcement(true), announcement(false));
      deps.live.watch({
        entry: result.entry,
        card,
        audience: origin.audience,
        delivered,
        announcement: (confirmation) =>
          cardUpdatedMessage({ card, actorId, at, withPhoto: true, confirmation }),
      });
      await noticeChange(deps, origin, notice());
      return;
    }
    case 'delete': {
      const done = progressMessage(
        `Deleted the contact card of ${formatPhone(number)}.`,
        ':white_check_mark:',
      );
      await deps.slack.tellPrivately(origin.audience, done, {
        replaceOriginal: origin.replacesPrompt === true,
      });
      await announce(deps, origin, cardDeletedMessage({ number, actorId, at }));
      await noticeChange(deps, origin, notice());
      return;
    }
    case 'assign':
    case 'unassign': {
      if (result.affected.length === 0) {
        await deps.slack.tellPrivately(origin.audience, noteMessage(unchangedAssignment(request)));
        return;
      }
      const message = assignmentMessage({
        number,
        actorId,
        userIds: result.affected,
        assigned: request.kind === 'assign',
        at,
      });
      await announce(deps, origin, message);
      await noticeChange(deps, origin, message);
      return;
    }
    case 'accepted': {
      const text = `Accepted: the card Sendblue shows for ${formatPhone(number)} is now the known one.`;
      await deps.slack.tellPrivately(origin.audience, progressMessage(text, ':white_check_mark:'));
      return;
    }
    case 'observed':
      // Nobody asked for it: the drift check announces what it found.
      return;
  }
}

/** A record-only change is a set or a delete in the history (and in what people read of it). */
function historyAction(request: ChangeRequest): 'set' | 'delete' | 'assign' | 'unassign' {
  if (request.kind === 'observed' || request.kind === 'accepted') return request.card ? 'set' : 'delete';
  return request.kind;
}

function unchangedAssignment(request: ChangeRequest & { kind: 'assign' | 'unassign' }): string {
  const phone = formatPhone(request.number);
  const who = request.userId ? `<@${request.userId}>` : undefined;
  return request.kind === 'assign'
    ? `${who} already owns ${phone}; nothing changed.`
    : `${who ? `${who} does not own` : 'Nobody owns'} ${phone}; nothing changed.`;
}

type ModalFor = (metadata: ModalMetadata) => Parameters<PresentDeps['slack']['updateModal']>[1];

async function updateModal(
  deps: PresentDeps,
  origin: Origin,
  view: ModalFor,
  withoutImages?: ModalFor,
): Promise<void> {
  if (origin.modal === undefined) return;
  const { viewId, metadata } = origin.modal;
  await deps.slack.updateModal(
    viewId,
    view(metadata),
    withoutImages ? { withoutImages: withoutImages(metadata) } : {},
  );
}

/** The change happened: if the conversation cannot be reached, the person must still learn of it. */
async function announce(
  deps: PresentDeps,
  origin: Origin,
  message: Message,
  withoutImages?: Message,
): Promise<Delivery> {
  const delivery = await deps.slack.announce(origin.audience, message, withoutImages);
  if (!delivery.ok) await deps.slack.tellPrivately(origin.audience, withoutImages ?? message);
  return delivery;
}

async function noticeChange(deps: PresentDeps, origin: Origin, notice: Message): Promise<void> {
  const channel = deps.config.notifyChannel;
  if (channel === undefined) return;
  const delivery = await deps.slack.post(channel, notice);
  if (!delivery.ok) {
    await deps.slack.tellPrivately(origin.audience, notifyFailedMessage({ channel, error: delivery.error }));
  }
}

function duplicateMessage(number: string, existing: ChangeEntry): Message {
  const state =
    existing.outcome === 'pending' ? 'is still being applied' : `already ended (${existing.outcome})`;
  return progressMessage(
    `This form for ${formatPhone(number)} was already submitted and ${state}; it was not sent again.`,
    ':information_source:',
  );
}
