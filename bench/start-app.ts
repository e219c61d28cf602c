/**
 * The real app in HTTP mode, started the way src/index.ts starts it (same services, same order),
 * configured only from the environment the bench gives its child (no .env). `beforeListen` seeds
 * the store or reads the lines once before the first request can arrive.
 */

import { loadConfig } from '../src/runtime/config.js';
import { createLogger } from '../src/runtime/logger.js';
import { createApp } from '../src/wiring/app.js';
import { openServices, type Services } from '../src/wiring/services.js';

export async function startBenchApp(
  name: string,
  beforeListen: (services: Services) => Promise<void>,
): Promise<Services> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(`${name}: ${problem}`);
    process.exit(1);
  }
  const config = loaded.config;
  const services = await openServices(config, createLogger(config.logLevel));
  await beforeListen(services);
  const { app } = createApp(services);
  await app.init();
  await app.start({ port: config.http.port, host: config.http.host });
  return services;
}
