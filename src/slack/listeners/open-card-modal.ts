import type { CardDraft } from '../../domain/card/rules.js';
import { checkCardForm, checksNow, loadCardForm } from '../../use-cases/flows/card.js';
import { freshestCard } from '../../use-cases/flows/pictures.js';
import type { Audience, Deps } from '../../use-cases/flows/ports.js';
import { cardFormView, knownCardNotice, loadingView } from '../views/card-modal.js';
import type { ModalMetadata } from '../views/metadata.js';
import { afterAck, openModalOrSay } from './deps.js';

/**
 * Opens the card modal inside the trigger window. With a number whose card the store knows (applied
 * here, or seen at Sendblue), the form opens filled in with the freshest; with a number never read,
 * a loading view goes up first. Either
 * way Sendblue is read only after the open, so it never delays `views.open`; a filled-in form is not
 * checked while the app's requests to Sendblue are backed up, and says so.
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
  // The freshest card known opens the form filled in at once; Sendblue confirms it after the open.
  const known = loadsCard ? await freshestCard(deps, number) : undefined;
  const checked = known === undefined || checksNow(deps);
  const uploads = deps.photoHost !== undefined;
  const view =
    loadsCard && known === undefined
      ? loadingView({ metadata: { ...metadata, number } })
      : cardFormView({
          metadata,
          prefill: draft ?? known?.card ?? {},
          numberChoices: request.numberChoices,
          uploads,
          ...(known ? { notice: knownCardNotice(known, checked) } : {}),
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
  if (!loadsCard || !checked || viewId === undefined) return;
  const target = { viewId, hash, metadata: { ...metadata, number } };
  afterAck(deps, 'loading the card form', () =>
    known ? checkCardForm(deps, { ...target, known }) : loadCardForm(deps, target),
  );
}
