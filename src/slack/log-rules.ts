import { type Logger, LogLevel } from '@slack/logger';

// The one rule for what may be logged from a request: ids and types, never a body, a value a person
// typed or a token, at every level. Our own lines keep to it by what they write; Bolt, the Web API
// client and the Socket Mode client do not (at debug they print whole request bodies, envelopes,
// acks and API results), so everything they log goes through `withoutContents` first.

const omitted = '(contents not logged)';
const severity = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

// Where a library line starts quoting data: JSON, or a labelled body, payload, result or error.
const contentStart = /[{[]|\b(?:body|payload|data|details|result|error)\b\s*[:=]/i;
// Quoted text (JSON.parse errors quote the input they choke on), a quote escaped inside it
// included, and anything shaped like a token.
const quoted = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g;
const tokenLike = /\bx(?:ox[a-z]|app)-[\w-]+/gi;

/** A library's log line with every quoted value, token and body cut out; its ids and words kept. */
export function withoutContents(line: string): string {
  const start = line.search(contentStart);
  const head = start === -1 ? line : `${line.slice(0, start)}${omitted}`;
  return head.replace(quoted, '"…"').replace(tokenLike, '[token]');
}

const lineOf = (parts: readonly unknown[]): string =>
  parts
    .map((part) =>
      typeof part === 'string' ? part : part instanceof Error ? `${part.name}: ${part.message}` : omitted,
    )
    .join(' ');

/**
 * The logger handed to Bolt and the Slack clients: the app's own, with each line cleaned by
 * `withoutContents`. Its name stays the app's (the clients would rename a shared logger).
 */
export function libraryLogger(log: Logger): Logger {
  // The clients call debug() on every request: a line the level drops is not cleaned first.
  const cleaned =
    (level: LogLevel, write: (line: string) => void) =>
    (...parts: unknown[]) => {
      if (severity.indexOf(level) >= severity.indexOf(log.getLevel())) write(withoutContents(lineOf(parts)));
    };
  return {
    debug: cleaned(LogLevel.DEBUG, (line) => log.debug(line)),
    info: cleaned(LogLevel.INFO, (line) => log.info(line)),
    warn: cleaned(LogLevel.WARN, (line) => log.warn(line)),
    error: cleaned(LogLevel.ERROR, (line) => log.error(line)),
    setLevel: (level: LogLevel) => log.setLevel(level),
    getLevel: () => log.getLevel(),
    setName: () => {},
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a JSON value is, for a log line that must not show it. */
export const jsonKind = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : isPlainObject(value)
        ? 'an object with no type or command'
        : typeof value;

/** An id or type for a log line: a string quoted (escaped, at most 60 characters), else its kind. */
export function label(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'none' : jsonKind(value);
  const quoted = JSON.stringify(value);
  return quoted.length > 60 ? `${quoted.slice(0, 59)}…` : quoted;
}
