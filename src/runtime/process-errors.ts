import type { Log } from './logger.js';

// What the process does with an error that escaped every handler. Requests never get here by
// design (the receiver guards and Bolt's error handlers answer them), so such an error is a bug:
// it is logged in one line, without anything it carries besides its name and message.

const maxLength = 200;

/**
 * `Name: message` on one line, at most 200 characters. Never the stack or other properties, and
 * never a SyntaxError's message, which quotes the text that failed to parse (a request body).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a thrown ${error === null ? 'null' : typeof error} (not an Error)`;
  const name = String(error.name);
  const message = error instanceof SyntaxError ? '' : String(error.message);
  const line = (message ? `${name}: ${message}` : name).replace(/\p{Cc}+/gu, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

export type ProcessErrorEvent = 'unhandledRejection' | 'uncaughtException';

export interface ProcessErrorDecision {
  /** The one line to log (at error level). */
  line: string;
  /** True: stop and exit 1, for a supervisor to restart the process. False: keep serving. */
  exit: boolean;
}

/**
 * A rejected promise nobody awaited leaves the process consistent (whatever awaited it is gone),
 * so the app keeps serving. An uncaught exception may have been thrown half-way through anything:
 * the process exits 1.
 */
export function decideOnProcessError(event: ProcessErrorEvent, error: unknown): ProcessErrorDecision {
  if (event === 'unhandledRejection') {
    return { line: `Unhandled promise rejection (still serving): ${describeError(error)}`, exit: false };
  }
  return { line: `Uncaught exception, exiting: ${describeError(error)}`, exit: true };
}

export interface ProcessErrorHandlerOptions {
  log: Log;
  /** Stops accepting work; tried before exiting, for at most `stopTimeoutMs`. */
  stop: () => Promise<unknown>;
  stopTimeoutMs?: number;
  exit?: (code: number) => void;
  /** The process to listen on (a stand-in in tests). */
  target?: Pick<NodeJS.EventEmitter, 'on'>;
}

/** Installs the process's 'unhandledRejection' and 'uncaughtException' handlers. */
export function handleProcessErrors(options: ProcessErrorHandlerOptions): void {
  const { log, stop, stopTimeoutMs = 2_000 } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.target ?? process;
  let exiting = false;
  target.on('unhandledRejection', (reason: unknown) => {
    log.error(decideOnProcessError('unhandledRejection', reason).line);
  });
  target.on('uncaughtException', (error: unknown) => {
    const decision = decideOnProcessError('uncaughtException', error);
    log.error(decision.line);
    if (!decision.exit) return;
    if (exiting) {
      exit(1);
      return;
    }
    exiting = true;
    const timer = setTimeout(() => exit(1), stopTimeoutMs);
    (async () => stop())()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        exit(1);
      });
  });
}
