import type { Services } from './app.js';
import type { Config } from './config.js';
import { LinesDirectory } from './flows/lines.js';
import type { createLogger } from './logger.js';
import { InFlight } from './operations.js';
import { createPhotoChecker, type PhotoCheckerOptions } from './photo/index.js';
import { connectSendblue } from './sendblue/connect.js';
import { openSqliteStore } from './store/sqlite.js';

type Tuning = NonNullable<Parameters<typeof connectSendblue>[2]> & {
  /** Test-only: a resolver and address policy that reach local image servers. */
  photos?: Partial<PhotoCheckerOptions>;
};

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
  const photos = createPhotoChecker({ log, networkCheck: config.photoCheck, ...tuning?.photos });
  return {
    config,
    log,
    sendblue: sendblue.client,
    sandbox: sendblue.sandbox,
    operations: new InFlight(),
    store,
    lines,
    photos,
    async close() {
      lines.stop();
      await photos.close();
      await sendblue.close();
      await store.close();
    },
  };
}
