import type { App, ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { applyCard } from '../../flows/card.js';
import { readSubmission, type ViewStateValues } from '../../flows/submission.js';
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
    deps.log.warn('card submission with unreadable private_metadata');
    const text = ':warning: This form could not be read back. Close it and run `/contactcard set` again.';
    return ack({
      response_action: 'update',
      view: noticeView({ metadata: { channel: body.user.id }, sandbox: deps.sandbox }, text),
    });
  }
  const result = readSubmission(view.state.values as ViewStateValues, metadata, deps.region);
  if (!result.ok) return ack({ response_action: 'errors', errors: result.errors });

  const { card } = result;
  await ack({
    response_action: 'update',
    view: applyingView({ metadata: { ...metadata, number: card.fromNumber }, sandbox: deps.sandbox }),
  });
  afterAck(deps, 'applying a card', () =>
    applyCard(deps.flows, {
      card,
      actorId: body.user.id,
      audience: { userId: body.user.id, channelId: metadata.channel, responseUrl: metadata.responseUrl },
      viewId: view.id,
      metadata,
    }),
  );
}

export function register(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(ids.cardModal, ({ body, ack }) => handleCardSubmission(deps, body, ack));
}
