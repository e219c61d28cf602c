import { z } from 'zod';
import { profileInputSchema } from '../../domain/card/rules.js';
import { parsePhone } from '../../domain/phone.js';
import { refusalMessage, refusalText } from '../../slack/views/access-messages.js';
import { explainFailure } from '../../slack/views/explain.js';
import { failureReason, stepError, stepTexts } from '../../slack/views/workflow-steps.js';
import type { ChangeResult } from '../changes/pipeline.js';
import { setCard } from './card.js';
import { freshestCard, remember } from './pictures.js';
import type { Deps } from './ports.js';
import type { Origin } from './present.js';
import { hostedProfileImage, namesOf } from './profile.js';

// The Workflow Builder steps "Set a contact card" and "Read a contact card": plain flows that take a
// step's inputs and say how the step ends. The listener turns that into completeSuccess/completeError.

/** One execution of a step, as the function_executed event names it. */
export interface StepExecution {
  /** function_execution_id: the same on every delivery of the same execution. */
  id: string;
  inputs: unknown;
}

export type StepOutputs = Record<string, string | number>;

export type StepEnd =
  | { end: 'complete'; outputs: StepOutputs }
  | { end: 'fail'; error: string }
  /** A repeated delivery of an execution already being handled: the first delivery ends the step. */
  | { end: 'none' };

/** The `outcome` output of "Set a contact card". */
export type SetOutcome = 'applied' | 'waiting_for_approval' | 'refused' | 'failed';

const fail = (text: string): StepEnd => ({ end: 'fail', error: stepError(text) });
const complete = (outputs: StepOutputs): StepEnd => ({ end: 'complete', outputs });

// Slack sends an empty optional input as absent, null or ''; all of them mean "not given".
const optionalText = z
  .string({ error: 'must be text' })
  .nullish()
  .transform((value) => value?.trim() || undefined);
const slackId = (pattern: RegExp) =>
  z
    .string({ error: 'must be a Slack id' })
    .regex(pattern, 'must be a Slack id')
    .nullish()
    .transform((value) => value ?? undefined);
// slack#/types/user_context: set by Slack to the person running the workflow, never by its builder.
const actorSchema = z.looseObject({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/) }, { error: 'missing' });
const numberSchema = z.string({ error: 'is required' }).trim().min(1, 'is required');

const setInputsSchema = z.object({
  number: numberSchema,
  first_name: optionalText,
  last_name: optionalText,
  display_name: optionalText,
  photo_url: optionalText,
  profile_user: slackId(/^[UW][A-Z0-9]{2,}$/),
  announce_channel: slackId(/^[CGD][A-Z0-9]{2,}$/),
});

const readInputsSchema = z.object({ number: numberSchema });

/** The step's own input titles (manifest.yml), so an error names what to fix in Workflow Builder. */
const inputTitles: Record<string, string> = {
  number: 'Number',
  first_name: 'First name',
  last_name: 'Last name',
  display_name: 'Display name',
  photo_url: 'Photo URL',
  profile_user: 'Take names and photo from',
  announce_channel: 'Announce in',
};

type Parsed<T> = { ok: true; inputs: T; actorId: string; number: string } | { ok: false; end: StepEnd };

/** Who runs it, a number in E.164 and the other inputs; or the step's error, naming the input. */
function readInputs<T extends { number: string }>(
  deps: Pick<Deps, 'config'>,
  schema: z.ZodType<T>,
  raw: unknown,
): Parsed<T> {
  const inputs = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const actor = actorSchema.safeParse(inputs.actor);
  if (!actor.success) return { ok: false, end: fail(stepTexts.noActor) };
  const parsed = schema.safeParse(inputs);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = String(issue?.path[0] ?? 'number');
    return {
      ok: false,
      end: fail(stepTexts.input(inputTitles[field] ?? field, issue?.message ?? 'is not valid')),
    };
  }
  const phone = parsePhone(parsed.data.number, deps.config.defaultRegion);
  if (!phone.ok) return { ok: false, end: fail(stepTexts.input(inputTitles.number ?? '', phone.error)) };
  return { ok: true, inputs: parsed.data, actorId: actor.data.id, number: phone.e164 };
}

/**
 * "Set a contact card", as the person running the workflow: the typed fields win, a chosen Slack
 * user's profile fills in what is left (as in the editor), and the card goes through the one
 * pipeline and is presented like any other change. A change held for approval ends the step at
 * once, with the outcome `waiting_for_approval`.
 */
export async function runSetCardStep(deps: Deps, execution: StepExecution): Promise<StepEnd> {
  const parsed = readInputs(deps, setInputsSchema, execution.inputs);
  if (!parsed.ok) return parsed.end;
  const { inputs, actorId, number } = parsed;
  const origin: Origin = {
    // No response_url and no modal: private notes reach the person in their direct message with the app.
    audience: { userId: actorId, channelId: inputs.announce_channel ?? actorId, responseUrl: undefined },
  };
  // Asked before a profile is read or its photo hosted; the pipeline asks again when it runs.
  const decision = await deps.access.decide('set', actorId, number);
  if (!decision.allowed) {
    await deps.slack.tellPrivately(origin.audience, refusalMessage(decision.refusal));
    return complete({ outcome: 'refused', number, reason: refusalText(decision.refusal) });
  }

  const fields = {
    firstName: inputs.first_name,
    lastName: inputs.last_name,
    displayName: inputs.display_name,
    photoUrl: inputs.photo_url,
  };
  if (inputs.profile_user !== undefined && !(fields.firstName && fields.lastName && fields.photoUrl)) {
    const profile = await deps.slack.userProfile(inputs.profile_user);
    if (profile === undefined) return fail(stepTexts.unreadableProfile);
    const names = namesOf(profile);
    fields.firstName ??= names.firstName;
    fields.lastName ??= names.lastName;
    if (fields.photoUrl === undefined) {
      if (profile.image === undefined) return fail(stepTexts.noProfilePhoto);
      const photo = await hostedProfileImage(deps, profile.image, number, actorId);
      if (photo.url === undefined) return fail(stepTexts.profilePhoto(photo.problem ?? ''));
      fields.photoUrl = photo.url;
    }
  }
  const card = profileInputSchema.safeParse({ ...fields, fromNumber: number });
  if (!card.success) {
    const problems = [...new Set(card.error.issues.map((issue) => issue.message))];
    const missing = fields.firstName === undefined || fields.lastName === undefined || !fields.photoUrl;
    return fail(stepTexts.card(problems, missing && inputs.profile_user === undefined));
  }

  const result = await setCard(
    deps,
    { card: card.data, actorId, requestKey: `workflow:${execution.id}` },
    origin,
  );
  return setStepEnd(number, result);
}

function setStepEnd(number: string, result: ChangeResult | undefined): StepEnd {
  if (result === undefined) return fail(stepTexts.broke(number));
  const outcome = (value: SetOutcome, rest: StepOutputs = {}) =>
    complete({ outcome: value, number, ...rest });
  switch (result.status) {
    case 'ok':
      return outcome('applied', { change_id: result.entry.id });
    case 'held':
      return result.duplicate
        ? { end: 'none' }
        : outcome('waiting_for_approval', { approval_id: result.approval.id });
    case 'refused':
      return outcome('refused', { reason: refusalText(result.refusal) });
    case 'failed':
      return outcome('failed', {
        change_id: result.entry.id,
        reason: failureReason(explainFailure(result.error)),
      });
    case 'invalid':
      return fail(stepTexts.unusablePhoto(result.problem));
    case 'duplicate':
      return { end: 'none' };
  }
}

/**
 * "Read a contact card": the card as Sendblue reports it (remembered, like a `show`), with the photo
 * the app last set while the names agree (Sendblue never reports the photo). `status` is `set` or `none`.
 */
export async function runReadCardStep(deps: Deps, execution: StepExecution): Promise<StepEnd> {
  const parsed = readInputs(deps, readInputsSchema, execution.inputs);
  if (!parsed.ok) return parsed.end;
  const { actorId, number } = parsed;
  const decision = await deps.access.decide('show', actorId, number);
  if (!decision.allowed) return fail(refusalText(decision.refusal));
  let state: Awaited<ReturnType<Deps['sendblue']['getState']>>;
  const readAt = deps.now();
  try {
    state = await deps.sendblue.getState(number);
  } catch (error) {
    return fail(stepTexts.unread(number, explainFailure(error)));
  }
  await remember(deps, number, state, 'show', readAt);
  if (!state.hasProfile) return complete({ status: 'none', number });
  // The photo applied here, only while Sendblue's names are still the ones it went with.
  const photoUrl = (await freshestCard(deps, number))?.card?.photoUrl;
  const present = (entries: Record<string, string | null | undefined>): StepOutputs =>
    Object.fromEntries(Object.entries(entries).filter((entry): entry is [string, string] => !!entry[1]));
  return complete({
    status: 'set',
    number,
    ...present({
      first_name: state.firstName,
      last_name: state.lastName,
      display_name: state.displayName,
      photo_url: photoUrl,
    }),
  });
}
