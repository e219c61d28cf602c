import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { approveRequest } from '../../flows/approve.js';
import { refusalMessage } from '../../views/access-messages.js';
import { alreadyDecidedText, approvalNote, rejectModalView } from '../../views/approval.js';
import { ids } from '../../views/ids.js';
import { afterAck, audienceOf, openModalOrSay } from '../deps.js';

type ButtonBody = BlockAction<ButtonAction>;

/** A button's value comes back from Slack: the request id, checked again against the store. */
const approvalIdSchema = z.coerce.number().int().positive();

/** Approve and Reject… on a request for approval (a channel post, a direct message, `/contactcard pending`). */
export function register(app: App, deps: Deps): void {
  app.action<ButtonBody>(ids.actions.approve, async ({ ack, body, action }) => {
    await ack();
    const id = approvalIdSchema.safeParse(action.value);
    if (!id.success) return;
    afterAck(deps, 'approving a change', () => approveRequest(deps, id.data, audienceOf(body)));
  });
  app.action<ButtonBody>(ids.actions.reject, async ({ ack, body, action }) => {
    await ack();
    const id = approvalIdSchema.safeParse(action.value);
    if (!id.success) return;
    const audience = audienceOf(body);
    // Checked before the reason is asked for (and again when it is given): the modal must open within 3 s.
    const approval = await deps.store.approval(id.data);
    const rights = approval && (await deps.access.decideApproval(body.user.id, approval.requesterId));
    if (approval?.state !== 'waiting' || !rights?.allowed) {
      const message =
        rights && !rights.allowed
          ? refusalMessage(rights.refusal)
          : approvalNote(alreadyDecidedText(approval));
      afterAck(deps, 'refusing a rejection', () => deps.slack.tellPrivately(audience, message));
      return;
    }
    await openModalOrSay(deps, {
      triggerId: body.trigger_id,
      view: rejectModalView({ approvalId: approval.id, channel: audience.channelId }),
      audience,
      what: 'the rejection form',
      again: 'Please click Reject again.',
    });
  });
}
