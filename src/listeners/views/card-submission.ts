import type { App, ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { applyCard } from '../../flows/card.js';
import { readSubmission, type ViewStateValues } from '../../flows/submission.js';
import { formatPhone } from '../../phone.js';
import { applyingView, noticeView } from '../../views/card-modal.js';
import { ids } from '../../views/ids.js';
import { decodeMetadata } from '../../views/metadata.js';
import { afterAck, type ListenerDeps } from '../deps.js';

/**
 * Validates in the ack itself (errors shown next to the inputs, nothing sent to Sendblue); a
 * valid card is acknowledged with the "Applying…" view and sent to Sendblue after the ack.
 */
export async function handleCardSubmission(
  deps: ListenerDeps,
  body: ViewSubmitAction,
  ack: (response?: ViewResponseAction) => Promise<void>,
): Promise<void> {
  const { view } = body;
  const metadata = decodeMetadata(view.private_metadata);
  if (metadata === undefined) {
    deps.flows.log.warn('card submission with unreadable private_metadata');
    const text = ':warning: This form could not be read back. Close it and run `/contactcard set` again.';
    return ack({
      response_action: 'update',
      view: noticeView({ metadata: { channel: body.user.id }, sandbox: deps.flows.sandbox }, text),
    });
  }
  // A well-signed payload can still be malformed: a missing state reads as an empty form.
  const values = (view.state?.values ?? {}) as ViewStateValues;
  const result = readSubmission(typeof values === 'object' ? values : {}, metadata, deps.region);
  if (!result.ok) return ack({ response_action: 'errors', errors: result.errors });

  const { card } = result;
  const number = card.fromNumber;
  // A typed number must be one of the account's, when Sendblue says which those are.
  if (!deps.flows.lines.mayHave(number)) {
    const problem = `This Sendblue account has no number ${formatPhone(number)}.`;
    // Only a typed number has an input to attach the error to; a fixed one gets a notice instead.
    return metadata.number === undefined
      ? ack({ response_action: 'errors', errors: { [ids.blocks.number]: problem } })
      : ack({
          response_action: 'update',
          view: noticeView(
            { metadata, sandbox: deps.flows.sandbox },
            `:x: ${problem} Nothing was sent to Sendblue.`,
          ),
        });
  }
  // A link already known to be unusable (URL rules, or a finished check) is refused in place.
  const photo = deps.flows.photos.cached(card.photoUrl);
  if (photo !== undefined && !photo.ok) {
    return ack({ response_action: 'errors', errors: { [ids.blocks.photoUrl]: photo.reason } });
  }
  // Rights may have changed while the modal was open: check again, as the person who submitted.
  const decision = await deps.flows.access.canManage(body.user.id, number);
  if (!decision.allowed) {
    const helpers = decision.helpers.map((user) => `<@${user}>`).join(', ') || 'an admin';
    const text = `:no_entry: ${decision.reason} Ask ${helpers}. Nothing was sent to Sendblue.`;
    return ack({
      response_action: 'update',
      view: noticeView({ metadata, sandbox: deps.flows.sandbox }, text),
    });
  }

  await ack({
    response_action: 'update',
    view: applyingView({ metadata: { ...metadata, number }, sandbox: deps.flows.sandbox }),
  });
  afterAck(deps, 'applying a card', () =>
    applyCard(deps.flows, {
      card,
      actorId: body.user.id,
      audience: { userId: body.user.id, channelId: metadata.channel, responseUrl: metadata.responseUrl },
      viewId: view.id,
      metadata,
      // Slack gives each state of a view its own hash: the same view submitted twice shares one.
      requestKey: `${view.id}:${view.hash}`,
    }),
  );
}

export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(ids.cardModal, ({ body, ack }) => handleCardSubmission(deps, body, ack));
}
