import type { ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { rejectRequest } from '../../../use-cases/flows/approve.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { REJECT_REASON_MAX } from '../../views/approval.js';
import { ids } from '../../views/ids.js';
import { afterAck } from '../deps.js';
import type { ListenerTable } from '../table.js';

const metadataSchema = z.object({
  approvalId: z.number().int().positive(),
  channel: z.string().regex(/^[CGDU][A-Z0-9]{2,}$/),
});

function parseMetadata(text: string): z.infer<typeof metadataSchema> | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The rejection's reason: checked, then the modal closes and the decision runs after the ack. */
export function register(app: ListenerTable, deps: Deps): void {
  app.view<ViewSubmitAction>(ids.rejectModal, async ({ ack, body }) => {
    const metadata = parseMetadata(body.view.private_metadata);
    const values = body.view.state?.values as
      | Record<string, Record<string, { value?: unknown } | undefined> | undefined>
      | undefined;
    const typed = values?.[ids.rejectReason.block]?.[ids.rejectReason.input]?.value;
    const reason = typeof typed === 'string' ? typed.trim() : '';
    const problem =
      metadata === undefined
        ? 'This form could not be read back: close it and click Reject… again.'
        : reason === '' || reason.length > REJECT_REASON_MAX
          ? `Say why, in at most ${REJECT_REASON_MAX} characters.`
          : undefined;
    if (problem !== undefined || metadata === undefined) {
      await ack({ response_action: 'errors', errors: { [ids.rejectReason.block]: problem ?? '' } });
      return;
    }
    await ack();
    const admin = { userId: body.user.id, channelId: metadata.channel, responseUrl: undefined };
    afterAck(deps, 'rejecting a change', () => rejectRequest(deps, metadata.approvalId, admin, reason));
  });
}
