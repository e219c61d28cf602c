import type { CardDraft } from '../card/rules.js';
import type { Deps } from '../deps.js';
import { loadCardForm } from '../flows/card.js';
import type { Audience } from '../flows/ports.js';
import { cardFormView, loadingView } from '../views/card-modal.js';
import type { ModalMetadata } from '../views/metadata.js';
import { afterAck, openModalOrSay } from './deps.js';

/**
 * Opens the card modal inside the trigger window. With a known number the loading view goes up
 * first and the Sendblue read happens only after it, so Sendblue never delays `views.open`.
 * A draft (Try again) opens the form directly with what the person typed. If Slack refuses,
 * the person is told privately how to get it back (`again`: what to do).
 */
export async function openCardModal(
  deps: Deps,
  request: {
    triggerId: string;
    metadata: ModalMetadata;
    draft?: CardDraft | undefined;
    numberChoices?: readonly string[] | undefined;
    audience: Audience;
    again: string;
  },
): Promise<void> {
  const { metadata, draft } = request;
  const number = metadata.number;
  const loadsCard = number !== undefined && draft === undefined;
  const view = loadsCard
    ? loadingView({ metadata: { ...metadata, number } })
    : cardFormView({
        metadata,
        prefill: draft ?? {},
        numberChoices: request.numberChoices,
        uploads: deps.photoHost !== undefined,
      });
  const opened = await openModalOrSay(deps, {
    triggerId: request.triggerId,
    view,
    audience: request.audience,
    what: 'the card editor',
    again: request.again,
  });
  if (!opened.ok) return;
  const { viewId, hash } = opened;
  if (loadsCard && viewId !== undefined) {
    afterAck(deps, 'loading the card form', () =>
      loadCardForm(deps, { viewId, hash, metadata: { ...metadata, number } }),
    );
  }
}
