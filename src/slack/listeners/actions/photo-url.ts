import type { BasicElementAction, BlockAction } from '@slack/bolt';
import type { PhotoVerdict } from '../../../adapters/photo/index.js';
import { needsConverting } from '../../../use-cases/flows/convert.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { type PhotoFeedback, withPhotoFeedback } from '../../views/card-modal.js';
import { ids } from '../../views/ids.js';
import { afterAck, editableView } from '../deps.js';
import type { ListenerTable } from '../table.js';

// Bolt has no type for url_text_input actions; Slack sends the typed value like a plain text input.
interface UrlInputAction extends BasicElementAction<'url_text_input'> {
  value?: string | null;
}

type PhotoBody = BlockAction<UrlInputAction>;

function captionOf(verdict: PhotoVerdict & { ok: true }): string {
  const size = verdict.width && verdict.height ? `${verdict.width}×${verdict.height} ` : '';
  return `${size}${verdict.format?.toUpperCase() ?? 'image'}: this is what iMessage recipients will see`;
}

/**
 * A photo link was pasted or entered: check it now (the verdict is cached for the submission)
 * and show the result in the modal, a preview when it passes.
 */
export async function handlePhotoUrl(deps: Deps, body: PhotoBody, action: UrlInputAction): Promise<void> {
  const view = body.view;
  // Payloads come from outside: only a modal with blocks and a string value is worth checking.
  if (typeof view?.id !== 'string' || !Array.isArray(view.blocks) || typeof action.value !== 'string') return;
  const url = action.value.trim();
  if (!url) return;
  const verdict = await deps.photos.check(url);
  const update = async (feedback: PhotoFeedback) => {
    const next = withPhotoFeedback(editableView(view), feedback);
    const delivery = await deps.slack.updateModal(view.id, next, { hash: view.hash, quick: true });
    return delivery.ok ? undefined : delivery.error;
  };
  const converted = deps.photoHost !== undefined && needsConverting(verdict);
  if (!verdict.ok && !converted) {
    await update({ kind: 'problem', reason: verdict.reason });
    return;
  }
  if (!verdict.ok) {
    const caption = `${verdict.reason.replace(/; Sendblue needs.*$/, '.')} It will be converted to a square JPEG and hosted by contactcard.`;
    await update({ kind: 'no-preview', caption, warnings: [] });
    return;
  }
  // Without a network check there is nothing to preview beyond the link itself.
  if (!verdict.networkChecked) return;
  const caption = converted
    ? `${captionOf(verdict).replace(/: this is what.*$/, '')}: it will be converted to a square JPEG (at most 1024 px) and hosted by contactcard`
    : captionOf(verdict);
  const failed = await update({ kind: 'preview', url: verdict.url, caption, warnings: verdict.warnings });
  // Slack fetches preview images itself and fails the whole view when it cannot: drop the image.
  if (failed?.includes('invalid_blocks') || failed?.includes('downloading image')) {
    await update({ kind: 'no-preview', caption, warnings: verdict.warnings });
  } else if (failed) {
    deps.log.info(`photo preview not shown (${failed})`);
  }
}

export function register(app: ListenerTable, deps: Deps): void {
  app.action<BlockAction>(ids.inputs.photoUrl, async ({ ack, body, action }) => {
    await ack();
    const photoAction = action as unknown as UrlInputAction;
    afterAck(deps, 'checking a photo link', () =>
      handlePhotoUrl(deps, body as unknown as PhotoBody, photoAction),
    );
  });
}
