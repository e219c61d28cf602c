import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPhotoUrlRules } from '../src/adapters/photo/url-rules.js';
import {
  cardDraftSchema,
  MAX_PHOTO_URL_LENGTH,
  NAME_MAX_LENGTH,
  profileInputSchema,
} from '../src/domain/card/rules.js';
import { decodeRetryDraft } from '../src/slack/listeners/actions/card-buttons.js';
import { ids } from '../src/slack/views/ids.js';
import { encodeRetry } from '../src/slack/views/messages.js';
import { decodeMetadata, encodeMetadata } from '../src/slack/views/metadata.js';
import { readSubmission, type ViewStateValues } from '../src/use-cases/flows/submission.js';

// One set of card rules: the modal's checks, the Sendblue client's schema, the photo checker and
// the button and metadata parsers agree on every card, and say the same sentence for the same value.

/** What Slack can send for a text input: a string, or null when left empty (or the block missing). */
const slackText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 70 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: NAME_MAX_LENGTH + 5 }) },
  { weight: 1, arbitrary: fc.constantFrom('Jane', ' Jane ', '', ' ', 'J'.repeat(64), 'J'.repeat(65)) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const photo = fc.oneof(
  slackText,
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((url) => url.replace(/^https?:/, 'https:')),
  fc.constantFrom(
    'https://example.com/p.jpg',
    'http://example.com/p.jpg',
    'https://u:p@example.com/p.jpg',
    'javascript:alert(1)',
  ),
  fc
    .string({ minLength: MAX_PHOTO_URL_LENGTH - 30, maxLength: MAX_PHOTO_URL_LENGTH + 10 })
    .map((tail) => `https://example.com/${tail}`),
);
/** The number as the app stored it in private_metadata: usually E.164, sometimes tampered with. */
const storedNumber = fc.oneof(
  fc.constantFrom('+14155551234', '+442071838750', '+1', '14155551234', '+0123456789', ''),
  fc.stringMatching(/^\+[0-9]{1,16}$/),
  fc.string({ maxLength: 20 }),
);
const card = fc.record(
  { firstName: slackText, lastName: slackText, photoUrl: photo, displayName: slackText },
  { requiredKeys: [] },
);

function stateOf(typed: Record<string, string | null | undefined>): ViewStateValues {
  const values: ViewStateValues = {};
  for (const field of ['firstName', 'lastName', 'photoUrl', 'displayName'] as const) {
    if (typed[field] === undefined) continue;
    values[ids.blocks[field]] = { [ids.inputs[field]]: { value: typed[field] } };
  }
  return values;
}

/** The modal's checks: the metadata read back from Slack, then the submission itself. */
function modalAccepts(number: string, typed: Record<string, string | null | undefined>) {
  const metadata = decodeMetadata(JSON.stringify({ number, channel: 'C0CHANNEL' }));
  if (metadata === undefined) return { ok: false as const };
  return readSubmission(stateOf(typed), metadata, 'US');
}

describe('card rules', () => {
  it('a card passes the modal’s checks exactly when it passes the schema the Sendblue client uses', () => {
    fc.assert(
      fc.property(storedNumber, card, (number, typed) => {
        const modal = modalAccepts(number, typed);
        const client = profileInputSchema.safeParse({ fromNumber: number, ...typed });
        expect(modal.ok).toBe(client.success);
        if (modal.ok && client.success) expect(modal.card).toEqual(client.data);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a bad photo link gets the same sentence from the modal, the client schema and the link checker', () => {
    fc.assert(
      fc.property(photo, (url) => {
        const typed = { firstName: 'Jane', lastName: 'Doe', photoUrl: url };
        const modal = modalAccepts('+14155551234', typed);
        const client = profileInputSchema.safeParse({ fromNumber: '+14155551234', ...typed });
        const checker = checkPhotoUrlRules(url ?? '');
        if (client.success) return;
        const sentence = client.error.issues[0]?.message;
        expect(!modal.ok && 'errors' in modal && modal.errors[ids.blocks.photoUrl]).toBe(sentence);
        // The checker adds host rules on top, so it refuses at least as much, with the same words for these.
        expect(checker.ok).toBe(false);
        if (typeof url === 'string' && url.trim() !== '')
          expect(!checker.ok && checker.reason).toBe(sentence);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a Try again value round-trips any typed draft within the limits, and refuses anything else whole', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeRetryDraft(JSON.stringify(value));
        const parsed = cardDraftSchema.safeParse(value);
        expect(decoded === undefined).toBe(!parsed.success);
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(card, (typed) => {
        const draft = Object.fromEntries(
          Object.entries({ number: '+14155551234', ...typed }).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
        );
        if (!cardDraftSchema.safeParse(draft).success) return;
        const decoded = decodeRetryDraft(encodeRetry(draft));
        expect(decoded).toBeDefined();
        expect(draft).toMatchObject(decoded ?? {});
      }),
    );
  });

  it('counts a name in characters (code points), not in UTF-16 units', () => {
    const card = (lastName: string) => ({
      fromNumber: '+14155551234',
      firstName: 'Jane',
      lastName,
      photoUrl: 'https://example.com/p.jpg',
    });
    // 64 astral characters are 128 UTF-16 units.
    expect(profileInputSchema.safeParse(card('😀'.repeat(NAME_MAX_LENGTH))).success).toBe(true);
    expect(profileInputSchema.safeParse(card('😀'.repeat(NAME_MAX_LENGTH + 1))).success).toBe(false);
  });

  it('modal metadata accepts exactly the numbers the card rules call E.164', () => {
    fc.assert(
      fc.property(storedNumber, (number) => {
        const decoded = decodeMetadata(encodeMetadata({ number, channel: 'C0CHANNEL' }));
        expect(decoded !== undefined).toBe(profileInputSchema.shape.fromNumber.safeParse(number).success);
      }),
    );
  });
});
