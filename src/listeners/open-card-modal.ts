import { loadCardForm } from '../flows/card.js';
import { slackErrorCode } from '../slack/outbox.js';
import { cardFormView, loadingView } from '../views/card-modal.js';
import type { CardDraft } from '../views/messages.js';
import type { ModalMetadata } from '../views/metadata.js';
import { afterAck, type ListenerDeps } from './deps.js';

/**
 * Opens the card modal inside the trigger window. With a known number the loading view goes up
 * first and the Sendblue read happens only after it, so Sendblue never delays `views.open`.
 * A draft (Try again) opens the form directly with what the person typed.
 */
export async function openCardModal(
  deps: ListenerDeps,
  request: {
    triggerId: string;
    metadata: ModalMetadata;
    draft?: CardDraft;
    numberChoices?: readonly string[] | undefined;
  },
): Promise<{ ok: true } | { ok: false; error: string }> {
  const { metadata, draft } = request;
  const context = { metadata, sandbox: deps.flows.sandbox };
  const number = metadata.number;
  const view =
    number === undefined || draft !== undefined
      ? cardFormView({ ...context, prefill: draft ?? {}, numberChoices: request.numberChoices })
      : loadingView({ ...context, metadata: { ...metadata, number } });
  let opened: Awaited<ReturnType<typeof deps.triggerClient.views.open>>;
  try {
    opened = await deps.triggerClient.views.open({ trigger_id: request.triggerId, view });
  } catch (error) {
    const code = slackErrorCode(error);
    deps.flows.log.warn(`views.open failed: ${code}`);
    return { ok: false, error: code };
  }
  const viewId = opened.view?.id;
  if (number !== undefined && draft === undefined && viewId !== undefined) {
    const hash = opened.view?.hash;
    afterAck(deps, 'loading the card form', () =>
      loadCardForm(deps.flows, { viewId, hash, metadata: { ...metadata, number } }),
    );
  }
  return { ok: true };
}
