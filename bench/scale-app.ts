/**
 * Child process of the scale section (bench/scale.ts): the real app in HTTP mode, started the way
 * src/index.ts starts it, configured only from the environment the section gives it, on the store
 * the section seeded. It lives apart from the fakes and the driver, so that its peak memory and its
 * event loop are its own. Besides Slack's requests it answers the section's asks: a drift round (its
 * time), a bulk change started as the bulk form starts one, and a wait for everything under way.
 */
import { serveAsks } from './protocol.js';
import { startBenchApp } from './start-app.js';

const started = process.hrtime.bigint();
// Lines read once, not on their timer: the section's phases then count only their own Sendblue calls.
const services = await startBenchApp('scale-app', (opened) => opened.lines.refresh());
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
