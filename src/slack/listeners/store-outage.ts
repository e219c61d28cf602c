import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { StoreUnavailableError } from '../../adapters/store/types.js';
import type { Deps } from '../../use-cases/flows/ports.js';
import { noticeView } from '../views/card-modal.js';
import { explainFailure } from '../views/explain.js';
import { unavailableMessage } from '../views/messages.js';
import { afterAck } from './deps.js';

interface OutageBody {
  command?: unknown;
  type?: unknown;
  user_id?: unknown;
  user?: { id?: unknown };
  channel?: { id?: unknown };
  channel_id?: unknown;
  response_url?: unknown;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Runs the listeners, tracked: they keep working after their ack (views.open, then Sendblue), and a
 * shutdown waits for them. A request that needs the database while it is down gets a clear private
 * answer (nothing was done, try again, ask an admin) instead of Slack's "dispatch failed". Any other
 * error goes on.
 */
export function answerStoreOutages(deps: Deps): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    try {
      await deps.operations.track(args.next());
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.log.warn(`a request could not be served: ${error.message}`);
      const message = deps.slack.labelled(
        unavailableMessage(explainFailure(error), await deps.access.admins()),
      );
      const body = args.body as OutageBody;
      const ack = 'ack' in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
      const userId = text(body.user_id) ?? text(body.user?.id) ?? '';
      // The ack may have been sent already; then the private message below is the answer.
      const acked = async (response?: unknown) =>
        ack?.(response).then(
          () => true,
          () => false,
        ) ?? false;
      if (body.command !== undefined) {
        if (await acked({ response_type: 'ephemeral', ...message })) return;
      } else if (body.type === 'view_submission') {
        const view = deps.slack.labelledView(
          noticeView({ metadata: { channel: userId } }, `:warning: ${message.text}`),
        );
        if (await acked({ response_action: 'update', view })) return;
      } else await acked();
      const audience = {
        userId,
        channelId: text(body.channel_id) ?? text(body.channel?.id) ?? userId,
        responseUrl: text(body.response_url),
      };
      afterAck(deps, 'telling of a database outage', () => deps.slack.tellPrivately(audience, message));
    }
  };
}
