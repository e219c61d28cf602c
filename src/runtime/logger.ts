import { ConsoleLogger, LogLevel } from '@slack/logger';

/** The subset of Bolt's logger that our plain modules use, so they never import Bolt. */
export interface Log {
  debug(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

const levels: Record<LogLevelName, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/** Bolt's own console logger, named so its lines read `[INFO]  contactcard ...`. */
export function createLogger(level: LogLevelName, name = 'contactcard'): ConsoleLogger {
  const logger = new ConsoleLogger();
  logger.setLevel(levels[level]);
  logger.setName(name);
  return logger;
}

/** A logger that drops everything: for tests and benchmarks that assert on behaviour, not output. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
