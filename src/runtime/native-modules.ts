import type { Config } from './config.js';

/**
 * The two dependencies with native code, loaded once before anything opens, so that a missing or
 * broken one stops the start with one line saying what to run instead of a loader's stack trace
 * later (SQLite's at the first store call, sharp's at the first photo). Each is loaded only when
 * this configuration uses it: better-sqlite3 for the SQLite store (no PostgreSQL URL), sharp for
 * photo hosting (CONTACTCARD_PUBLIC_URL), the only path that processes images.
 */
export async function nativeModuleProblems(
  config: Pick<Config, 'databaseUrl' | 'publicUrl'>,
): Promise<string[]> {
  const problems: string[] = [];
  if (config.databaseUrl === undefined) {
    const error = await failureOf(loadSqlite);
    if (error !== undefined) problems.push(sqliteProblem(error));
  }
  if (config.publicUrl !== undefined) {
    const error = await failureOf(loadSharp);
    if (error !== undefined) problems.push(sharpProblem(error));
  }
  return problems;
}

async function failureOf(load: () => Promise<void>): Promise<unknown> {
  try {
    await load();
    return undefined;
  } catch (error) {
    return error ?? new Error('unknown error');
  }
}

async function loadSqlite(): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  // The native module is loaded by the first open, not by the import.
  new Database(':memory:').close();
}

async function loadSharp(): Promise<void> {
  await import('sharp');
}

const sqliteNeed = 'the SQLite store (no CONTACTCARD_DATABASE_URL) needs';

function sqliteProblem(error: unknown): string {
  if (isPackageMissing(error, 'better-sqlite3'))
    return `${sqliteNeed} better-sqlite3, which is not installed: run npm ci`;
  const message = messageOf(error);
  if (isModuleNotFound(error))
    return `${sqliteNeed} better-sqlite3, which is installed incompletely (${firstLine(message)}): run npm ci`;
  const state = message.startsWith('Could not locate the bindings file')
    ? 'is missing (its install script builds it; --ignore-scripts skips that)'
    : /NODE_MODULE_VERSION/.test(message)
      ? 'was built for another Node.js version'
      : `does not load (${firstLine(message)})`;
  return `${sqliteNeed} better-sqlite3's native module, which ${state}: run npm rebuild better-sqlite3`;
}

const sharpNeed = 'photo hosting (CONTACTCARD_PUBLIC_URL) needs';

function sharpProblem(error: unknown): string {
  if (isPackageMissing(error, 'sharp')) return `${sharpNeed} sharp, which is not installed: run npm ci`;
  // sharp's own error: a first line naming the runtime, then one line per reason other than "not
  // found", then its advice from "Possible solutions:" on.
  const [first = '', next = ''] = messageOf(error).split('\n');
  const runtime = /using the (\S+) runtime/.exec(first)?.[1];
  if (runtime === undefined) return `${sharpNeed} sharp, which does not load (${first}): run npm ci`;
  const state = next.startsWith('Possible solutions')
    ? 'is missing (an optional dependency: --omit=optional, or an install made on another platform, leaves it out)'
    : `does not load (${next})`;
  return `${sharpNeed} sharp's binary for ${runtime}, which ${state}: run npm ci on this machine`;
}

function isPackageMissing(error: unknown, name: string): boolean {
  return isModuleNotFound(error) && messageOf(error).startsWith(`Cannot find package '${name}'`);
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
