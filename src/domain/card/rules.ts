import { z } from 'zod';

/**
 * The contact card's rules, in one place: the Sendblue client's schema, the modal's checks, the
 * button-value and metadata parsers and the photo-link checker all use these, so a bad value gets
 * the same sentence wherever it is caught. Sentences are written for the person filling in the form.
 */

export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const NAME_MAX_LENGTH = 64;
export const DISPLAY_NAME_MAX_LENGTH = 64;
export const MAX_PHOTO_URL_LENGTH = 2048;

export const e164Schema = z
  .string({ error: 'Phone number is required' })
  .regex(
    E164_PATTERN,
    'Phone number must be in international format with + and country code, like +14155551234',
  );

const nameSchema = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .max(NAME_MAX_LENGTH, `${label} must be ${NAME_MAX_LENGTH} characters or fewer`);

export const photoUrlReasons = {
  empty: "Enter the photo's link, starting with https://.",
  tooLong: (length: number) =>
    `This link is ${length} characters long; use a link of at most ${MAX_PHOTO_URL_LENGTH} characters.`,
  noScheme: (suggestion: string) => `Start the link with https:// (for example ${suggestion}).`,
  invalid: "This is not a valid link; copy the image's full address, starting with https://.",
  http: 'Use an https:// link: Sendblue fetches the photo from the public internet and needs https.',
  dataUrl: 'Paste a link to the image, not the image itself: the link should start with https://.',
  scheme: (scheme: string) => `Use an https:// link; links starting with ${scheme}// cannot be fetched.`,
  credentials: 'Remove the user name and password from the link: Sendblue cannot log in to fetch the photo.',
} as const;

export type PhotoUrlProblemCode = 'empty' | 'too-long' | 'invalid' | 'scheme' | 'credentials';

export type PhotoUrlShape = { ok: true; url: URL } | { ok: false; code: PhotoUrlProblemCode; reason: string };

const schemePattern = /^[a-z][a-z0-9+.-]*:/i;
/** `example.com/a.jpg`, `www.x.org`: looks like a host name with no scheme. */
const bareHostPattern = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/|$)/i;

/**
 * The rules a photo link must meet whatever its host: present, at most 2048 characters, a real
 * https URL without credentials. The checker adds the host rules (no private addresses, no
 * Slack files) on top. `allowHttp` is for tests against local servers only. Never throws.
 */
export function checkPhotoUrlShape(raw: unknown, options: { allowHttp?: boolean } = {}): PhotoUrlShape {
  const fail = (code: PhotoUrlProblemCode, reason: string): PhotoUrlShape => ({ ok: false, code, reason });
  if (typeof raw !== 'string') return fail('invalid', photoUrlReasons.invalid);
  const text = raw.trim();
  if (text === '') return fail('empty', photoUrlReasons.empty);
  if (text.length > MAX_PHOTO_URL_LENGTH) return fail('too-long', photoUrlReasons.tooLong(text.length));
  if (!schemePattern.test(text) || (bareHostPattern.test(text) && !text.includes('//'))) {
    if (bareHostPattern.test(text)) {
      return fail('scheme', photoUrlReasons.noScheme(`https://${text.slice(0, 60)}`));
    }
    return fail('invalid', photoUrlReasons.invalid);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('invalid', photoUrlReasons.invalid);
  }
  if (url.href.length > MAX_PHOTO_URL_LENGTH)
    return fail('too-long', photoUrlReasons.tooLong(url.href.length));
  if (url.protocol === 'http:') {
    if (!options.allowHttp) return fail('scheme', photoUrlReasons.http);
  } else if (url.protocol === 'data:' || url.protocol === 'blob:') {
    return fail('scheme', photoUrlReasons.dataUrl);
  } else if (url.protocol !== 'https:') {
    return fail('scheme', photoUrlReasons.scheme(url.protocol));
  }
  if (url.username !== '' || url.password !== '') return fail('credentials', photoUrlReasons.credentials);
  if (url.hostname === '') return fail('invalid', photoUrlReasons.invalid);
  return { ok: true, url };
}

export const photoUrlSchema = z
  .string({ error: photoUrlReasons.empty })
  .trim()
  .superRefine((value, ctx) => {
    const shape = checkPhotoUrlShape(value);
    if (!shape.ok) ctx.addIssue({ code: 'custom', message: shape.reason });
  });

// Slack sends null for an empty optional field; both null and '' mean "no display name".
const displayNameSchema = z
  .string({ error: 'Display name must be text' })
  .trim()
  .max(DISPLAY_NAME_MAX_LENGTH, `Display name must be ${DISPLAY_NAME_MAX_LENGTH} characters or fewer`)
  .nullish()
  .transform((value) => value || undefined)
  .optional();

/** A whole card, as Sendblue's profile endpoint takes it. */
export const profileInputSchema = z.object({
  fromNumber: e164Schema,
  firstName: nameSchema('First name'),
  lastName: nameSchema('Last name'),
  photoUrl: photoUrlSchema,
  displayName: displayNameSchema,
});

export type ProfileInput = z.output<typeof profileInputSchema>;

/**
 * What a person typed, possibly incomplete or wrong (the Try again button carries it): only
 * bounded, so that a tampered value cannot grow a form beyond Slack's limits.
 */
export const cardDraftSchema = z.object({
  number: z.string().regex(E164_PATTERN).optional(),
  firstName: z.string().max(NAME_MAX_LENGTH).optional(),
  lastName: z.string().max(NAME_MAX_LENGTH).optional(),
  photoUrl: z.string().max(MAX_PHOTO_URL_LENGTH).optional(),
  displayName: z.string().max(DISPLAY_NAME_MAX_LENGTH).optional(),
});

export type CardDraft = { [K in keyof z.output<typeof cardDraftSchema>]?: string | undefined };

/** A number the app itself chose (button values, modal metadata): E.164 or nothing. */
export const appNumberSchema = z.string().regex(E164_PATTERN);
