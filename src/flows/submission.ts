import type { CountryCode } from 'libphonenumber-js';
import { type CardDraft, type ProfileInput, profileInputSchema } from '../card/rules.js';
import { parsePhone } from '../phone.js';
import { ids } from '../views/ids.js';
import type { ModalMetadata } from '../views/metadata.js';

/** `view.state.values` as Slack sends it: block id → action id → the element's state. */
export type ViewStateValues = Record<
  string,
  | Record<string, { value?: string | null; selected_option?: { value?: string } | null } | undefined>
  | undefined
>;

export type SubmissionResult =
  | { ok: true; card: ProfileInput }
  /** Errors keyed by input block id, as `response_action: "errors"` wants them; and what was typed. */
  | { ok: false; errors: Record<string, string>; draft: CardDraft };

const fieldBlocks = {
  fromNumber: ids.blocks.number,
  firstName: ids.blocks.firstName,
  lastName: ids.blocks.lastName,
  photoUrl: ids.blocks.photoUrl,
  displayName: ids.blocks.displayName,
} as const;

function typedValue(values: ViewStateValues, block: string, action: string): string | undefined {
  const state = values[block]?.[action];
  const value = state?.value ?? state?.selected_option?.value;
  return typeof value === 'string' ? value : undefined;
}

/** Validates a card modal submission with the same schemas the Sendblue client enforces. */
export function readSubmission(
  values: ViewStateValues,
  metadata: ModalMetadata,
  region: CountryCode,
): SubmissionResult {
  const draft: CardDraft = {
    number: metadata.number ?? typedValue(values, ids.blocks.number, ids.inputs.number),
    firstName: typedValue(values, ids.blocks.firstName, ids.inputs.firstName),
    lastName: typedValue(values, ids.blocks.lastName, ids.inputs.lastName),
    photoUrl: typedValue(values, ids.blocks.photoUrl, ids.inputs.photoUrl),
    displayName: typedValue(values, ids.blocks.displayName, ids.inputs.displayName),
  };
  const errors: Record<string, string> = {};
  // A number from metadata was chosen by the app (E.164-checked on the way back): only a typed one
  // is parsed, and only a typed one has an input block to show an error on.
  const phone = metadata.number
    ? { ok: true as const, e164: metadata.number }
    : parsePhone(draft.number ?? '', region);
  if (!phone.ok) errors[ids.blocks.number] = phone.error;

  const parsed = profileInputSchema.safeParse({
    fromNumber: phone.ok ? phone.e164 : (draft.number ?? ''),
    firstName: draft.firstName ?? '',
    lastName: draft.lastName ?? '',
    photoUrl: draft.photoUrl ?? '',
    displayName: draft.displayName,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const block = fieldBlocks[issue.path[0] as keyof typeof fieldBlocks] ?? ids.blocks.firstName;
      errors[block] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors, draft };
  return { ok: true, card: parsed.data };
}
