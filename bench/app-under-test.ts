/**
 * Child process of the benchmark: the real app in HTTP mode, started the way src/index.ts starts it
 * (same services, same order), configured only from the environment the runner gives it (no .env).
 */

import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openServices } from '../src/services.js';
import { serveAsks } from './protocol.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const problem of loaded.problems) console.error(`app-under-test: ${problem}`);
  process.exit(1);
}
const config = loaded.config;
const log = createLogger(config.logLevel);
const services = await openServices(config, log);
const { app } = createApp(services);
await app.init();
await app.start({ port: config.http.port, host: config.http.host });
services.lines.start();

serveAsks((ask) => (ask.type === 'inflight' ? { inflight: services.operations.size } : undefined));
