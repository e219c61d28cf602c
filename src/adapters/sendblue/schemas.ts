import { z } from 'zod';
import type { ProfileState } from '../../domain/card/records.js';
import { E164_PATTERN } from '../../domain/card/rules.js';

// The card's rules live with the other card rules; the client validates with the same schema as the modal.
export { E164_PATTERN, e164Schema, type ProfileInput, profileInputSchema } from '../../domain/card/rules.js';

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
