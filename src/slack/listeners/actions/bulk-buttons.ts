import type { BlockAction, ButtonAction } from '@slack/bolt';
import { sendExport } from '../../../use-cases/flows/csv.js';
import { manageable } from '../../../use-cases/flows/numbers.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { bulkModalView, importModalView } from '../../views/bulk.js';
import { ids } from '../../views/ids.js';
import { noteMessage } from '../../views/messages.js';
import { afterAck, audienceOf, openModalOrSay, wholeNumberIn } from '../deps.js';
import type { ListenerTable } from '../table.js';

type ButtonBody = BlockAction<ButtonAction>;

/** Cancel and "Retry the failed ones" on a bulk job's progress message: its starter or an admin. */
export function register(app: ListenerTable, deps: Deps): void {
  // From the Home tab: the same form as /contactcard bulk; progress goes to the person's DM.
  app.action<ButtonBody>(ids.actions.bulkOpen, async ({ ack, body }) => {
    await ack();
    const choices = await manageable(deps, body.user.id);
    await openModalOrSay(deps, {
      triggerId: body.trigger_id,
      view: bulkModalView({ metadata: { channel: audienceOf(body).channelId }, choices }),
      audience: audienceOf(body),
      what: 'the bulk change form',
      again: 'Please click again.',
    });
  });
  app.action<ButtonBody>(ids.actions.importOpen, async ({ ack, body }) => {
    await ack();
    await openModalOrSay(deps, {
      triggerId: body.trigger_id,
      view: importModalView({ channel: audienceOf(body).channelId }),
      audience: audienceOf(body),
      what: 'the import form',
      again: 'Please click again.',
    });
  });
  app.action<ButtonBody>(ids.actions.exportNow, async ({ ack, body }) => {
    await ack();
    afterAck(deps, 'export', () => sendExport(deps, body.user.id, audienceOf(body)));
  });
  app.action<ButtonBody>(ids.actions.bulkCancel, async ({ ack, body, action }) => {
    await ack();
    const jobId = wholeNumberIn(action.value);
    afterAck(deps, 'cancelling a bulk change', async () => {
      const cancelled = jobId !== undefined && (await deps.bulk.cancel(jobId, body.user.id));
      const job = cancelled || jobId === undefined ? undefined : await deps.store.bulkJob(jobId);
      const text = cancelled
        ? 'Cancelled: numbers not yet started will not be changed; the ones running finish.'
        : job?.state === 'running'
          ? `Only <@${job.actorId}> or an admin can cancel this bulk change.`
          : 'This bulk change has already finished.';
      await deps.slack.tellPrivately(audienceOf(body), noteMessage(text));
    });
  });
  app.action<ButtonBody>(ids.actions.bulkRetry, async ({ ack, body, action }) => {
    await ack();
    const jobId = wholeNumberIn(action.value);
    afterAck(deps, 'retrying a bulk change', async () => {
      const job = jobId === undefined ? undefined : await deps.store.bulkJob(jobId);
      const mayRetry = job && (job.actorId === body.user.id || (await deps.access.isAdmin(body.user.id)));
      if (!job || job.state === 'running' || job.state === 'draft' || !mayRetry) {
        const text =
          job?.state === 'running'
            ? 'This bulk change is still running.'
            : `Only <@${job?.actorId ?? 'the person who started it'}> or an admin can retry this bulk change.`;
        await deps.slack.tellPrivately(audienceOf(body), noteMessage(text));
        return;
      }
      const numbers = await deps.bulk.unfinished(job);
      if (numbers.length === 0) {
        await deps.slack.tellPrivately(
          audienceOf(body),
          noteMessage('Every number of this bulk change already has the card.'),
        );
        return;
      }
      const cards = job.cards
        ? Object.fromEntries(numbers.map((number) => [number, job.cards?.[number] ?? job.card]))
        : null;
      await deps.bulk.start({
        actorId: body.user.id,
        audience: audienceOf(body),
        numbers,
        card: job.card,
        cards,
      });
    });
  });
}
