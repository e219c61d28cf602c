import { z } from 'zod';
import { appNumberSchema } from '../../domain/card/rules.js';
import { limits } from './text.js';

/**
 * What travels from the command (or button) to the modal submission inside `private_metadata`.
 * It comes back from Slack, so it is validated like any other input.
 */
const modalMetadataSchema = z.object({
  /** E.164 number being edited; absent when the modal asks for it. */
  number: appNumberSchema.optional(),
  /** Where the command ran: the confirmation goes there (a user id: their DM with the app, for the Home tab). */
  channel: z
    .string()
    .max(32)
    .regex(/^[CGDUW][A-Z0-9]+$/),
  /** How many times the form was filled in again (from a Slack profile): see `refillable`. */
  revision: z.number().int().min(1).max(1_000).optional(),
  /** The invoking interaction's response_url: works in DMs and private channels the bot is not in. */
  responseUrl: z
    .url({ protocol: /^https?$/ })
    .max(512)
    .optional(),
});

export type ModalMetadata = z.infer<typeof modalMetadataSchema>;

// Every field is bounded above, so the encoding stays far below Slack's 3000 characters.
export function encodeMetadata(metadata: ModalMetadata): string {
  return JSON.stringify(metadata);
}

export function decodeMetadata(raw: unknown): ModalMetadata | undefined {
  if (typeof raw !== 'string' || raw.length > limits.privateMetadata) return undefined;
  try {
    const parsed = modalMetadataSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
