import type { ModalView } from '@slack/types';
import { sameCard, shownCard } from '../../domain/card/compare.js';
import type { ProfileState } from '../../domain/card/records.js';
import type { ProfileInput } from '../../domain/card/rules.js';
import { formatPhone } from '../../domain/phone.js';
import {
  type CardPrefill,
  cardFormView,
  changedOutsideNotice,
  noticeView,
} from '../../slack/views/card-modal.js';
import { explainFailure, isHopeless } from '../../slack/views/explain.js';
import {
  cardStateMessage,
  failureMessage,
  lastSeenNote,
  type Message,
  progressMessage,
} from '../../slack/views/messages.js';
import type { ModalMetadata } from '../../slack/views/metadata.js';
import { escapeMrkdwn } from '../../slack/views/text.js';
import type { ChangeRequest, ChangeResult } from '../changes/pipeline.js';
import { convertLinkedPhoto } from './convert.js';
import { type FreshestCard, remember } from './pictures.js';
import type { Audience, Deps } from './ports.js';
import { type Origin, presentChange, presentError, presentWaiting } from './present.js';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Reading the card must not keep a modal on "Loading…" for long: the person can still type a new one.
const stateReadTimeoutMs = 8_000;

type FormTarget = { viewId: string; hash: string | undefined; metadata: ModalMetadata & { number: string } };

/** Reads the number's state within a deadline: a slow Sendblue must not hold a modal for long. */
function readState(deps: Deps, number: string) {
  return deps.sendblue.getState(number, { deadlineMs: stateReadTimeoutMs });
}

/**
 * Whether the check of a form opened filled in is worth sending: with a request to Sendblue already
 * waiting half the check's deadline for a connection, it would most likely wait out the deadline
 * unsent, and then only add an update to an app that is already behind.
 */
export function checksNow(deps: Pick<Deps, 'sendblue'>): boolean {
  return deps.sendblue.queueDelayMs() < stateReadTimeoutMs / 2;
}

/** The form (or, for a number that cannot be edited, a notice) after a failed read, saying why. */
function unreadView(deps: Deps, target: FormTarget, error: unknown, prefill?: CardPrefill): ModalView {
  const { metadata } = target;
  const explanation = explainFailure(error);
  const phone = formatPhone(metadata.number);
  const reason = [explanation.meaning ?? explanation.headline, explanation.advice]
    .map(escapeMrkdwn)
    .join(' ');
  // When the number itself is unusable, a form would only lead to the same refusal.
  if (isHopeless(error)) return noticeView({ metadata }, `:x: *${phone} cannot be edited.* ${reason}`);
  const kept = prefill ? ' The form shows the last card known to contactcard.' : '';
  return cardFormView({
    metadata,
    prefill,
    uploads: deps.photoHost !== undefined,
    notice: `:warning: Could not read the current card of ${phone}. ${reason}${kept} You can still set a new card below.`,
  });
}

async function showForm(deps: Deps, target: FormTarget, view: ModalView): Promise<void> {
  const delivery = await deps.slack.updateModal(target.viewId, view, { hash: target.hash });
  if (!delivery.ok) deps.log.info(`card form not shown (${delivery.error}): the modal was probably closed`);
}

/**
 * Fills the loading modal of a number whose card the store does not know with Sendblue's card (no
 * photo: Sendblue never reports it), or says why it could not be read.
 */
export async function loadCardForm(deps: Deps, target: FormTarget): Promise<void> {
  const { metadata } = target;
  let view: ModalView;
  try {
    const readAt = deps.now();
    const state = await readState(deps, metadata.number);
    await remember(deps, metadata.number, state, 'editor', readAt);
    view = cardFormView({ metadata, prefill: state, uploads: deps.photoHost !== undefined });
  } catch (error) {
    view = unreadView(deps, target, error);
  }
  await showForm(deps, target, view);
}

// Opening the same card again and again re-reads Sendblue each time; its seen time is written again
// only once it is this old (every write is work on the path of each command).
const seenAgainAfterMs = 60_000;

/**
 * The form opened filled in with the freshest card known (null: Sendblue showed none); Sendblue's
 * state is read after the open, remembered, and the form changes only when Sendblue shows another
 * card or cannot be read.
 */
export async function checkCardForm(deps: Deps, target: FormTarget & { known: FreshestCard }): Promise<void> {
  const { metadata } = target;
  const { card: known, seenAt } = target.known;
  let state: ProfileState;
  const readAt = deps.now();
  try {
    state = await readState(deps, metadata.number);
  } catch (error) {
    // Same block ids: whatever the person has typed meanwhile stays.
    return showForm(deps, target, unreadView(deps, target, error, known ?? undefined));
  }
  const shown = shownCard(state, { photoUrl: known?.photoUrl ?? null });
  const same = sameCard(shown, known);
  if (!same || seenAt === undefined || deps.now().getTime() - seenAt.getTime() >= seenAgainAfterMs)
    await remember(deps, metadata.number, state, 'editor', readAt);
  if (same) return;
  // New block ids, so that Slack shows Sendblue's values instead of the ones it opened with.
  const revised = { ...metadata, revision: (metadata.revision ?? 0) + 1 };
  await showForm(
    deps,
    target,
    cardFormView({
      metadata: revised,
      prefill: shown ?? {},
      uploads: deps.photoHost !== undefined,
      notice: changedOutsideNotice(shown !== null),
    }),
  );
}

export type PresentingDeps = Pick<
  Deps,
  'changes' | 'slack' | 'config' | 'log' | 'now' | 'operations' | 'photoHost' | 'live' | 'approvals'
>;

/** Runs a change through the pipeline and presents its result where it was asked for; undefined: it broke. */
export async function changeAndPresent(
  deps: PresentingDeps,
  request: ChangeRequest,
  origin: Origin,
): Promise<ChangeResult | undefined> {
  let result: ChangeResult;
  try {
    result = await deps.changes.run(request, {
      onWaiting: () => presentWaiting(deps, origin, request.number),
      askedIn: origin.audience.channelId,
    });
  } catch (error) {
    deps.log.error(`${request.kind} ${request.number} did not complete: ${describe(error)}`);
    await presentError(deps, request, origin, error);
    return undefined;
  }
  await presentChange(deps, request, result, origin);
  return result;
}

/** Runs after the submission was acknowledged with the "Applying…" view. */
export async function applyCard(
  deps: Deps,
  submission: {
    card: ProfileInput;
    actorId: string;
    audience: Audience;
    viewId: string;
    metadata: ModalMetadata;
    /** Identifies this submission of this view, so a repeated one is not applied twice. */
    requestKey: string;
    /** The photo is one the app hosts (an upload): no link check. */
    photoHosted?: boolean;
  },
): Promise<void> {
  const { metadata } = submission;
  const number = submission.card.fromNumber;
  await setCard(deps, submission, {
    audience: submission.audience,
    modal: { viewId: submission.viewId, metadata: { ...metadata, number } },
  });
}

/**
 * Sets a card wherever it was asked for (the editor, a workflow step): a linked photo is converted
 * first when it needs to be, then the change runs and is presented. Undefined: the pipeline broke.
 */
export async function setCard(
  deps: Deps,
  submission: { card: ProfileInput; actorId: string; requestKey: string; photoHosted?: boolean },
  origin: Origin,
): Promise<ChangeResult | undefined> {
  const { actorId } = submission;
  // With hosting, a link to another format, an oversized or a far-from-square image is converted first.
  const linked = submission.photoHosted
    ? { ok: true as const, card: submission.card, photoHosted: true }
    : await convertLinkedPhoto(deps, submission.card, actorId);
  const request = {
    kind: 'set' as const,
    number: submission.card.fromNumber,
    card: submission.card,
    actorId,
    requestKey: submission.requestKey,
  };
  if (!linked.ok) {
    const invalid = { status: 'invalid' as const, problem: linked.problem, photo: 'link' as const };
    await presentChange(deps, request, invalid, origin);
    return invalid;
  }
  return changeAndPresent(deps, { ...request, card: linked.card, photoHosted: linked.photoHosted }, origin);
}

/** Runs after the confirmed Delete click was acknowledged; replaces the prompt with the outcome. */
export async function removeCard(
  deps: Deps,
  request: { number: string; actorId: string; audience: Audience },
): Promise<void> {
  const { number, audience, actorId } = request;
  await deps.slack.tellPrivately(
    audience,
    progressMessage(`Deleting the contact card of ${formatPhone(number)}…`),
    { replaceOriginal: true },
  );
  await changeAndPresent(deps, { kind: 'delete', number, actorId }, { audience, replacesPrompt: true });
}

/** `show`: the card as Sendblue reports it (remembered), or why it could not be read. */
export async function describeCard(deps: Deps, number: string): Promise<Message> {
  try {
    const readAt = deps.now();
    const state = await deps.sendblue.getState(number);
    await remember(deps, number, state, 'show', readAt);
    return cardStateMessage({ number, state });
  } catch (error) {
    const explanation = explainFailure(error);
    const failure = failureMessage({ number, action: 'read', explanation, retry: undefined });
    const seen = await deps.store.observedCard(number).catch(() => undefined);
    return seen ? { ...failure, blocks: [...failure.blocks, lastSeenNote(seen)] } : failure;
  }
}
