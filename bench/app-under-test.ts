/**
 * Child process of the benchmark: the real app in HTTP mode, started the way src/index.ts starts it
 * (same services, same order), configured only from the environment the runner gives it (no .env).
 * Its in-memory store is seeded before it listens: with BENCH_KNOWN_CARD=1 the command number's card
 * (as if set through the app before), with BENCH_HOME_NUMBERS=n a card for each of n Home tab numbers.
 */

import { loadConfig } from '../src/runtime/config.js';
import { createLogger } from '../src/runtime/logger.js';
import { createApp } from '../src/wiring/app.js';
import { openServices } from '../src/wiring/services.js';
import { commandNumber, homeNumbers, knownCard, serveAsks } from './protocol.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const problem of loaded.problems) console.error(`app-under-test: ${problem}`);
  process.exit(1);
}
const config = loaded.config;
const log = createLogger(config.logLevel);
const services = await openServices(config, log);
if (process.env.BENCH_KNOWN_CARD === '1')
  await services.store.rememberCard(commandNumber, knownCard, 'UBENCH');
for (const [i, number] of homeNumbers.slice(0, Number(process.env.BENCH_HOME_NUMBERS ?? 0)).entries()) {
  await services.store.rememberCard(number, { ...knownCard, firstName: `Agent ${i + 1}` }, 'UBENCH');
}
const { app } = createApp(services);
await app.init();
await app.start({ port: config.http.port, host: config.http.host });
services.lines.start();

serveAsks((ask) => (ask.type === 'inflight' ? { inflight: services.operations.size } : undefined));
