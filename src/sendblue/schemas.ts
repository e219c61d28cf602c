import { z } from 'zod';

/** Shared with the Slack modal, so every message is written for the person filling in the form. */

export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

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
    .max(64, `${label} must be 64 characters or fewer`);

function photoUrlProblem(value: string): string | undefined {
  if (value === '') return 'Photo URL is required';
  if (value.length > 2048) return 'Photo URL must be 2048 characters or fewer';
  if (!URL.canParse(value)) return 'Photo URL must be a full link, like https://example.com/photo.jpg';
  if (new URL(value).protocol !== 'https:') {
    return 'Photo URL must start with https:// (Sendblue downloads the photo from the public internet and refuses plain http links)';
  }
  return undefined;
}

export const photoUrlSchema = z
  .string({ error: 'Photo URL is required' })
  .trim()
  .superRefine((value, ctx) => {
    const problem = photoUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const profileInputSchema = z.object({
  fromNumber: e164Schema,
  firstName: nameSchema('First name'),
  lastName: nameSchema('Last name'),
  photoUrl: photoUrlSchema,
  // Slack sends null for an empty optional field; both null and '' mean "no display name".
  displayName: z
    .string({ error: 'Display name must be text' })
    .trim()
    .max(64, 'Display name must be 64 characters or fewer')
    .nullish()
    .transform((value) => value || undefined)
    .optional(),
});

export type ProfileInput = z.output<typeof profileInputSchema>;

export type ProfileState = {
  hasProfile: boolean;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
} & Record<string, unknown>;

// Loose so fields Sendblue adds later (sharingEnabled, hasPhoto, ...) reach callers instead of being stripped.
const profileDataSchema = z.looseObject({
  hasProfile: z.boolean(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  displayName: z.string().nullish(),
});

export const profileResponseSchema = z
  .looseObject({ status: z.literal('OK'), data: profileDataSchema })
  .transform(
    ({ data }): ProfileState => ({
      ...data,
      firstName: data.firstName ?? null,
      lastName: data.lastName ?? null,
      displayName: data.displayName ?? null,
    }),
  );

/** Documented as `{ status: 'ERROR', message }`; only `message` is used, so `status` is not enforced. */
export const errorBodySchema = z.looseObject({ status: z.string().optional(), message: z.string() });

/** One of the account's lines; `sendblue_number` is renamed to `number`, other fields Sendblue sends are kept. */
export type Line = { number: string; assignment: unknown } & Record<string, unknown>;

// Messages here end up in SendblueProtocolError ("an undocumented shape (data.2.sendblue_number: ...)"),
// so they describe the response for a maintainer rather than addressing the person filling in a form.
const lineSchema = z.looseObject(
  {
    sendblue_number: z
      .string({ error: 'missing or not a string' })
      .regex(E164_PATTERN, 'not an E.164 phone number like +14155551234'),
    assignment: z.unknown().optional(),
  },
  { error: 'each line must be an object' },
);

/**
 * `GET /api/v2/lines/state`. `status` may be absent (the endpoint is less documented than contact sharing),
 * but when present it must be 'OK'; `data` must be an array and every entry needs a valid number.
 */
export const linesResponseSchema = z
  .looseObject({
    status: z.literal('OK').optional(),
    data: z.array(lineSchema, { error: 'expected an array of lines' }),
  })
  .transform(({ data }): Line[] =>
    data.map(({ sendblue_number, assignment, ...extra }) => ({
      ...extra,
      number: sendblue_number,
      assignment: assignment ?? null,
    })),
  );
