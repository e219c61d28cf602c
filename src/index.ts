import dotenv from 'dotenv';
import { loadConfig } from './runtime/config.js';
import { createLogger } from './runtime/logger.js';
import { nativeModuleProblems } from './runtime/native-modules.js';
import { handleProcessErrors } from './runtime/process-errors.js';
import { createApp } from './wiring/app.js';
import { openServices } from './wiring/services.js';

// Real environment variables win over .env (dotenv never overrides by default).
dotenv.config({ quiet: true });

const shutdownGraceMs = 30_000;

const loaded = loadConfig(process.env);
if (!loaded.ok) refuseToStart(loaded.problems);
const config = loaded.config;
// Before anything opens: a native module that will not load is an install problem, said in one line.
const missing = await nativeModuleProblems(config);
if (missing.length > 0) refuseToStart(missing);
const log = createLogger(config.logLevel);

let services: Awaited<ReturnType<typeof openServices>>;
try {
  services = await openServices(config, log);
} catch (error) {
  // An unreachable database, a newer schema, a port in use: one line, never a stack or a password.
  console.error(`contactcard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const { app, access } = createApp(services);
// An error that escapes every handler: one log line; an uncaught exception also stops the app and exits 1.
handleProcessErrors({ log, stop: () => app.stop() });

try {
  await app.init();
} catch (error) {
  console.error(`contactcard: ${describeSlackStartupError(error)}`);
  process.exit(1);
}

try {
  if (config.slack.appToken === undefined) {
    await app.start({ port: config.http.port, host: config.http.host });
    log.info(
      `contactcard listening on http://${config.http.host}:${config.http.port}/slack/events (HTTP mode)`,
    );
  } else {
    await app.start();
    log.info(`contactcard connected in Socket Mode; /healthz on port ${config.http.port}`);
  }
} catch (error) {
  console.error(`contactcard: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (services.sandbox) {
  log.warn('No Sendblue credentials: running in SANDBOX mode. No real number is changed.');
}
if (await access.isOpenMode()) {
  log.warn('OPEN MODE: no admin is configured, so everyone may change every number. Set CONTACTCARD_ADMINS.');
}
services.lines.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: no longer accepting work; waiting for ${services.operations.size} operation(s)`);
  await app.stop().catch((error: unknown) => log.warn(`stopping the receiver: ${String(error)}`));
  const drained = await services.operations.drain(shutdownGraceMs);
  if (!drained)
    log.warn(`gave up on ${services.operations.size} operation(s) after ${shutdownGraceMs / 1000} s`);
  await services.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

/** A configuration or an install this process cannot run with: one line per problem, exit 1. */
function refuseToStart(problems: string[]): never {
  for (const problem of problems) console.error(`contactcard: ${problem}`);
  process.exit(1);
}

function describeSlackStartupError(error: unknown): string {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  if (typeof code === 'string') return `Slack rejected SLACK_BOT_TOKEN (${code})`;
  const reason = error instanceof Error ? error.message : String(error);
  return `could not verify SLACK_BOT_TOKEN with Slack at ${config.slack.apiUrl}: ${reason}`;
}
