import type { BlockAction, UsersSelectAction } from '@slack/bolt';
import type { Deps } from '../../../use-cases/flows/ports.js';
import { fillFromProfile } from '../../../use-cases/flows/profile.js';
import { ids } from '../../views/ids.js';
import { decodeMetadata } from '../../views/metadata.js';
import { afterAck, editableView } from '../deps.js';
import type { ListenerTable } from '../table.js';

type PickBody = BlockAction<UsersSelectAction>;

export function register(app: ListenerTable, deps: Deps): void {
  app.action<PickBody>(ids.actions.fillFromProfile, async ({ ack, body, action }) => {
    await ack();
    const view = body.view;
    const metadata = decodeMetadata(view?.private_metadata);
    const userId = action.selected_user;
    // Payloads come from outside: only a card modal of ours with a chosen person is filled in.
    if (
      typeof view?.id !== 'string' ||
      !Array.isArray(view.blocks) ||
      !metadata ||
      typeof userId !== 'string'
    )
      return;
    afterAck(deps, 'filling the form from a Slack profile', () =>
      fillFromProfile(deps, {
        view: editableView(view),
        viewId: view.id,
        hash: view.hash,
        metadata,
        userId,
        actorId: body.user.id,
      }),
    );
  });
}
