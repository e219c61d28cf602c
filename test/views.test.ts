import type { InputBlock, ModalView } from '@slack/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CardSnapshot } from '../src/adapters/store/types.js';
import { NAME_MAX_LENGTH as nameMaxLength, type ProfileInput } from '../src/domain/card/rules.js';
import { decodeRetryDraft } from '../src/slack/listeners/actions/card-buttons.js';
import {
  applyingView,
  type CardPrefill,
  cardFormView,
  loadingView,
  noticeView,
  submittedView,
  withPhotoFeedback,
} from '../src/slack/views/card-modal.js';
import type { Explanation } from '../src/slack/views/explain.js';
import { ids } from '../src/slack/views/ids.js';
import {
  type CardDraft,
  cardDeletedMessage,
  cardStateMessage,
  cardUpdatedMessage,
  changeNotice,
  deletePromptMessage,
  encodeRetry,
  failureMessage,
  helpMessage,
  type Message,
  notifyFailedMessage,
  progressMessage,
} from '../src/slack/views/messages.js';
import { decodeMetadata, encodeMetadata, type ModalMetadata } from '../src/slack/views/metadata.js';
import { sandboxMessage, sandboxView } from '../src/slack/views/sandbox.js';

// ---------------------------------------------------------------------------------------------
// One walker for every surface: it visits the JSON Slack receives and reports each broken limit
// with its path, so a failing test says exactly where and which limit.
// ---------------------------------------------------------------------------------------------

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Found {
  /** Every object with a string `type`: blocks, elements, text objects. */
  typed: { at: string; node: Node }[];
  /** Every block_id / action_id. */
  ids: { at: string; key: string; value: string }[];
  /** Every string anywhere, to check it is well-formed Unicode. */
  strings: { at: string; value: string }[];
}

function walk(value: unknown, at = '$', found: Found = { typed: [], ids: [], strings: [] }): Found {
  if (typeof value === 'string') found.strings.push({ at, value });
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, `${at}[${i}]`, found);
  } else if (isNode(value)) {
    if (typeof value.type === 'string') found.typed.push({ at, node: value });
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'block_id' || key === 'action_id') && typeof child === 'string')
        found.ids.push({ at: `${at}.${key}`, key, value: child });
      walk(child, `${at}.${key}`, found);
    }
  }
  return found;
}

/** Slack's documented Block Kit limits, plus the app's own rule that Delete always asks first. */
function violations(surface: ModalView | Message, kind: 'modal' | 'message'): string[] {
  const problems: string[] = [];
  const textOf = (value: unknown) => (isNode(value) ? value.text : undefined);
  const within = (at: string, value: unknown, max: number, min = 1) => {
    if (typeof value !== 'string') problems.push(`${at}: missing (${typeof value})`);
    else if (value.length < min || value.length > max)
      problems.push(`${at}: length ${value.length} outside ${min}..${max}`);
  };
  const count = (at: string, list: unknown, max: number, min = 1) => {
    const length = Array.isArray(list) ? list.length : -1;
    if (length < min || length > max) problems.push(`${at}: ${length} items outside ${min}..${max}`);
  };

  if (kind === 'modal') {
    const view = surface as ModalView;
    within('$.title', textOf(view.title), 24);
    within('$.close', textOf(view.close), 24);
    if (view.submit !== undefined) within('$.submit', textOf(view.submit), 24);
    within('$.private_metadata', view.private_metadata, 3000, 0);
    count('$.blocks', view.blocks, 100);
    if (view.blocks.some((block) => block.type === 'input') && view.submit === undefined)
      problems.push('$.submit: required when the modal has inputs');
  } else {
    const message = surface as Message;
    // Notification text: Slack truncates past 40k and advises at most 4000.
    within('$.text', message.text, 4000);
    count('$.blocks', message.blocks, 50);
  }

  const found = walk(surface);
  for (const { at, node } of found.typed) {
    switch (node.type) {
      case 'plain_text':
      case 'mrkdwn':
        within(`${at}.text`, node.text, 3000);
        break;
      case 'section':
        if (node.text === undefined && node.fields === undefined)
          problems.push(`${at}: section without text`);
        break;
      case 'context':
        count(`${at}.elements`, node.elements, 10);
        break;
      case 'actions': {
        count(`${at}.elements`, node.elements, 25);
        const actionIds = (Array.isArray(node.elements) ? node.elements : []).map((e) =>
          isNode(e) ? e.action_id : undefined,
        );
        if (new Set(actionIds).size !== actionIds.length) problems.push(`${at}: duplicate action_id`);
        break;
      }
      case 'input':
        within(`${at}.label`, textOf(node.label), 2000);
        if (node.hint !== undefined) within(`${at}.hint`, textOf(node.hint), 2000);
        if (!isNode(node.element)) problems.push(`${at}: input without element`);
        break;
      case 'plain_text_input':
      case 'url_text_input':
        if (node.placeholder !== undefined) within(`${at}.placeholder`, textOf(node.placeholder), 150);
        if (typeof node.max_length === 'number') {
          if (node.max_length > 3000) problems.push(`${at}.max_length: above 3000`);
          if (node.initial_value !== undefined)
            within(`${at}.initial_value`, node.initial_value, node.max_length);
        }
        break;
      case 'button':
        within(`${at}.text`, textOf(node.text), 75);
        within(`${at}.action_id`, node.action_id, 255);
        if (node.value !== undefined) within(`${at}.value`, node.value, 2000);
        if (node.action_id === ids.actions.delete && node.confirm === undefined)
          problems.push(`${at}: Delete button without a confirm dialog`);
        if (node.confirm !== undefined) {
          const confirm = isNode(node.confirm) ? node.confirm : {};
          within(`${at}.confirm.title`, textOf(confirm.title), 100);
          within(`${at}.confirm.text`, textOf(confirm.text), 300);
          within(`${at}.confirm.confirm`, textOf(confirm.confirm), 30);
          within(`${at}.confirm.deny`, textOf(confirm.deny), 30);
        }
        break;
      case 'static_select': {
        if (node.placeholder !== undefined) within(`${at}.placeholder`, textOf(node.placeholder), 150);
        count(`${at}.options`, node.options, 100);
        const options = Array.isArray(node.options) ? node.options : [];
        for (const [i, option] of options.entries()) {
          within(`${at}.options[${i}].text`, textOf(isNode(option) ? option.text : undefined), 75);
          within(`${at}.options[${i}].value`, isNode(option) ? option.value : undefined, 150);
        }
        break;
      }
      case 'image':
        within(`${at}.alt_text`, node.alt_text, 2000);
        within(`${at}.image_url`, node.image_url, 3000);
        if (node.title !== undefined) within(`${at}.title`, textOf(node.title), 2000);
        break;
    }
  }
  for (const { at, value } of found.ids) within(at, value, 255);
  const blockIds = found.ids.filter((id) => id.key === 'block_id').map((id) => id.value);
  if (new Set(blockIds).size !== blockIds.length) problems.push('$: duplicate block_id');
  for (const { at, value } of found.strings)
    if (loneSurrogate.test(value)) problems.push(`${at}: lone surrogate (text cut inside an emoji)`);
  return problems;
}

/** All mrkdwn text objects: where Slack interprets `<!channel>`, `<@U…>` and links. */
const mrkdwnTexts = (surface: unknown) =>
  walk(surface)
    .typed.filter(({ node }) => node.type === 'mrkdwn')
    .map(({ node }) => String(node.text));

// ---------------------------------------------------------------------------------------------
// Inputs: hostile but realistic text, and every builder fed with it.
// ---------------------------------------------------------------------------------------------

const nasty: Record<string, string> = {
  emoji: '👩🏽‍💻🏳️‍🌈👨‍👩‍👧‍👦'.repeat(12),
  cjk: '東京都千代田区丸の内一丁目'.repeat(8),
  combining: 'Z\u0351\u0307\u0308a\u0300\u0301l\u0334g\u035co\u0489'.repeat(12),
  latin65: 'Bartholomew-Alexandros'.repeat(3),
  mrkdwn: '<!channel> & <@U0123ABC|boss> *bold* `code` <https://evil.example|click>',
  control: 'a\u0000b\u0007c\n\td\u202ee\u200b',
  huge: 'Ab😀<&東\u0301'.repeat(700),
  // 'a' first puts every emoji at an odd offset, so a cut on UTF-16 units splits a pair at any limit.
  boundary: `a${'😀'.repeat(2600)}`,
};

/** Cuts to at most `max` UTF-16 units on code points: what the schemas let through. */
function clip(text: string, max: number): string {
  let out = '';
  for (const point of text) {
    if (out.length + point.length > max) break;
    out += point;
  }
  return out;
}

const number = '+14155551234';
/** Distinct valid US numbers, for the number select. */
const manyNumbers = (n: number) => Array.from({ length: n }, (_, i) => `+1415555${String(1000 + i)}`);
const at = new Date('2025-03-04T05:06:07Z');
const actorId = 'U0123ABCDEF';
const meta = (withNumber?: string): ModalMetadata => ({
  ...(withNumber ? { number: withNumber } : {}),
  channel: 'C0123456789',
  // The longest the schema allows, so private_metadata is checked at its worst.
  responseUrl: `https://hooks.slack.com/actions/T0/1/${'x'.repeat(474)}`,
});
const photoFor = (text: string) => clip(`https://example.com/p/${encodeURIComponent(text)}`, 2048);
// A ProfileInput has passed the schema: names ≤ 64, photo ≤ 2048.
const cardOf = (text: string): ProfileInput => ({
  fromNumber: number,
  firstName: clip(text, 64),
  lastName: clip(text, 64),
  photoUrl: photoFor(text),
  displayName: clip(text, 64),
});
const draftOf = (text: string): CardDraft => {
  const { fromNumber, ...rest } = cardOf(text);
  return { number: fromNumber, ...rest };
};
const snapshotOf = (text: string): CardSnapshot => {
  const { fromNumber: _, ...card } = cardOf(text);
  return { ...card, displayName: card.displayName ?? null };
};
const explanationOf = (text: string): Explanation => ({
  headline: text,
  sendblueMessage: text,
  meaning: text,
  advice: text,
});
// What Sendblue returns is not bounded at all.
const stateOf = (text: string) => ({ hasProfile: true, firstName: text, lastName: text, displayName: text });
const noState = { hasProfile: false, firstName: null, lastName: null, displayName: null };

type Build<T> = (text: string) => T;

/** What leaves the app: the outbox labels everything in sandbox mode. */
function labelled<T extends ModalView | Message>(built: T, sandbox: boolean): T {
  if (!sandbox) return built;
  return ('type' in built ? sandboxView(built) : sandboxMessage(built as Message)) as T;
}

const modalBuilders: [string, Build<ModalView>][] = [
  ['loadingView', (_) => loadingView({ metadata: { ...meta(), number } })],
  ['cardFormView asking for the number', (_) => cardFormView({ metadata: meta() })],
  [
    'cardFormView with number, prefill and notice',
    (text) =>
      cardFormView({
        metadata: meta(number),
        prefill: { firstName: text, lastName: text, photoUrl: photoFor(text), displayName: text },
        notice: text,
      }),
  ],
  [
    'cardFormView without number, with prefill',
    (text) => cardFormView({ metadata: meta(), prefill: stateOf(text) }),
  ],
  [
    'cardFormView with 100 number choices',
    (_) => cardFormView({ metadata: meta(), numberChoices: manyNumbers(100) }),
  ],
  [
    'withPhotoFeedback (problem)',
    (text) => withPhotoFeedback(cardFormView({ metadata: meta(number) }), { kind: 'problem', reason: text }),
  ],
  [
    'withPhotoFeedback (preview with warnings)',
    (text) =>
      withPhotoFeedback(cardFormView({ metadata: meta(), prefill: stateOf(text) }), {
        kind: 'preview',
        url: photoFor(text),
        caption: text,
        warnings: [text, text],
      }),
  ],
  [
    'withPhotoFeedback (no preview)',
    (text) =>
      withPhotoFeedback(cardFormView({ metadata: meta(number) }), {
        kind: 'no-preview',
        caption: text,
        warnings: [text],
      }),
  ],
  ['applyingView', (_) => applyingView({ metadata: { ...meta(), number } })],
  ['submittedView', (_) => submittedView({ metadata: { ...meta(), number } })],
  ['noticeView', (text) => noticeView({ metadata: meta() }, text)],
];

const messageBuilders: [string, Build<Message>][] = [
  ['helpMessage', (_) => helpMessage({})],
  [
    'helpMessage with admins',
    (_) => helpMessage({ access: { openMode: false, admins: [actorId, 'U0AAAAAAAAA'] } }),
  ],
  ['helpMessage in open mode', (_) => helpMessage({ access: { openMode: true, admins: [] } })],
  ['helpMessage with a problem', (text) => helpMessage({ problem: text })],
  ['progressMessage', (text) => progressMessage(text)],
  ['cardStateMessage without a profile', (_) => cardStateMessage({ number, state: noState })],
  ['cardStateMessage with a profile', (text) => cardStateMessage({ number, state: stateOf(text) })],
  ['deletePromptMessage', (_) => deletePromptMessage({ number })],
  [
    'cardUpdatedMessage with photo',
    (text) => cardUpdatedMessage({ card: cardOf(text), actorId, at, withPhoto: true }),
  ],
  [
    'cardUpdatedMessage without photo',
    (text) => cardUpdatedMessage({ card: cardOf(text), actorId, at, withPhoto: false }),
  ],
  ['cardDeletedMessage', (_) => cardDeletedMessage({ number, actorId, at })],
  [
    'changeNotice (first set)',
    (text) => changeNotice({ number, actorId, at, before: null, after: snapshotOf(text) }),
  ],
  [
    'changeNotice (change)',
    (text) => changeNotice({ number, actorId, at, before: snapshotOf(`${text}!`), after: snapshotOf(text) }),
  ],
  [
    'changeNotice (delete)',
    (text) => changeNotice({ number, actorId, at, before: snapshotOf(text), after: undefined }),
  ],
  [
    'failureMessage with retry',
    (text) =>
      failureMessage({
        number,
        action: 'set',
        explanation: explanationOf(text),
        retry: draftOf(text),
      }),
  ],
  [
    'failureMessage without retry',
    (text) =>
      failureMessage({
        number,
        action: 'delete',
        explanation: explanationOf(text),
        retry: undefined,
      }),
  ],
  ['notifyFailedMessage', (text) => notifyFailedMessage({ channel: 'C0123456789', error: text })],
];

function violationsForAll<T extends ModalView | Message>(
  build: Build<T>,
  kind: 'modal' | 'message',
  inputs: Record<string, string>,
) {
  const problems: string[] = [];
  for (const [label, text] of Object.entries(inputs))
    for (const sandbox of [false, true])
      problems.push(
        ...violations(labelled(build(text), sandbox), kind).map((p) => `${label}, sandbox=${sandbox}: ${p}`),
      );
  return problems;
}

describe('the limit walker', () => {
  // Without this, a walker that never reports anything would make every limit test pass.
  it('reports each kind of broken limit', () => {
    const broken: ModalView = {
      type: 'modal',
      title: { type: 'plain_text', text: 'x'.repeat(25) },
      close: { type: 'plain_text', text: 'Close' },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        { type: 'section', block_id: 'b'.repeat(256), text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
        { type: 'section', text: { type: 'mrkdwn', text: 'a\ud83d' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 't'.repeat(76) },
              action_id: 'a',
              value: 'v',
            },
            { type: 'button', text: { type: 'plain_text', text: 'Delete' }, action_id: ids.actions.delete },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'ok' },
              action_id: 'c',
              value: 'v'.repeat(2001),
            },
          ],
        },
        {
          type: 'context',
          elements: [{ type: 'image', image_url: 'https://x.example/a.png', alt_text: '' }],
        },
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Name' },
          element: { type: 'plain_text_input', action_id: 'n', max_length: 3, initial_value: 'four' },
        },
      ],
    };
    expect(violations(broken, 'modal')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.title: length 25/),
        expect.stringMatching(/^\$\.private_metadata: length 3001/),
        expect.stringMatching(/^\$\.submit: required/),
        expect.stringMatching(/block_id: length 256/),
        expect.stringMatching(/blocks\[0\]\.text\.text: length 3001/),
        expect.stringMatching(/blocks\[1\].*lone surrogate/),
        expect.stringMatching(/elements\[0\]\.text: length 76/),
        expect.stringMatching(/elements\[1\]: Delete button without a confirm/),
        expect.stringMatching(/elements\[2\]\.value: length 2001/),
        expect.stringMatching(/alt_text: length 0/),
        expect.stringMatching(/initial_value: length 4 outside 1\.\.3/),
      ]),
    );
    const tooLong: Message = {
      text: '',
      blocks: Array.from({ length: 51 }, () => ({ type: 'divider' as const })),
    };
    expect(violations(tooLong, 'message')).toEqual([
      '$.text: length 0 outside 1..4000',
      '$.blocks: 51 items outside 1..50',
    ]);
  });
});

describe('Slack limits with hostile text', () => {
  it.each(modalBuilders)('%s stays within modal limits', (_, build) => {
    expect(violationsForAll(build, 'modal', nasty)).toEqual([]);
  });

  it.each(messageBuilders)('%s stays within message limits', (_, build) => {
    expect(violationsForAll(build, 'message', nasty)).toEqual([]);
  });

  it('every builder stays within limits for arbitrary Unicode text', () => {
    // Callers never pass empty text (Slack refuses an empty section), so neither does this.
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 6000, size: 'max' });
    fc.assert(
      fc.property(text, fc.boolean(), (input, sandbox) => {
        for (const [name, build] of modalBuilders)
          expect(violations(labelled(build(input), sandbox), 'modal'), name).toEqual([]);
        for (const [name, build] of messageBuilders)
          expect(violations(labelled(build(input), sandbox), 'message'), name).toEqual([]);
      }),
      // Shrinking 6000-character strings through every builder takes minutes: report the first failure as is.
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('asks for confirmation on every Delete button', () => {
    const withDelete = [
      cardStateMessage({ number, state: stateOf('Jane') }),
      deletePromptMessage({ number }),
    ];
    for (const message of withDelete) {
      const buttons = walk(message).typed.filter(
        ({ node }) => node.type === 'button' && node.action_id === ids.actions.delete,
      );
      expect(buttons).toHaveLength(1);
      expect(buttons[0]?.node).toMatchObject({
        value: number,
        style: 'danger',
        confirm: { style: 'danger', text: { text: expect.stringContaining('+1 415 555 1234') } },
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The card form.
// ---------------------------------------------------------------------------------------------

function inputOf(view: ModalView, blockId: string): InputBlock | undefined {
  return view.blocks.find(
    (block): block is InputBlock => block.type === 'input' && block.block_id === blockId,
  );
}

function textElementOf(view: ModalView, blockId: string) {
  const element = inputOf(view, blockId)?.element;
  if (element?.type !== 'plain_text_input') throw new Error(`${blockId} is not a plain_text_input`);
  return element;
}

describe('cardFormView', () => {
  const prefill: CardPrefill = {
    firstName: 'Jane',
    lastName: 'Doe',
    photoUrl: 'https://example.com/jane.jpg',
    displayName: 'Jane at Acme',
  };

  it('puts each prefilled value in its own input', () => {
    const view = cardFormView({ metadata: meta(number), prefill });
    expect(textElementOf(view, ids.blocks.firstName)).toMatchObject({
      action_id: ids.inputs.firstName,
      initial_value: 'Jane',
    });
    expect(textElementOf(view, ids.blocks.lastName)).toMatchObject({
      action_id: ids.inputs.lastName,
      initial_value: 'Doe',
    });
    expect(textElementOf(view, ids.blocks.displayName)).toMatchObject({
      action_id: ids.inputs.displayName,
      initial_value: 'Jane at Acme',
    });
    expect(inputOf(view, ids.blocks.photoUrl)?.element).toMatchObject({
      action_id: ids.inputs.photoUrl,
      initial_value: 'https://example.com/jane.jpg',
    });
  });

  it('leaves inputs empty when there is nothing to prefill', () => {
    const empty = { firstName: null, lastName: '', photoUrl: null, displayName: null };
    const views = [
      cardFormView({ metadata: meta(number) }),
      cardFormView({ metadata: meta(number), prefill: empty }),
    ];
    for (const view of views)
      for (const block of Object.values(ids.blocks))
        expect(inputOf(view, block)?.element ?? {}).not.toHaveProperty('initial_value');
  });

  it('cuts an over-long prefilled name to fit the input', () => {
    const view = cardFormView({
      metadata: meta(number),
      prefill: { firstName: 'J'.repeat(200) },
    });
    const initial = textElementOf(view, ids.blocks.firstName).initial_value ?? '';
    expect(initial.length).toBeLessThanOrEqual(nameMaxLength);
    expect(initial.startsWith('J'.repeat(nameMaxLength - 1))).toBe(true);
  });

  it('asks for the number only when the metadata has none', () => {
    const asking = cardFormView({ metadata: meta() });
    expect(textElementOf(asking, ids.blocks.number).action_id).toBe(ids.inputs.number);
    expect(inputOf(asking, ids.blocks.number)?.optional).not.toBe(true);

    const known = cardFormView({ metadata: meta(number) });
    expect(inputOf(known, ids.blocks.number)).toBeUndefined();
    expect(mrkdwnTexts(known).join('\n')).toContain('+1 415 555 1234');
  });

  it('offers the allowed numbers as a select, up to the 100 options Slack allows', () => {
    const choices = manyNumbers(100);
    const select = inputOf(cardFormView({ metadata: meta(), numberChoices: choices }), ids.blocks.number);
    expect(select?.element).toMatchObject({ type: 'static_select', action_id: ids.inputs.number });
    const options = select?.element.type === 'static_select' ? (select.element.options ?? []) : [];
    expect(options.map((option) => option.value)).toEqual(choices);
    expect(options[0]?.text.text).toBe('+1 415 555 1000');

    // One more than a select holds, or none at all: typed instead.
    for (const numberChoices of [manyNumbers(101), [], undefined]) {
      const view = cardFormView({ metadata: meta(), numberChoices });
      expect(textElementOf(view, ids.blocks.number).action_id).toBe(ids.inputs.number);
    }
    // A known number needs no choice.
    const known = cardFormView({ metadata: meta(number), numberChoices: choices });
    expect(inputOf(known, ids.blocks.number)).toBeUndefined();
  });

  it('asks for the photo as an https link', () => {
    const photo = inputOf(cardFormView({ metadata: meta(number) }), ids.blocks.photoUrl);
    expect(photo?.element.type).toBe('url_text_input');
    expect(photo?.hint?.text).toMatch(/https/);
    expect(photo?.optional).not.toBe(true);
  });

  it('requires the names, makes Display name optional, and bounds all three', () => {
    const view = cardFormView({ metadata: meta(number) });
    expect(inputOf(view, ids.blocks.firstName)?.optional).toBe(false);
    expect(inputOf(view, ids.blocks.lastName)?.optional).toBe(false);
    expect(inputOf(view, ids.blocks.displayName)?.optional).toBe(true);
    for (const block of [ids.blocks.firstName, ids.blocks.lastName, ids.blocks.displayName])
      expect(textElementOf(view, block).max_length).toBe(64);
  });

  it('is a submittable modal whose metadata reads back, with the notice first', () => {
    const metadata = meta();
    const view = cardFormView({ metadata, notice: ':warning: Could not read the card.' });
    expect(view.callback_id).toBe(ids.cardModal);
    expect(view.submit?.text).toBeTruthy();
    expect(decodeMetadata(view.private_metadata)).toEqual(metadata);
    expect(view.blocks[0]).toMatchObject({
      type: 'section',
      text: { text: ':warning: Could not read the card.' },
    });
  });

  it('puts photo feedback right under the photo input, replacing earlier feedback', () => {
    const form = sandboxView(cardFormView({ metadata: meta(), prefill: { firstName: 'Jane' } }));
    const blockIds = (view: ModalView) => view.blocks.map((block) => block.block_id ?? block.type);
    const photoAt = blockIds(form).indexOf(ids.blocks.photoUrl);
    const first = withPhotoFeedback(form, { kind: 'problem', reason: 'Not an image' });
    const second = withPhotoFeedback(first, {
      kind: 'preview',
      url: 'https://e.example/a.png',
      caption: 'ok',
      warnings: ['small'],
    });
    expect(blockIds(second)).toEqual([
      ...blockIds(form).slice(0, photoAt + 1),
      `${ids.photoFeedback}_image`,
      `${ids.photoFeedback}_warnings`,
      ...blockIds(form).slice(photoAt + 1),
    ]);
    // Typed state survives only if the inputs are untouched.
    for (const block of Object.values(ids.blocks))
      expect(inputOf(second, block)).toEqual(inputOf(form, block));
    expect(second.private_metadata).toBe(form.private_metadata);
  });

  it.each([
    ['loadingView', loadingView],
    ['applyingView', applyingView],
    ['submittedView', submittedView],
  ])('%s only informs: no inputs, no submit, shows the number', (_, build) => {
    const view = build({ metadata: { ...meta(), number } });
    expect(view.submit).toBeUndefined();
    expect(view.close?.text).toBeTruthy();
    expect(view.blocks.some((block) => block.type === 'input')).toBe(false);
    expect(mrkdwnTexts(view).join('\n')).toContain('+1 415 555 1234');
  });
});

// ---------------------------------------------------------------------------------------------
// Sandbox labelling and escaping, across builders.
// ---------------------------------------------------------------------------------------------

describe('sandbox mode', () => {
  const sandboxed = (blocks: readonly unknown[]) =>
    walk(blocks.at(-1)).typed.some(
      ({ node }) => node.type === 'mrkdwn' && String(node.text).includes('Sandbox'),
    );

  it.each(modalBuilders)('%s ends with a visible sandbox notice only in sandbox mode', (_, build) => {
    expect(sandboxed(labelled(build('Jane'), true).blocks)).toBe(true);
    expect(JSON.stringify(labelled(build('Jane'), false))).not.toContain('Sandbox');
  });

  it.each(messageBuilders)('%s is labelled [Sandbox] only in sandbox mode', (_, build) => {
    const test = labelled(build('Jane'), true);
    expect(sandboxed(test.blocks)).toBe(true);
    expect(test.text.startsWith('[Sandbox] ')).toBe(true);
    const live = labelled(build('Jane'), false);
    expect(JSON.stringify(live)).not.toContain('Sandbox');
    expect(test.text).toBe(`[Sandbox] ${live.text}`);
  });
});

describe('escaping user-given text in mrkdwn', () => {
  const hostile = '<!channel>';
  const escapes: [string, () => Message][] = [
    ['cardStateMessage', () => cardStateMessage({ number, state: stateOf(hostile) })],
    ['cardUpdatedMessage', () => cardUpdatedMessage({ card: cardOf(hostile), actorId, at, withPhoto: true })],
    [
      'changeNotice',
      () =>
        changeNotice({
          number,
          actorId,
          at,
          before: snapshotOf('x'),
          after: snapshotOf(hostile),
        }),
    ],
    ['helpMessage', () => helpMessage({ problem: hostile })],
    ['progressMessage', () => progressMessage(hostile)],
    [
      'failureMessage',
      () =>
        failureMessage({
          number,
          action: 'set',
          explanation: { headline: hostile, sendblueMessage: hostile, meaning: undefined, advice: hostile },
          retry: undefined,
        }),
    ],
    ['notifyFailedMessage', () => notifyFailedMessage({ channel: 'C0123456789', error: hostile })],
  ];

  it.each(escapes)('%s shows <!channel> instead of obeying it', (_, build) => {
    const texts = mrkdwnTexts(build());
    expect(texts.join('\n')).toContain('&lt;!channel&gt;');
    for (const text of texts) expect(text).not.toContain('<!channel>');
  });

  it('escapes & before < and > so an already-escaped name stays literal', () => {
    const message = cardStateMessage({ number, state: stateOf('&lt;b&gt; & co') });
    expect(mrkdwnTexts(message).join('\n')).toContain('&amp;lt;b&amp;gt; &amp; co');
  });

  it('gives the photo an alt text naming the person', () => {
    const message = cardUpdatedMessage({
      card: cardOf('Jane'),
      actorId,
      at,
      withPhoto: true,
    });
    const images = walk(message).typed.filter(({ node }) => node.type === 'image');
    expect(images.map(({ node }) => node.alt_text)).toEqual(['Photo of Jane Jane']);
    const without = cardUpdatedMessage({
      card: cardOf('Jane'),
      actorId,
      at,
      withPhoto: false,
    });
    expect(walk(without).typed.some(({ node }) => node.type === 'image')).toBe(false);
  });
});

describe('changeNotice content', () => {
  const before: CardSnapshot = {
    firstName: 'Jane',
    lastName: 'Doe',
    displayName: null,
    photoUrl: 'https://e.example/a.png',
  };
  const fieldLines = (message: Message) => (mrkdwnTexts(message.blocks[1])[0] ?? '').split('\n');

  it('lists only the fields that changed, old → new', () => {
    const after = { ...before, lastName: 'Smith', displayName: 'Jane at Acme' };
    const message = changeNotice({ number, actorId, at, before, after });
    expect(fieldLines(message)).toEqual([
      '*Last name:* Doe → Smith',
      '*Display name:* _none_ → Jane at Acme',
    ]);
    expect(message.text).toBe(`<@${actorId}> updated the contact card of +1 415 555 1234`);
  });

  it('shows every field as unknown before when the app never set the card', () => {
    const message = changeNotice({ number, actorId, at, before: null, after: before });
    expect(fieldLines(message)).toHaveLength(4);
    expect(fieldLines(message)[0]).toBe('*First name:* _unknown_ → Jane');
  });

  it('says a deletion is a deletion', () => {
    const message = changeNotice({ number, actorId, at, before, after: undefined });
    expect(message.text).toContain('deleted the contact card of +1 415 555 1234');
    expect(fieldLines(message)[0]).toBe('*First name:* Jane → _none_');
  });
});

describe('helpMessage and failureMessage content', () => {
  it('puts the problem first and in the notification text', () => {
    const message = helpMessage({ problem: 'I don’t know the subcommand “frob”.' });
    expect(mrkdwnTexts(message.blocks[0])).toEqual([':warning: I don’t know the subcommand “frob”.']);
    expect(message.text).toContain('frob');
    expect(helpMessage({}).blocks).toHaveLength(message.blocks.length - 1);
  });

  it('offers Try again only with a draft, carrying it in the button', () => {
    const explanation = explanationOf('Sendblue answered 500');
    const withRetry = failureMessage({
      number,
      action: 'set',
      explanation,
      retry: draftOf('Jane'),
    });
    const buttons = walk(withRetry).typed.filter(({ node }) => node.type === 'button');
    expect(buttons.map(({ node }) => node.action_id)).toEqual([ids.actions.tryAgain]);
    expect(decodeRetryDraft(String(buttons[0]?.node.value))).toEqual(draftOf('Jane'));

    const without = failureMessage({ number, action: 'read', explanation, retry: undefined });
    expect(walk(without).typed.some(({ node }) => node.type === 'button')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Values that travel through Slack and come back: button values and private_metadata.
// ---------------------------------------------------------------------------------------------

describe('encodeRetry / decodeRetryDraft', () => {
  const draft: CardDraft = {
    number,
    firstName: 'Jane',
    lastName: 'Doe',
    photoUrl: 'https://example.com/jane.jpg',
    displayName: 'Jane at Acme',
  };

  /** A draft whose full encoding is exactly `length` characters, by padding the photo link. */
  function draftEncodingTo(length: number): CardDraft {
    const base = JSON.stringify({ ...draft, photoUrl: 'https://e.example/' }).length;
    return { ...draft, photoUrl: `https://e.example/${'a'.repeat(length - base)}` };
  }

  it('keeps the whole draft up to 2000 characters', () => {
    const exact = draftEncodingTo(2000);
    expect(encodeRetry(exact)).toHaveLength(2000);
    expect(decodeRetryDraft(encodeRetry(exact))).toEqual(exact);
  });

  it('drops only the photo link when the draft would exceed 2000 characters', () => {
    const over = draftEncodingTo(2001);
    const value = encodeRetry(over);
    expect(value.length).toBeLessThanOrEqual(2000);
    const { photoUrl: _, ...rest } = over;
    expect(decodeRetryDraft(value)).toEqual(rest);
  });

  it('round-trips any draft the form can produce and fits a button value', () => {
    const field = (max: number) =>
      fc.option(fc.string({ unit: 'binary', maxLength: max / 2 }), { nil: undefined });
    const drafts = fc.record({
      number: fc.option(fc.constantFrom('+14155551234', '+442079460958', '+819012345678'), {
        nil: undefined,
      }),
      firstName: field(64),
      lastName: field(64),
      photoUrl: field(2048),
      displayName: field(64),
    });
    fc.assert(
      fc.property(drafts, (d) => {
        const value = encodeRetry(d);
        expect(value.length).toBeLessThanOrEqual(2000);
        const decoded = decodeRetryDraft(value);
        if (value === JSON.stringify(d)) expect(decoded).toEqual(d);
        else expect(decoded).toEqual({ ...d, photoUrl: undefined });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['not JSON', 'Jane'],
    ['truncated JSON', '{"firstName":"Ja'],
    ['null', 'null'],
    ['an array', '["+14155551234"]'],
    ['a number', '42'],
    ['a number in the wrong form', '{"number":"4155551234"}'],
    ['a non-string name', '{"firstName":5}'],
    ['a null name', '{"firstName":null}'],
    ['an over-long name', JSON.stringify({ firstName: 'J'.repeat(65) })],
    ['an over-long photo link', JSON.stringify({ photoUrl: `https://e.example/${'a'.repeat(2048)}` })],
  ])('refuses %s', (_, value) => {
    expect(decodeRetryDraft(value)).toBeUndefined();
  });
});

describe('encodeMetadata / decodeMetadata', () => {
  it.each([
    ['with everything', meta(number)],
    ['without a number', meta()],
    ['with only a channel', { channel: 'D0123ABCD' }],
  ])('round-trips metadata %s within 3000 characters', (_, metadata) => {
    const raw = encodeMetadata(metadata);
    expect(raw.length).toBeLessThanOrEqual(3000);
    expect(decodeMetadata(raw)).toEqual(metadata);
  });

  it('refuses anything longer than 3000 characters, even valid JSON', () => {
    const valid = encodeMetadata(meta(number));
    // Leading whitespace is valid JSON: only the length check can refuse this.
    expect(decodeMetadata(`${' '.repeat(100)}${valid}`)).toEqual(meta(number));
    expect(decodeMetadata(`${' '.repeat(3001 - valid.length)}${valid}`)).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['malformed JSON', '{"channel":"C1"'],
    ['null', 'null'],
    ['a string', '"C0123456789"'],
    ['no channel', '{"number":"+14155551234"}'],
    ['a numeric channel', '{"channel":123}'],
    // A user id is a channel here: the person's DM with the app, where Home tab buttons answer.
    ['a team id as channel', '{"channel":"T0123456789"}'],
    ['a numeric number', '{"channel":"C1","number":14155551234}'],
    ['a national number', '{"channel":"C1","number":"4155551234"}'],
    ['a formatted number', '{"channel":"C1","number":"+1 415 555 1234"}'],
    ['a number with leading 0', '{"channel":"C1","number":"+0123456789"}'],
    ['a number with a trailing newline', '{"channel":"C1","number":"+14155551234\\n"}'],
    ['a non-http response_url', '{"channel":"C1","responseUrl":"javascript:alert(1)"}'],
    [
      'an over-long response_url',
      JSON.stringify({ channel: 'C1', responseUrl: `https://e.example/${'a'.repeat(600)}` }),
    ],
  ])('refuses %s', (_, raw) => {
    expect(decodeMetadata(raw)).toBeUndefined();
  });

  it('never throws on arbitrary strings or JSON', () => {
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4000 }),
      fc.json(),
      fc.record({ channel: fc.string(), number: fc.string() }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(raw, (input) => {
        const decoded = decodeMetadata(input);
        // Whatever gets through is usable as-is: a well-formed channel and E.164 number.
        if (decoded !== undefined) {
          expect(decoded.channel).toMatch(/^[CGDW][A-Z0-9]+$/);
          if (decoded.number !== undefined) expect(decoded.number).toMatch(/^\+[1-9]\d{6,14}$/);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
