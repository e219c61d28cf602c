import type { BlockAction, ButtonAction } from '@slack/bolt';
import { approveRequest } from '../../../use-cases/flows/approve.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { refusalMessage } from '../../views/access-messages.js';
import { alreadyDecidedText, approvalNote, rejectModalView } from '../../views/approval.js';
import { ids } from '../../views/ids.js';
import { afterAck, audienceOf, openModalOrSay, wholeNumberIn } from '../deps.js';
import type { ListenerTable } from '../table.js';

type ButtonBody = BlockAction<ButtonAction>;

/** Approve and Reject… on a request for approval (a channel post, a direct message, `/contactcard pending`). */
export function register(app: ListenerTable, deps: Deps): void {
  app.action<ButtonBody>(ids.actions.approve, async ({ ack, body, action }) => {
    await ack();
    // The request id comes back from Slack: checked again against the store.
    const id = wholeNumberIn(action.value);
    if (id === undefined) return;
    afterAck(deps, 'approving a change', () => approveRequest(deps, id, audienceOf(body)));
  });
  app.action<ButtonBody>(ids.actions.reject, async ({ ack, body, action }) => {
    await ack();
    const id = wholeNumberIn(action.value);
    if (id === undefined) return;
    const audience = audienceOf(body);
    // Checked before the reason is asked for (and again when it is given): the modal must open within 3 s.
    const approval = await deps.store.approval(id);
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
