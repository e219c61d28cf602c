import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import type { CardSnapshot } from '../../adapters/store/types.js';
import { DISPLAY_NAME_MAX_LENGTH, NAME_MAX_LENGTH } from '../../domain/card/rules.js';
import { formatPhone } from '../../domain/phone.js';
import { ids, refillable } from './ids.js';
import { encodeMetadata, type ModalMetadata } from './metadata.js';
import { escapeMrkdwn, limits, plain, slackDate, truncate } from './text.js';

/** What the form shows in its inputs: the current card, or what the person typed last time. */
export interface CardPrefill {
  firstName?: string | null;
  lastName?: string | null;
  photoUrl?: string | null;
  displayName?: string | null;
}

interface ModalContext {
  metadata: ModalMetadata;
}

function modal(context: ModalContext, blocks: KnownBlock[], submit?: string): ModalView {
  return {
    type: 'modal',
    callback_id: ids.cardModal,
    title: plain('Contact card', limits.modalTitle),
    close: plain(submit ? 'Cancel' : 'Close', limits.modalButton),
    ...(submit ? { submit: plain(submit, limits.modalButton) } : {}),
    private_metadata: encodeMetadata(context.metadata),
    blocks,
  };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) } };
}

/** Opened first, inside the trigger window, while the current card is read from Sendblue. */
export function loadingView(context: ModalContext & { metadata: { number: string } }): ModalView {
  return noticeView(
    context,
    `:hourglass_flowing_sand: Loading the current card of *${formatPhone(context.metadata.number)}*…`,
  );
}

/** The form opened filled in before Sendblue was read: with what it showed when (seenAt), or the last card set here. */
export function knownCardNotice(
  known: { card: CardSnapshot | null; seenAt: Date | undefined },
  checked: boolean,
): string {
  const checking = checked
    ? 'It is being checked with Sendblue: if Sendblue shows another card, this form will say so.'
    : 'contactcard has many requests to Sendblue waiting, so it is not checked with Sendblue now: open the editor again in a few minutes to check it.';
  if (known.seenAt === undefined)
    return `:mag: Filled in with the last card set through contactcard. ${checking}`;
  const when = slackDate(known.seenAt);
  if (known.card === null) return `:mag: Sendblue showed no card for this number ${when}. ${checking}`;
  const photo = known.card.photoUrl ? '' : ' Sendblue does not report photos: give the photo link below.';
  return `:mag: Filled in with the card Sendblue showed ${when}.${photo} ${checking}`;
}

/** The form after Sendblue showed a card other than the last one set here. */
export function changedOutsideNotice(hasCard: boolean): string {
  return hasCard
    ? ':warning: *This card was changed outside contactcard.* The form now shows what Sendblue shows (the photo is the last one set here).'
    : ':warning: *Sendblue shows no card for this number*: it was removed outside contactcard. Set it again below.';
}

/**
 * The editing form. It always replaces a view without inputs (the loading or applying view) or
 * opens fresh, so Slack applies every `initial_value` rather than keeping stale typed state.
 */
export function cardFormView(
  context: ModalContext & {
    prefill?: CardPrefill;
    notice?: string;
    numberChoices?: readonly string[] | undefined;
    /** Hosting is on: a photo may be uploaded instead of linked. */
    uploads?: boolean;
  },
): ModalView {
  const { metadata, prefill = {}, notice, uploads = false } = context;
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice));
  if (metadata.number) {
    blocks.push(section(`Card of *${formatPhone(metadata.number)}*`));
  } else {
    blocks.push(numberInput(context.numberChoices));
  }
  const revision = metadata.revision;
  blocks.push(
    profilePicker(),
    textInput(
      refillable(ids.blocks.firstName, revision),
      ids.inputs.firstName,
      'First name',
      prefill.firstName,
    ),
    textInput(refillable(ids.blocks.lastName, revision), ids.inputs.lastName, 'Last name', prefill.lastName),
    {
      type: 'input',
      block_id: refillable(ids.blocks.photoUrl, revision),
      label: plain('Photo URL'),
      optional: uploads,
      hint: plain(
        uploads
          ? 'A public https link to a JPEG or PNG, or upload a photo below: either one is enough.'
          : 'A public https link to a JPEG or PNG. Sendblue downloads it onto the phone.',
      ),
      // Checked as soon as it is pasted or entered, so the verdict is ready before submission.
      dispatch_action: true,
      element: {
        type: 'url_text_input',
        action_id: ids.inputs.photoUrl,
        placeholder: plain('https://example.com/team/photo.jpg'),
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed', 'on_character_entered'] },
        ...(prefill.photoUrl ? { initial_value: prefill.photoUrl } : {}),
      },
    },
    ...(uploads ? [uploadInput()] : []),
    textInput(
      ids.blocks.displayName,
      ids.inputs.displayName,
      'Display name',
      prefill.displayName,
      'Optional, shown alongside the card, e.g. “Jane at Acme”',
      DISPLAY_NAME_MAX_LENGTH,
    ),
  );
  return modal(context, blocks, 'Save card');
}

/** Choosing a teammate fills in the names and photo from their Slack profile. */
function profilePicker(): KnownBlock {
  return {
    type: 'section',
    block_id: ids.profilePicker,
    text: {
      type: 'mrkdwn',
      text: 'Fill from a Slack profile (optional): names and photo, all still editable.',
    },
    accessory: {
      type: 'users_select',
      action_id: ids.actions.fillFromProfile,
      placeholder: plain('Choose a person'),
    },
  };
}

/** The photo as a file: processed into a square JPEG without metadata and served by the app. */
function uploadInput(): KnownBlock {
  return {
    type: 'input',
    block_id: ids.upload.block,
    optional: true,
    label: plain('Or upload a photo'),
    hint: plain(
      'JPEG, PNG, WebP, GIF, AVIF or TIFF, up to 10 MB. It is cropped to a square and shared publicly, without its metadata (location, camera).',
    ),
    element: {
      type: 'file_input',
      action_id: ids.upload.input,
      filetypes: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff', 'heic'],
      max_files: 1,
    },
  };
}

// Slack's static_select holds at most 100 options; more numbers than that are typed instead.
const maxNumberChoices = 100;

/** A select of the numbers the person may pick (the account's lines, or the ones they own), else a text field. */
function numberInput(choices: readonly string[] | undefined): KnownBlock {
  const base = { type: 'input', block_id: ids.blocks.number, label: plain('Sendblue number') } as const;
  if (choices && choices.length > 0 && choices.length <= maxNumberChoices) {
    return {
      ...base,
      element: {
        type: 'static_select',
        action_id: ids.inputs.number,
        placeholder: plain('Choose a number'),
        options: choices.map((number) => ({ text: plain(formatPhone(number), 75), value: number })),
      },
    };
  }
  return {
    ...base,
    hint: plain('The Sendblue line whose card you are setting, e.g. +1 415 555 1234'),
    element: {
      type: 'plain_text_input',
      action_id: ids.inputs.number,
      max_length: 32,
      placeholder: plain('+1 415 555 1234'),
    },
  };
}

/** A one-line text input, optional when it has a hint saying so; shared with the bulk form. */
export function textInput(
  blockId: string,
  actionId: string,
  label: string,
  initial: string | null | undefined,
  optionalHint?: string,
  maxLength = NAME_MAX_LENGTH,
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: optionalHint !== undefined,
    ...(optionalHint ? { hint: plain(optionalHint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: maxLength,
      ...(initial ? { initial_value: truncate(initial, maxLength) } : {}),
    },
  };
}

/** The submission's immediate answer: the Sendblue call runs after the ack. */
export function applyingView(
  context: ModalContext & { metadata: { number: string }; processing?: boolean },
): ModalView {
  const photo = context.processing ? 'Turning your photo into a square JPEG, then ' : '';
  return noticeView(
    context,
    `:arrows_counterclockwise: *Applying the card to ${formatPhone(context.metadata.number)}…*\n${photo}` +
      'Sendblue sends it to the phone, which can take up to a minute. You can close this window: ' +
      'the result is posted in the conversation either way.',
  );
}

/** After a successful set; with the photo as iMessage will show it, when Slack can fetch it. */
export function submittedView(
  context: ModalContext & { metadata: { number: string }; photoUrl?: string | undefined },
): ModalView {
  const text =
    `:white_check_mark: *Card submitted for ${formatPhone(context.metadata.number)}.*\n` +
    'iMessage recipients see it at their next conversation with this number.';
  if (!context.photoUrl) return noticeView(context, text);
  const photo: KnownBlock = {
    type: 'image',
    image_url: context.photoUrl,
    alt_text: 'The contact card photo',
    title: plain('The photo iMessage recipients see', 150),
  };
  return modal(context, [section(text), photo]);
}

/** A modal that only says something (mrkdwn), with a Close button. */
export function noticeView(context: ModalContext, text: string): ModalView {
  return modal(context, [section(text)]);
}

/** What the photo check found, shown right under the Photo URL input. */
export type PhotoFeedback =
  | { kind: 'preview'; url: string; caption: string; warnings: readonly string[] }
  | { kind: 'problem'; reason: string }
  /** The check passed but Slack cannot display the image. */
  | { kind: 'no-preview'; caption: string; warnings: readonly string[] };

/**
 * The same modal with the photo feedback placed after the Photo URL input. Every input block
 * keeps its ids, so Slack keeps what the person has typed.
 */
export function withPhotoFeedback(view: ModalView, feedback: PhotoFeedback): ModalView {
  const blocks = (view.blocks as KnownBlock[]).filter(
    (block) => !block.block_id?.startsWith(ids.photoFeedback),
  );
  const at = blocks.findIndex((block) => block.block_id?.startsWith(ids.blocks.photoUrl));
  return {
    ...view,
    blocks: [...blocks.slice(0, at + 1), ...feedbackBlocks(feedback), ...blocks.slice(at + 1)],
  };
}

function feedbackBlocks(feedback: PhotoFeedback): KnownBlock[] {
  const context = (text: string, suffix: string): KnownBlock => ({
    type: 'context',
    block_id: `${ids.photoFeedback}_${suffix}`,
    elements: [{ type: 'mrkdwn', text: truncate(text, limits.contextText) }],
  });
  const warnings = (list: readonly string[]) => list.map((warning) => `:warning: ${escapeMrkdwn(warning)}`);
  switch (feedback.kind) {
    case 'problem':
      return [context(`:x: ${escapeMrkdwn(feedback.reason)}`, 'problem')];
    case 'no-preview':
      return [
        context(
          [
            `:white_check_mark: ${escapeMrkdwn(feedback.caption)} (Slack cannot show a preview of it.)`,
            ...warnings(feedback.warnings),
          ].join('\n'),
          'note',
        ),
      ];
    case 'preview':
      return [
        {
          type: 'image',
          block_id: `${ids.photoFeedback}_image`,
          image_url: feedback.url,
          alt_text: 'Preview of the contact card photo',
          title: plain(feedback.caption, 150),
        },
        ...(feedback.warnings.length > 0
          ? [context(warnings(feedback.warnings).join('\n'), 'warnings')]
          : []),
      ];
  }
}

/**
 * The open form with the names and photo filled in again (from a Slack profile), and a note at
 * the top. Those three inputs get new block ids (the next revision) so Slack shows the new values;
 * every other input keeps its id, so what the person typed there stays.
 */
export function refilledView(
  view: ModalView,
  metadata: ModalMetadata,
  fill: {
    firstName: string | undefined;
    lastName: string | undefined;
    photoUrl: string | undefined;
    notice: string;
  },
): ModalView {
  const revision = (metadata.revision ?? 0) + 1;
  const next = { ...metadata, revision };
  const replaced: Record<string, KnownBlock> = {
    [ids.blocks.firstName]: textInput(
      refillable(ids.blocks.firstName, revision),
      ids.inputs.firstName,
      'First name',
      fill.firstName,
    ),
    [ids.blocks.lastName]: textInput(
      refillable(ids.blocks.lastName, revision),
      ids.inputs.lastName,
      'Last name',
      fill.lastName,
    ),
  };
  const blocks = (view.blocks as KnownBlock[])
    .filter((block) => block.block_id !== ids.refillNotice && !block.block_id?.startsWith(ids.photoFeedback))
    .map((block) => {
      const base = Object.keys(replaced).find((id) => block.block_id?.startsWith(id));
      if (base) return replaced[base] as KnownBlock;
      if (block.block_id?.startsWith(ids.blocks.photoUrl) && block.type === 'input') {
        const element = { ...block.element } as Record<string, unknown>;
        delete element.initial_value;
        return {
          ...block,
          block_id: refillable(ids.blocks.photoUrl, revision),
          element: { ...element, ...(fill.photoUrl ? { initial_value: fill.photoUrl } : {}) },
        } as KnownBlock;
      }
      return block;
    });
  const at = blocks.findIndex((block) => block.block_id === ids.profilePicker);
  blocks.splice(at + 1, 0, { ...section(fill.notice), block_id: ids.refillNotice });
  return { ...view, private_metadata: encodeMetadata(next), blocks };
}
