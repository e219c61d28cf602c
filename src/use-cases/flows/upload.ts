import type { Hosted } from '../../adapters/photo/hosting.js';
import { processPhoto } from '../../adapters/photo/process.js';
import {
  downloadReasons,
  downloadSlackFile,
  type SlackFile,
  slackFileSchema,
} from '../../adapters/slack-files.js';
import type { ProfileInput } from '../../domain/card/rules.js';
import type { ModalMetadata } from '../../slack/views/metadata.js';
import { applyCard } from './card.js';
import type { Audience, Deps } from './ports.js';
import { presentChange } from './present.js';

/**
 * An uploaded photo: downloaded from Slack with the bot token, turned into a square JPEG without
 * metadata, hosted by the app; then the card goes through the pipeline with that photo's URL.
 * A file that cannot be used comes back to the form with the reason, nothing recorded.
 */
export async function applyUpload(
  deps: Deps,
  submission: {
    card: Omit<ProfileInput, 'photoUrl'>;
    upload: SlackFile;
    actorId: string;
    audience: Audience;
    viewId: string;
    metadata: ModalMetadata;
    requestKey: string;
  },
): Promise<void> {
  const { card, actorId } = submission;
  const number = card.fromNumber;
  const hosted = await hostUpload(deps, submission.upload, number, actorId);
  if (!hosted.ok) {
    await presentChange(
      deps,
      { kind: 'set', number, card: { ...card, photoUrl: '' }, actorId },
      { status: 'invalid', problem: hosted.reason, photo: 'upload' },
      {
        audience: submission.audience,
        modal: { viewId: submission.viewId, metadata: { ...submission.metadata, number } },
      },
    );
    return;
  }
  await applyCard(deps, { ...submission, card: { ...card, photoUrl: hosted.url }, photoHosted: true });
}

async function hostUpload(deps: Deps, file: SlackFile, number: string, actorId: string): Promise<Hosted> {
  const host = deps.photoHost;
  if (host === undefined)
    return { ok: false, reason: 'Uploads are not enabled here: paste a photo link instead.' };
  // A file_input's state may omit the download URL; files.info has it.
  const known =
    (file.url_private_download ?? file.url_private)
      ? file
      : slackFileSchema.safeParse(await deps.slack.fileInfo(file.id)).data;
  if (known === undefined) return { ok: false, reason: downloadReasons.noFile };
  const downloaded = await downloadSlackFile(known, deps.config.slack.botToken, deps.config.slack.apiUrl);
  if (!downloaded.ok) return downloaded;
  const processed = await processPhoto(downloaded.bytes);
  if (!processed.ok) return processed;
  return host.host(number, processed.jpeg, actorId);
}
