import type { ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { applyCard } from '../../../use-cases/flows/card.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { readSubmission, type ViewStateValues } from '../../../use-cases/flows/submission.js';
import { applyUpload } from '../../../use-cases/flows/upload.js';
import { refusalText } from '../../views/access-messages.js';
import { applyingView, noticeView } from '../../views/card-modal.js';
import { ids, refillable } from '../../views/ids.js';
import { decodeMetadata, type ModalMetadata } from '../../views/metadata.js';
import { afterAck } from '../deps.js';
import type { ListenerTable } from '../table.js';

/**
 * Validates in the ack itself (errors shown next to the inputs, nothing sent to Sendblue); a
 * valid card is acknowledged with the "Applying…" view and sent to Sendblue after the ack.
 */
export async function handleCardSubmission(
  deps: Deps,
  body: ViewSubmitAction,
  ack: (response?: ViewResponseAction) => Promise<void>,
): Promise<void> {
  const { view } = body;
  const notice = (metadata: ModalMetadata, text: string) =>
    ack({ response_action: 'update', view: deps.slack.labelledView(noticeView({ metadata }, text)) });
  const metadata = decodeMetadata(view.private_metadata);
  if (metadata === undefined) {
    deps.log.warn('card submission with unreadable private_metadata');
    const text = ':warning: This form could not be read back. Close it and run `/contactcard set` again.';
    return notice({ channel: body.user.id }, text);
  }
  // A well-signed payload can still be malformed: a missing state reads as an empty form.
  const values = (view.state?.values ?? {}) as ViewStateValues;
  const result = readSubmission(
    typeof values === 'object' ? values : {},
    metadata,
    deps.config.defaultRegion,
    {
      uploads: deps.photoHost !== undefined,
    },
  );
  if (!result.ok) return ack({ response_action: 'errors', errors: result.errors });

  const { card } = result;
  const number = card.fromNumber;
  // A link already known to be unusable (URL rules, or a finished check) is refused in place.
  const photo = result.photo === 'link' ? deps.photos.cached(result.card.photoUrl) : undefined;
  // With hosting, a WebP, GIF, AVIF or TIFF link is converted after the ack rather than refused.
  if (photo !== undefined && !photo.ok && !(deps.photoHost && photo.convertible)) {
    return ack({
      response_action: 'errors',
      errors: { [refillable(ids.blocks.photoUrl, metadata.revision)]: photo.reason },
    });
  }
  // Rights may have changed while the modal was open: check again, as the person who submitted.
  const decision = await deps.access.decide('set', body.user.id, number);
  if (!decision.allowed) {
    // Only a typed number has an input to attach the error to; a fixed one gets a notice instead.
    if (decision.refusal.unknownLine && metadata.number === undefined) {
      return ack({ response_action: 'errors', errors: { [ids.blocks.number]: decision.refusal.reason } });
    }
    return notice(metadata, `:no_entry: ${refusalText(decision.refusal)} Nothing was sent to Sendblue.`);
  }

  await ack({
    response_action: 'update',
    view: deps.slack.labelledView(
      applyingView({ metadata: { ...metadata, number }, processing: result.photo === 'upload' }),
    ),
  });
  const submission = {
    actorId: body.user.id,
    audience: { userId: body.user.id, channelId: metadata.channel, responseUrl: metadata.responseUrl },
    viewId: view.id,
    metadata,
    // Slack gives each state of a view its own hash: the same view submitted twice shares one.
    requestKey: `${view.id}:${view.hash}`,
  };
  if (result.photo === 'upload') {
    const { upload } = result;
    afterAck(deps, 'applying a card with an uploaded photo', () =>
      applyUpload(deps, { ...submission, card, upload }),
    );
  } else {
    const linked = result.card;
    afterAck(deps, 'applying a card', () => applyCard(deps, { ...submission, card: linked }));
  }
}

export function register(app: ListenerTable, deps: Deps): void {
  app.view<ViewSubmitAction>(ids.cardModal, ({ body, ack }) => handleCardSubmission(deps, body, ack));
}
