import type { ModalView } from '@slack/types';
import type { Log } from '../logger.js';
import { formatPhone } from '../phone.js';
import type { PhotoChecker } from '../photo/index.js';
import {
  AuthenticationError,
  NumberNotFoundError,
  NumberNotOwnedError,
  SendblueApiError,
} from '../sendblue/errors.js';
import type { ProfileInput } from '../sendblue/schemas.js';
import {
  type CardSnapshot,
  type ChangeEntry,
  DuplicateRequestError,
  type NewChange,
  type Store,
} from '../store/types.js';
import { cardFormView, noticeView, submittedView } from '../views/card-modal.js';
import {
  type CardDraft,
  cardDeletedMessage,
  cardStateMessage,
  cardUpdatedMessage,
  changeNotice,
  failureMessage,
  type Message,
  notifyFailedMessage,
  progressMessage,
} from '../views/messages.js';
import type { ModalMetadata } from '../views/metadata.js';
import { escapeMrkdwn } from '../views/text.js';
import { explainFailure } from './explain.js';
import type { NumberQueue } from './number-queue.js';
import type { Audience, CardApi, SlackOutbox } from './ports.js';

/** What every flow needs; nothing here knows about Bolt. */
export interface FlowDeps {
  sendblue: CardApi;
  outbox: SlackOutbox;
  store: Store;
  queue: NumberQueue;
  photos: Pick<PhotoChecker, 'check' | 'cached'>;
  log: Log;
  sandbox: boolean;
  notifyChannel: string | undefined;
  now?: () => Date;
}

// Reading the card must not keep a modal on "Loading…" for long: the person can still type a new one.
const stateReadTimeoutMs = 8_000;

/** Fills the loading modal with the number's current card, or says why it could not be read. */
export async function loadCardForm(
  deps: FlowDeps,
  target: { viewId: string; hash: string | undefined; metadata: ModalMetadata & { number: string } },
): Promise<void> {
  const { metadata } = target;
  let view: ModalView;
  // Not AbortSignal.timeout(): on Node 20 each one is a costly transferable signal kept alive for 8 s.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), stateReadTimeoutMs);
  try {
    const state = await deps.sendblue.getState(metadata.number, { signal: deadline.signal });
    // Sendblue never reports the photo URL: the last one set through this app fills it in.
    const photoUrl = state.hasProfile
      ? (await deps.store.lastKnownCard(metadata.number))?.photoUrl
      : undefined;
    view = cardFormView({ metadata, sandbox: deps.sandbox, prefill: { ...state, photoUrl } });
  } catch (error) {
    const explanation = explainFailure(error);
    const phone = formatPhone(metadata.number);
    const reason = [explanation.meaning ?? explanation.headline, explanation.advice]
      .map(escapeMrkdwn)
      .join(' ');
    // When the number itself is unusable, a form would only lead to the same refusal.
    const hopeless =
      error instanceof NumberNotOwnedError ||
      error instanceof NumberNotFoundError ||
      error instanceof AuthenticationError;
    view = hopeless
      ? noticeView({ metadata, sandbox: deps.sandbox }, `:x: *${phone} cannot be edited.* ${reason}`)
      : cardFormView({
          metadata,
          sandbox: deps.sandbox,
          notice: `:warning: Could not read the current card of ${phone}. ${reason} You can still set a new card below.`,
        });
  } finally {
    clearTimeout(timer);
  }
  const delivery = await deps.outbox.updateModal(target.viewId, view, target.hash);
  if (!delivery.ok) deps.log.info(`card form not shown (${delivery.error}): the modal was probably closed`);
}

export type Outcome = 'ok' | 'failed' | 'duplicate';

type Recorded =
  | { ok: true; before: CardSnapshot | null }
  | { ok: false; error: unknown }
  | { duplicate: ChangeEntry };

/**
 * One change to a number: recorded as pending before Sendblue is called, run after any earlier
 * change to the same number (in the order they were recorded), and completed with its outcome.
 * The card "before" is read when the change runs, so a queued change describes what it replaced.
 */
async function recordedChange(
  deps: FlowDeps,
  change: Omit<NewChange, 'before'>,
  audience: Audience,
  call: () => Promise<unknown>,
  /** Updates the last known card; inside the queue, so the next change reads it as its "before". */
  remember: () => Promise<void>,
): Promise<Recorded> {
  let entry: ChangeEntry;
  try {
    entry = await deps.store.beginChange(change);
  } catch (error) {
    if (error instanceof DuplicateRequestError) return { duplicate: error.existing };
    throw error;
  }
  const waiting = deps.queue.busy(change.number) > 0;
  // The slot is taken before anything else is awaited, so the queue keeps the audit trail's order.
  const outcome = deps.queue.run(change.number, async (): Promise<Recorded> => {
    const before = (await deps.store.lastKnownCard(change.number)) ?? null;
    try {
      await call();
    } catch (error) {
      await deps.store.completeChange(entry.id, { outcome: 'failed', before, ...failureRecord(error) });
      return { ok: false, error };
    }
    await deps.store.completeChange(entry.id, { outcome: 'ok', before });
    await remember();
    return { ok: true, before };
  });
  if (waiting) {
    const phone = formatPhone(change.number);
    await deps.outbox.tellPrivately(
      audience,
      progress(deps, `Another change to ${phone} is being applied; yours runs right after it.`),
    );
  }
  return outcome;
}

function failureRecord(error: unknown): { status: number | null; message: string } {
  if (error instanceof SendblueApiError)
    return { status: error.status, message: error.sendblueMessage ?? error.message };
  return { status: null, message: error instanceof Error ? error.message : 'unknown error' };
}

/** Runs after the submission was acknowledged with the "Applying…" view. */
export async function applyCard(
  deps: FlowDeps,
  submission: {
    card: ProfileInput;
    actorId: string;
    audience: Audience;
    viewId: string;
    metadata: ModalMetadata;
    /** Identifies this submission of this view, so a repeated one is not applied twice. */
    requestKey: string;
  },
): Promise<Outcome> {
  const { card, audience, metadata, actorId } = submission;
  const number = card.fromNumber;
  const modal = { metadata: { ...metadata, number }, sandbox: deps.sandbox };
  // A check still running at submission finishes here, before anything is sent to Sendblue.
  const photo = await deps.photos.check(card.photoUrl);
  if (!photo.ok) {
    const explanation = {
      headline: 'The photo link cannot be used',
      sendblueMessage: undefined,
      meaning: photo.reason,
      advice: 'Use a public https link to a JPEG or PNG and try again.',
    };
    const notice = `:x: *Not saved: the photo link cannot be used.* ${escapeMrkdwn(photo.reason)}`;
    await deps.outbox.updateModal(submission.viewId, cardFormView({ ...modal, prefill: card, notice }));
    await deps.outbox.tellPrivately(
      audience,
      failureMessage({ sandbox: deps.sandbox, number, action: 'set', explanation, retry: draftOf(card) }),
    );
    return 'failed';
  }
  const after = snapshotOf(card);
  const recorded = await recordedChange(
    deps,
    { action: 'set', number, actorId, after, requestKey: submission.requestKey },
    audience,
    () => deps.sendblue.upsertProfile(card),
    () => deps.store.rememberCard(number, after, actorId),
  );
  if ('duplicate' in recorded) {
    await deps.outbox.tellPrivately(audience, duplicateMessage(deps, number, recorded.duplicate));
    return 'duplicate';
  }
  if (!recorded.ok) {
    const explanation = explainFailure(recorded.error);
    deps.log.warn(`set ${number} failed: ${explanation.headline}`);
    // The modal, if still open, goes back to the form with what was typed and why it failed.
    const notice = `:x: *Not saved.* ${escapeMrkdwn(explanation.sendblueMessage ?? explanation.headline)}. ${escapeMrkdwn(explanation.advice)}`;
    await deps.outbox.updateModal(submission.viewId, cardFormView({ ...modal, prefill: card, notice }));
    await deps.outbox.tellPrivately(
      audience,
      failureMessage({ sandbox: deps.sandbox, number, action: 'set', explanation, retry: draftOf(card) }),
    );
    return 'failed';
  }
  const at = now(deps);
  await deps.outbox.updateModal(submission.viewId, submittedView(modal));
  const announcement = (withPhoto: boolean) =>
    cardUpdatedMessage({ sandbox: deps.sandbox, card, actorId, at, withPhoto });
  await announceOrTell(deps, audience, announcement(true), announcement(false));
  await noticeChange(
    deps,
    audience,
    changeNotice({ sandbox: deps.sandbox, number, actorId, at, before: recorded.before, after }),
  );
  return 'ok';
}

/** Runs after the confirmed Delete click was acknowledged; replaces the prompt with the outcome. */
export async function removeCard(
  deps: FlowDeps,
  request: { number: string; actorId: string; audience: Audience },
): Promise<Outcome> {
  const { number, audience, actorId } = request;
  const phone = formatPhone(number);
  await deps.outbox.tellPrivately(audience, progress(deps, `Deleting the contact card of ${phone}…`), {
    replaceOriginal: true,
  });
  const recorded = await recordedChange(
    deps,
    { action: 'delete', number, actorId, after: null },
    audience,
    () => deps.sendblue.deleteProfile(number),
    () => deps.store.forgetCard(number),
  );
  if ('duplicate' in recorded) return 'duplicate';
  if (!recorded.ok) {
    const explanation = explainFailure(recorded.error);
    deps.log.warn(`delete ${number} failed: ${explanation.headline}`);
    await deps.outbox.tellPrivately(
      audience,
      failureMessage({ sandbox: deps.sandbox, number, action: 'delete', explanation, retry: undefined }),
      { replaceOriginal: true },
    );
    return 'failed';
  }
  const at = now(deps);
  await deps.outbox.tellPrivately(
    audience,
    progressMessage(deps.sandbox, `Deleted the contact card of ${phone}.`, ':white_check_mark:'),
    { replaceOriginal: true },
  );
  await announceOrTell(deps, audience, cardDeletedMessage({ sandbox: deps.sandbox, number, actorId, at }));
  await noticeChange(
    deps,
    audience,
    changeNotice({ sandbox: deps.sandbox, number, actorId, at, before: recorded.before, after: undefined }),
  );
  return 'ok';
}

/** `show`: the card as Sendblue reports it, or why it could not be read. */
export async function describeCard(deps: FlowDeps, number: string): Promise<Message> {
  try {
    const state = await deps.sendblue.getState(number);
    return cardStateMessage({ sandbox: deps.sandbox, number, state });
  } catch (error) {
    const explanation = explainFailure(error);
    return failureMessage({ sandbox: deps.sandbox, number, action: 'read', explanation, retry: undefined });
  }
}

function progress(deps: FlowDeps, text: string): Message {
  return progressMessage(deps.sandbox, text);
}

async function announceOrTell(deps: FlowDeps, audience: Audience, message: Message, withoutImages?: Message) {
  const delivery = await deps.outbox.announce(audience, message, withoutImages);
  // The change happened: if the channel cannot be reached, the person must still learn of it.
  if (!delivery.ok) await deps.outbox.tellPrivately(audience, withoutImages ?? message);
}

async function noticeChange(deps: FlowDeps, audience: Audience, notice: Message): Promise<void> {
  if (deps.notifyChannel === undefined) return;
  const delivery = await deps.outbox.post(deps.notifyChannel, notice);
  if (!delivery.ok) {
    await deps.outbox.tellPrivately(
      audience,
      notifyFailedMessage({ sandbox: deps.sandbox, channel: deps.notifyChannel, error: delivery.error }),
    );
  }
}

function duplicateMessage(deps: FlowDeps, number: string, existing: ChangeEntry): Message {
  const state =
    existing.outcome === 'pending' ? 'is still being applied' : `already ended (${existing.outcome})`;
  return progressMessage(
    deps.sandbox,
    `This form for ${formatPhone(number)} was already submitted and ${state}; it was not sent again.`,
    ':information_source:',
  );
}

function snapshotOf(card: ProfileInput): CardSnapshot {
  return {
    firstName: card.firstName,
    lastName: card.lastName,
    displayName: card.displayName ?? null,
    photoUrl: card.photoUrl,
  };
}

function draftOf({ fromNumber, ...fields }: ProfileInput): CardDraft {
  return { number: fromNumber, ...fields };
}

function now(deps: FlowDeps): Date {
  return deps.now?.() ?? new Date();
}
