/**
 * Child process of the scale section (bench/scale.ts): the real app in HTTP mode, started the way
 * src/index.ts starts it, configured only from the environment the section gives it, on the store
 * the section seeded. It lives apart from the fakes and the driver, so that its peak memory and its
 * event loop are its own. Besides Slack's requests it answers the section's asks: a drift round (its
 * time), a bulk change started as the bulk form starts one, and a wait for everything under way.
 */

import { loadConfig } from '../src/runtime/config.js';
import { createLogger } from '../src/runtime/logger.js';
import { createApp } from '../src/wiring/app.js';
import { openServices } from '../src/wiring/services.js';
import { serveAsks } from './protocol.js';

const started = process.hrtime.bigint();
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const problem of loaded.problems) console.error(`scale-app: ${problem}`);
  process.exit(1);
}
const config = loaded.config;
const services = await openServices(config, createLogger(config.logLevel));
// Once, not on its timer: the section's phases then count only their own Sendblue calls.
await services.lines.refresh();
const { app } = createApp(services);
await app.init();
await app.start({ port: config.http.port, host: config.http.host });
const startupMs = Number(process.hrtime.bigint() - started) / 1e6;

const waitMs = 30 * 60_000;
serveAsks(async (ask) => {
  switch (ask.type) {
    case 'drift': {
      const from = Date.now();
      await services.drift.round();
      return { ms: Date.now() - from };
    }
    case 'bulk':
      await services.bulk.start(ask.request as Parameters<typeof services.bulk.start>[0]);
      return {};
    case 'drain':
      return { drained: await services.operations.drain(waitMs) };
    default:
      return undefined;
  }
});
process.send?.({ type: 'ready', startupMs });
