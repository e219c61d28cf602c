import type { Services } from './app.js';
import type { Config } from './config.js';
import { LinesDirectory } from './flows/lines.js';
import type { createLogger } from './logger.js';
import { InFlight } from './operations.js';
import { connectSendblue } from './sendblue/connect.js';
import { openSqliteStore } from './store/sqlite.js';

type Tuning = Parameters<typeof connectSendblue>[2];

/** Opens what the app runs on: Sendblue (live or sandbox), the store, the lines directory. */
export async function openServices(
  config: Config,
  log: ReturnType<typeof createLogger>,
  tuning?: Tuning,
): Promise<Services & { close(): Promise<void> }> {
  const store = openSqliteStore(config.databasePath);
  const unknown = await store.markPendingUnknown();
  if (unknown > 0) {
    log.warn(
      `${unknown} change(s) were in flight when the app last stopped; their outcome is recorded as unknown`,
    );
  }
  const sendblue = await connectSendblue(config.sendblue, log, tuning);
  const lines = new LinesDirectory(sendblue.client, log);
  return {
    config,
    log,
    sendblue: sendblue.client,
    sandbox: sendblue.sandbox,
    operations: new InFlight(),
    store,
    lines,
    async close() {
      lines.stop();
      await sendblue.close();
      await store.close();
    },
  };
}

/** Everyone may change every number until an admin is configured or a number is assigned. */
export async function isOpenMode(services: Services): Promise<boolean> {
  const { admins, adminGroup } = services.config;
  return admins.length === 0 && adminGroup === undefined && !(await services.store.hasAssignments());
}
