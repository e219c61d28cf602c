import type { CountryCode } from 'libphonenumber-js';
import { type SlackFile, slackFileSchema } from '../../adapters/slack-files.js';
import { type CardDraft, type ProfileInput, profileInputSchema } from '../../domain/card/rules.js';
import { parsePhone } from '../../domain/phone.js';
import { ids, refillable } from '../../slack/views/ids.js';
import type { ModalMetadata } from '../../slack/views/metadata.js';

/** `view.state.values` as Slack sends it: block id → action id → the element's state. */
export type ViewStateValues = Record<
  string,
  | Record<
      string,
      { value?: string | null; selected_option?: { value?: string } | null; files?: unknown } | undefined
    >
  | undefined
>;

export type SubmissionResult =
  | { ok: true; photo: 'link'; card: ProfileInput }
  /** A photo was uploaded instead of linked: the card gets its hosted URL once the file is processed. */
  | { ok: true; photo: 'upload'; card: Omit<ProfileInput, 'photoUrl'>; upload: SlackFile }
  /** Errors keyed by input block id, as `response_action: "errors"` wants them; and what was typed. */
  | { ok: false; errors: Record<string, string>; draft: CardDraft };

/** Where each field's input is in this revision of the form (see `refillable`). */
function fieldBlocks(revision: number | undefined) {
  return {
    fromNumber: ids.blocks.number,
    firstName: refillable(ids.blocks.firstName, revision),
    lastName: refillable(ids.blocks.lastName, revision),
    photoUrl: refillable(ids.blocks.photoUrl, revision),
    displayName: ids.blocks.displayName,
  } as const;
}
type FieldBlocks = ReturnType<typeof fieldBlocks>;

function typedValue(values: ViewStateValues, block: string, action: string): string | undefined {
  const state = values[block]?.[action];
  const value = state?.value ?? state?.selected_option?.value;
  return typeof value === 'string' ? value : undefined;
}

const uploadOrLink = 'Paste a photo link or upload a photo: either one is enough.';

/** The one file of the upload input, when there is one and it reads as a Slack file object. */
function uploadedFile(values: ViewStateValues): SlackFile | undefined {
  const files = values[ids.upload.block]?.[ids.upload.input]?.files;
  const first = Array.isArray(files) ? files[0] : undefined;
  const parsed = slackFileSchema.safeParse(first);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Validates a card modal submission with the same schemas the Sendblue client enforces. With
 * `uploads`, an uploaded file stands in for the photo link.
 */
export function readSubmission(
  values: ViewStateValues,
  metadata: ModalMetadata,
  region: CountryCode,
  options: { uploads?: boolean } = {},
): SubmissionResult {
  const blocks = fieldBlocks(metadata.revision);
  const draft: CardDraft = {
    number: metadata.number ?? typedValue(values, ids.blocks.number, ids.inputs.number),
    firstName: typedValue(values, blocks.firstName, ids.inputs.firstName),
    lastName: typedValue(values, blocks.lastName, ids.inputs.lastName),
    photoUrl: typedValue(values, blocks.photoUrl, ids.inputs.photoUrl),
    displayName: typedValue(values, ids.blocks.displayName, ids.inputs.displayName),
  };
  const errors: Record<string, string> = {};
  // A number from metadata was chosen by the app (E.164-checked on the way back): only a typed one
  // is parsed, and only a typed one has an input block to show an error on.
  const phone = metadata.number
    ? { ok: true as const, e164: metadata.number }
    : parsePhone(draft.number ?? '', region);
  if (!phone.ok) errors[ids.blocks.number] = phone.error;

  const upload = options.uploads ? uploadedFile(values) : undefined;
  const linked = (draft.photoUrl ?? '').trim() !== '';
  if (upload !== undefined && !linked) {
    const withoutPhoto = profileInputSchema.omit({ photoUrl: true }).safeParse({
      fromNumber: phone.ok ? phone.e164 : (draft.number ?? ''),
      firstName: draft.firstName ?? '',
      lastName: draft.lastName ?? '',
      displayName: draft.displayName,
    });
    collect(errors, blocks, withoutPhoto.success ? [] : withoutPhoto.error.issues);
    if (Object.keys(errors).length > 0 || !withoutPhoto.success) return { ok: false, errors, draft };
    return { ok: true, photo: 'upload', card: withoutPhoto.data, upload };
  }
  if (options.uploads && !linked) errors[blocks.photoUrl] = uploadOrLink;

  const parsed = profileInputSchema.safeParse({
    fromNumber: phone.ok ? phone.e164 : (draft.number ?? ''),
    firstName: draft.firstName ?? '',
    lastName: draft.lastName ?? '',
    photoUrl: draft.photoUrl ?? '',
    displayName: draft.displayName,
  });
  collect(errors, blocks, parsed.success ? [] : parsed.error.issues);
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors, draft };
  return { ok: true, photo: 'link', card: parsed.data };
}

/** Each schema problem on the block of its field, the first one per block. */
function collect(
  errors: Record<string, string>,
  blocks: FieldBlocks,
  issues: readonly { path: PropertyKey[]; message: string }[],
) {
  for (const issue of issues) {
    const block = blocks[issue.path[0] as keyof FieldBlocks] ?? blocks.firstName;
    errors[block] ??= issue.message;
  }
}
