import type { ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { slackFileSchema } from '../../../adapters/slack-files.js';
import { previewImport } from '../../../use-cases/flows/import.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { noticeView } from '../../views/card-modal.js';
import { ids } from '../../views/ids.js';
import { decodeMetadata } from '../../views/metadata.js';
import { afterAck, jobStartResponse } from '../deps.js';
import type { ListenerTable } from '../table.js';

const previewMetadata = z.object({ job: z.number().int().positive().nullable() });

/** The file step: acked at once with "checking", the preview follows in the same modal. */
async function handleFile(
  deps: Deps,
  body: ViewSubmitAction,
  ack: (response?: ViewResponseAction) => Promise<void>,
) {
  const metadata = decodeMetadata(body.view.private_metadata);
  const values = body.view.state?.values as
    | Record<string, Record<string, { files?: unknown } | undefined> | undefined>
    | undefined;
  const files = values?.[ids.importFile.block]?.[ids.importFile.input]?.files;
  const file = slackFileSchema.safeParse(Array.isArray(files) ? files[0] : undefined);
  if (!file.success || metadata === undefined) {
    return ack({
      response_action: 'errors',
      errors: { [ids.importFile.block]: 'Upload the CSV file to import.' },
    });
  }
  await ack({
    response_action: 'update',
    view: deps.slack.labelledView(
      noticeView({ metadata }, ':hourglass_flowing_sand: Checking every row of the file…'),
    ),
  });
  afterAck(deps, 'checking an import', () =>
    previewImport(deps, {
      file: file.data,
      userId: body.user.id,
      channel: metadata.channel,
      viewId: body.view.id,
    }),
  );
}

/** The preview's Apply: the recorded import starts, as a bulk job with a card for each number. */
async function handleApply(
  deps: Deps,
  body: ViewSubmitAction,
  ack: (response?: ViewResponseAction) => Promise<void>,
) {
  let raw: unknown;
  try {
    raw = JSON.parse(body.view.private_metadata);
  } catch {
    raw = undefined;
  }
  const parsed = previewMetadata.safeParse(raw);
  const job =
    parsed.success && parsed.data.job !== null ? await deps.store.bulkJob(parsed.data.job) : undefined;
  const metadata = { channel: job?.channel ?? body.user.id };
  if (job?.state !== 'draft' || job.actorId !== body.user.id) {
    return ack({
      response_action: 'update',
      view: deps.slack.labelledView(
        noticeView(
          { metadata },
          ':information_source: This import was already applied, or is not yours to apply.',
        ),
      ),
    });
  }
  await ack(
    await jobStartResponse(deps, {
      metadata,
      userId: body.user.id,
      count: job.numbers.length,
      applying: `:arrows_counterclockwise: *Applying ${job.numbers.length} cards.* Progress is posted where you ran the command; you can close this window.`,
    }),
  );
  afterAck(deps, 'applying an import', () =>
    deps.bulk.startPrepared(job.id, body.user.id, {
      userId: body.user.id,
      channelId: job.channel,
      responseUrl: undefined,
    }),
  );
}

export function register(app: ListenerTable, deps: Deps): void {
  app.view<ViewSubmitAction>(ids.importModal, ({ body, ack }) => handleFile(deps, body, ack));
  app.view<ViewSubmitAction>(ids.importPreview, ({ body, ack }) => handleApply(deps, body, ack));
}
