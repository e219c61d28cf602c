import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { statuses } from '../../../domain/card/picture.js';
import { appNumberSchema } from '../../../domain/card/rules.js';
import { numberHistory } from '../../../use-cases/flows/numbers.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { refusalMessage } from '../../views/access-messages.js';
import { ids } from '../../views/ids.js';
import { afterAck, audienceOf, wholeNumberIn } from '../deps.js';
import type { ListenerTable } from '../table.js';

/** Home tab controls: Previous/Next, the status filter, and a number's History. */
export function register(app: ListenerTable, deps: Deps): void {
  // The button's value is the page it leads to, so both directions are one listener.
  const turnPage = async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>>) => {
    await ack();
    const page = wholeNumberIn(action.value);
    if (page !== undefined)
      afterAck(deps, 'paging the Home tab', () => deps.homes.publish(body.user.id, { page }));
  };
  app.action(ids.actions.homePrevious, turnPage);
  app.action(ids.actions.homeNext, turnPage);
  app.action<BlockAction<StaticSelectAction>>(ids.actions.homeFilter, async ({ ack, body, action }) => {
    await ack();
    const chosen = action.selected_option?.value;
    const filter = statuses.find((status) => status === chosen) ?? 'all';
    afterAck(deps, 'filtering the Home tab', () => deps.homes.publish(body.user.id, { filter }));
  });
  app.action<BlockAction<ButtonAction>>(ids.actions.history, async ({ ack, body, action }) => {
    await ack();
    const number = appNumberSchema.safeParse(action.value);
    if (!number.success) return;
    const audience = audienceOf(body);
    afterAck(deps, 'showing a history', async () => {
      const decision = await deps.access.decide('history', body.user.id, number.data);
      const message = decision.allowed
        ? await numberHistory(deps, number.data)
        : refusalMessage(decision.refusal);
      await deps.slack.tellPrivately(audience, message);
    });
  });
}
