import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { profileInputSchema } from '../src/adapters/sendblue/schemas.js';
import { type InputField, ids } from '../src/slack/views/ids.js';
import type { ModalMetadata } from '../src/slack/views/metadata.js';
import { readSubmission, type ViewStateValues } from '../src/use-cases/flows/submission.js';

const elementTypes: Record<InputField, string> = {
  number: 'plain_text_input',
  firstName: 'plain_text_input',
  lastName: 'plain_text_input',
  photoUrl: 'url_text_input',
  displayName: 'plain_text_input',
};

type Typed = Partial<Record<InputField, string | null>>;

/**
 * `view.state.values` the way Slack sends it: every input block of the form is present, and an
 * input left empty comes as `value: null`. The number block exists only when the form asked for it.
 */
function stateOf(typed: Typed, options: { askedForNumber: boolean }): ViewStateValues {
  const values: ViewStateValues = {};
  for (const field of Object.keys(elementTypes) as InputField[]) {
    if (field === 'number' && !options.askedForNumber) continue;
    const element = { type: elementTypes[field], value: typed[field] ?? null };
    values[ids.blocks[field]] = { [ids.inputs[field]]: element };
  }
  return values;
}

const withNumber: ModalMetadata = { number: '+14155551234', channel: 'C0123456789' };
const withoutNumber: ModalMetadata = { channel: 'C0123456789' };

const valid: Typed = {
  firstName: '  Jane ',
  lastName: '\tDoe\n',
  photoUrl: 'https://example.com/team/jane.jpg',
  displayName: null,
};

/** Submits `typed` on the form for a known number. */
const submit = (typed: Typed) => readSubmission(stateOf(typed, { askedForNumber: false }), withNumber, 'US');

/** Submits `typed` on the form that asked for the number. */
const submitAsking = (typed: Typed, region: 'US' | 'GB' = 'US') =>
  readSubmission(stateOf(typed, { askedForNumber: true }), withoutNumber, region);

function errorsOf(result: ReturnType<typeof readSubmission>): Record<string, string> {
  if (result.ok) throw new Error(`expected errors, got a card: ${JSON.stringify(result.card)}`);
  return result.errors;
}

describe('readSubmission with a valid form', () => {
  it('gives the card with trimmed names and no display name when it was left empty', () => {
    const result = submit(valid);
    expect(result).toEqual({
      ok: true,
      photo: 'link',
      card: {
        fromNumber: '+14155551234',
        firstName: 'Jane',
        lastName: 'Doe',
        photoUrl: 'https://example.com/team/jane.jpg',
        displayName: undefined,
      },
    });
    expect(result.ok && result.card.displayName).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['null', null],
  ])('treats a %s display name as none', (_, displayName) => {
    const result = submit({ ...valid, displayName });
    expect(result.ok && result.card.displayName).toBeUndefined();
    expect(result.ok).toBe(true);
  });

  it('trims a given display name and the photo link', () => {
    const result = submit({
      ...valid,
      displayName: '  Jane at Acme ',
      photoUrl: ' https://example.com/j.png ',
    });
    expect(result.ok && result.card).toMatchObject({
      displayName: 'Jane at Acme',
      photoUrl: 'https://example.com/j.png',
    });
  });

  it('accepts names of exactly 64 characters once trimmed', () => {
    const result = submit({ ...valid, firstName: ` ${'J'.repeat(64)} ` });
    expect(result.ok && result.card.firstName).toBe('J'.repeat(64));
  });
});

describe('readSubmission number', () => {
  it('uses the number from the metadata when the form did not ask for it', () => {
    expect(submit(valid)).toMatchObject({ ok: true, card: { fromNumber: '+14155551234' } });
  });

  it('prefers the metadata number over a number input a tampered payload adds', () => {
    const values = stateOf({ ...valid, number: '+442079460958' }, { askedForNumber: true });
    const result = readSubmission(values, withNumber, 'US');
    expect(result).toMatchObject({ ok: true, card: { fromNumber: '+14155551234' } });
  });

  it.each([
    ['national form', '(415) 555-1234', 'US', '+14155551234'],
    ['international form', '+1 415 555 1234', 'US', '+14155551234'],
    ['a Slack tel link', '<tel:+14155551234|+1 415-555-1234>', 'US', '+14155551234'],
    ['GB national form', '020 7946 0958', 'GB', '+442079460958'],
  ] as const)('reads a typed number in %s', (_, typed, region, e164) => {
    const result = submitAsking({ ...valid, number: typed }, region);
    expect(result).toMatchObject({ ok: true, card: { fromNumber: e164 } });
  });

  it('reads the number chosen in the number select', () => {
    const values = stateOf(valid, { askedForNumber: false });
    const option = { text: { type: 'plain_text', text: '+44 20 7946 0958' }, value: '+442079460958' };
    const chosen = { type: 'static_select', selected_option: option };
    values[ids.blocks.number] = { [ids.inputs.number]: chosen };
    expect(readSubmission(values, withoutNumber, 'US')).toMatchObject({
      ok: true,
      card: { fromNumber: '+442079460958' },
    });
    // Nothing chosen: Slack sends selected_option null.
    const none = { type: 'static_select', selected_option: null };
    values[ids.blocks.number] = { [ids.inputs.number]: none };
    expect(Object.keys(errorsOf(readSubmission(values, withoutNumber, 'US')))).toEqual([ids.blocks.number]);
  });

  it.each(['hello', '415 555', '+1 415 555 123456789'])(
    'keys an invalid typed number %j to the number block',
    (typed) => {
      const errors = errorsOf(submitAsking({ ...valid, number: typed }));
      expect(Object.keys(errors)).toEqual([ids.blocks.number]);
      expect(errors[ids.blocks.number]).toContain('+1 415 555 1234');
    },
  );

  it('asks for the number when the input was left empty', () => {
    const errors = errorsOf(submitAsking({ ...valid, number: null }));
    expect(Object.keys(errors)).toEqual([ids.blocks.number]);
    expect(errors[ids.blocks.number]).toMatch(/no phone number/i);
  });
});

describe('readSubmission errors', () => {
  it.each([
    [
      'first name blank after trimming',
      { firstName: '   ' },
      ids.blocks.firstName,
      /first name is required/i,
    ],
    ['last name empty', { lastName: null }, ids.blocks.lastName, /last name is required/i],
    ['first name too long', { firstName: 'J'.repeat(65) }, ids.blocks.firstName, /64 characters/],
    ['last name too long', { lastName: 'D'.repeat(65) }, ids.blocks.lastName, /64 characters/],
    ['display name too long', { displayName: 'A'.repeat(65) }, ids.blocks.displayName, /64 characters/],
    // The same sentences as the photo link checker's (one set of card rules).
    ['photo missing', { photoUrl: null }, ids.blocks.photoUrl, /enter the photo's link/i],
    ['photo over http', { photoUrl: 'http://example.com/jane.jpg' }, ids.blocks.photoUrl, /https/],
    ['photo not a URL', { photoUrl: 'jane.jpg' }, ids.blocks.photoUrl, /Start the link with https:\/\//],
    ['photo a javascript: URL', { photoUrl: 'javascript:alert(1)' }, ids.blocks.photoUrl, /https/],
    [
      'photo over 2048 characters',
      { photoUrl: `https://example.com/${'a'.repeat(2040)}` },
      ids.blocks.photoUrl,
      /2048/,
    ],
  ] as const)('%s: one error, on its block', (_, change, block, message) => {
    const result = submit({ ...valid, ...change });
    const errors = errorsOf(result);
    expect(Object.keys(errors)).toEqual([block]);
    expect(errors[block]).toMatch(message);
  });

  it('reports several problems at once, each on its own block', () => {
    const errors = errorsOf(
      submitAsking({
        number: 'nope',
        firstName: ' ',
        lastName: 'D'.repeat(80),
        photoUrl: 'http://x.example/a.png',
      }),
    );
    expect(Object.keys(errors).sort()).toEqual(
      [ids.blocks.number, ids.blocks.firstName, ids.blocks.lastName, ids.blocks.photoUrl].sort(),
    );
    expect(errors[ids.blocks.photoUrl]).toMatch(/https/);
  });

  it('keeps what was typed in the draft, untrimmed, for a retry', () => {
    const typed = { ...valid, number: '(415) 555-1234', photoUrl: 'http://x.example/a.png' };
    const result = submitAsking(typed);
    expect(result).toMatchObject({
      ok: false,
      draft: { number: '(415) 555-1234', firstName: '  Jane ', photoUrl: 'http://x.example/a.png' },
    });
  });

  it.each([
    ['no blocks at all', {}],
    ['blocks without their actions', { [ids.blocks.firstName]: {}, [ids.blocks.lastName]: undefined }],
    ['actions without values', { [ids.blocks.firstName]: { [ids.inputs.firstName]: {} } }],
    [
      'values under the wrong action id',
      { [ids.blocks.firstName]: { [ids.inputs.lastName]: { value: 'Jane' } } },
    ],
  ])('answers a tampered payload with %s with errors, not an exception', (_, values) => {
    const errors = errorsOf(readSubmission(values as ViewStateValues, withoutNumber, 'US'));
    expect(Object.keys(errors).sort()).toEqual(
      [ids.blocks.number, ids.blocks.firstName, ids.blocks.lastName, ids.blocks.photoUrl].sort(),
    );
  });

  it('takes a number the app put in the metadata as it is: there is no input to show an error on', () => {
    const metadata: ModalMetadata = { number: '+10000000000', channel: 'C0123456789' };
    const result = readSubmission(stateOf(valid, { askedForNumber: false }), metadata, 'US');
    expect(result).toMatchObject({ ok: true, card: { fromNumber: '+10000000000' } });
  });
});

describe('readSubmission properties', () => {
  const blockIds = Object.values(ids.blocks);
  const actionIds = Object.values(ids.inputs);
  const scalar = fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.double(), fc.boolean());
  const element = fc.oneof(
    fc.record({ type: fc.string(), value: scalar }, { requiredKeys: [] }),
    fc.record(
      {
        type: fc.string(),
        selected_option: fc.oneof(scalar, fc.record({ value: scalar }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    ),
    scalar,
    fc.constant(undefined),
  );
  const block = fc.oneof(
    fc.dictionary(fc.oneof(fc.constantFrom(...actionIds), fc.string()), element),
    scalar,
    fc.constant(undefined),
  );
  const values = fc.dictionary(fc.oneof(fc.constantFrom(...blockIds), fc.string()), block);
  const metadata = fc.record(
    { number: fc.constantFrom('+14155551234', '+442079460958'), channel: fc.constant('C0123456789') },
    { requiredKeys: ['channel'] },
  );

  it('never throws on arbitrary values, and answers a valid card or errors on the form’s blocks', () => {
    fc.assert(
      fc.property(
        values,
        metadata,
        fc.constantFrom('US', 'GB', 'DE') as fc.Arbitrary<'US' | 'GB' | 'DE'>,
        (v, m, r) => {
          const result = readSubmission(v as ViewStateValues, m, r);
          if (result.ok) {
            // The card is exactly what the Sendblue client would accept.
            expect(profileInputSchema.parse(result.card)).toEqual(result.card);
          } else {
            const shown = m.number === undefined ? blockIds : blockIds.filter((b) => b !== ids.blocks.number);
            expect(Object.keys(result.errors).length).toBeGreaterThan(0);
            for (const [key, message] of Object.entries(result.errors)) {
              expect(shown).toContain(key);
              expect(message.length).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('accepts any names and https link within the limits, whatever the padding', () => {
    const name = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => s.trim() !== '');
    const pad = fc.constantFrom('', ' ', '\t', '  \n');
    fc.assert(
      fc.property(name, name, pad, fc.webPath(), (first, last, padding, path) => {
        const photoUrl = `https://example.com${path}`;
        const result = submit({ firstName: `${padding}${first}${padding}`, lastName: last, photoUrl });
        expect(result).toMatchObject({
          ok: true,
          card: { firstName: first.trim(), lastName: last.trim(), fromNumber: '+14155551234' },
        });
      }),
      { numRuns: 500 },
    );
  });
});
