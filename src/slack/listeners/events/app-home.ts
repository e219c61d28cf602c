import type { Deps } from '../../../use-cases/flows/ports.js';
import type { ListenerTable } from '../table.js';

/** Opening the app's Home tab publishes it (from the store: no Sendblue call on any open). */
export function register(app: ListenerTable, deps: Deps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await deps.homes.publish(event.user);
  });
}
