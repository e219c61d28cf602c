import { format } from 'node:util';
import { type Logger, LogLevel } from '@slack/logger';
import { ids } from '../../src/slack/views/ids.js';

// Every in-process test app logs at debug into a LogAudit, whatever LOG_LEVEL its test asked for,
// and prints only what that level would have printed. When the app stops, the audit fails the test
// if any line (from the app, Bolt, the Web API or Socket Mode client) carries a token, the signing
// secret, or a value a person typed into a card field: the rule of src/slack/log-rules.ts, checked
// over the whole end-to-end suite's traffic.

const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

// Shorter values (a one-letter name a generator made) would match ordinary words of a log line.
const shortest = 4;
// JavaScript's own property names, which fast-check puts into generated strings on purpose
// ("call", "name", "length", ...), are words of ordinary log lines too: Bolt's "ack() call begins".
const ordinaryWords = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  'prototype',
  'key',
  'ref',
]);

/** The card inputs of the editor and the text of a rejection: what people type. */
const typedInputs = new Set<string>([
  ids.inputs.firstName,
  ids.inputs.lastName,
  ids.inputs.photoUrl,
  ids.inputs.displayName,
  ids.rejectReason.input,
]);
/** A workflow step's card inputs, and a card as Sendblue shows it. */
const cardKeys = new Set([
  'first_name',
  'last_name',
  'display_name',
  'photo_url',
  'firstName',
  'lastName',
  'displayName',
  'photoUrl',
]);

export class LogAudit {
  readonly lines: string[] = [];
  readonly #forbidden = new Map<string, string>();

  constructor(private readonly printer: Logger) {}

  /** A value no line may carry, and what it is (for the failure message, which never prints it). */
  forbid(value: string | undefined, what: string): void {
    const trimmed = value?.trim();
    if (trimmed && trimmed.length >= shortest && !ordinaryWords.has(trimmed))
      this.#forbidden.set(trimmed, what);
  }

  /** Forbids what a person typed into a request Slack would send: card inputs, step inputs, a card. */
  forbidTypedIn(payload: unknown): void {
    const walk = (value: unknown, key: string | undefined, typed: boolean): void => {
      if (typeof value === 'string') {
        if (typed || (key !== undefined && cardKeys.has(key))) this.forbid(value, `typed ${key}`);
        return;
      }
      if (typeof value !== 'object' || value === null) return;
      // An input's state is { type, value } under its action id.
      const isInput = key !== undefined && typedInputs.has(key);
      for (const [childKey, child] of Object.entries(value))
        walk(child, childKey, isInput && childKey === 'value');
    };
    walk(payload, undefined, false);
  }

  /** Where a line carries a forbidden value: the text around it, the value replaced by what it is. */
  leaks(): string[] {
    const found: string[] = [];
    for (const line of this.lines) {
      for (const [value, what] of this.#forbidden) {
        const at = line.indexOf(value);
        if (at === -1) continue;
        const around = `${line.slice(Math.max(0, at - 120), at)}<${what}>${line.slice(at + value.length, at + value.length + 80)}`;
        found.push(around.replaceAll(value, `<${what}>`));
      }
    }
    return found;
  }

  /** Throws when a line carries a forbidden value. */
  assertClean(): void {
    const leaks = this.leaks();
    if (leaks.length > 0)
      throw new Error(
        `${leaks.length} log line(s) carry a token, secret or typed value:\n${leaks.slice(0, 5).join('\n')}`,
      );
  }

  /** The app's logger: records every line at debug, prints at the printer's level. */
  logger(): Logger {
    const record =
      (level: LogLevel, print: (...parts: unknown[]) => void) =>
      (...parts: unknown[]) => {
        this.lines.push(`[${level}] ${format(...parts)}`);
        if (order.indexOf(level) >= order.indexOf(this.printer.getLevel())) print(...parts);
      };
    return {
      debug: record(LogLevel.DEBUG, (...parts) => this.printer.debug(...parts)),
      info: record(LogLevel.INFO, (...parts) => this.printer.info(...parts)),
      warn: record(LogLevel.WARN, (...parts) => this.printer.warn(...parts)),
      error: record(LogLevel.ERROR, (...parts) => this.printer.error(...parts)),
      setLevel: () => {},
      getLevel: () => LogLevel.DEBUG,
      setName: () => {},
    };
  }
}
