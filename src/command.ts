import type { CountryCode } from 'libphonenumber-js';
import { parsePhone } from './phone.js';

export type Subcommand = 'set' | 'show' | 'delete';

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: Subcommand; number: string | undefined }
  /** The person typed something we could not use; `problem` says what, for a usage reply. */
  | { kind: 'invalid'; problem: string };

const aliases: Record<string, Subcommand | 'help'> = {
  set: 'set',
  edit: 'set',
  update: 'set',
  show: 'show',
  status: 'show',
  get: 'show',
  delete: 'delete',
  remove: 'delete',
  help: 'help',
};

// Slash command text is capped by Slack at a few thousand characters; quoting more back is noise.
const maxQuoted = 40;

/** Reads `/contactcard` text: a subcommand (any case) and an optional number in any accepted form. */
export function parseCommand(text: string, region: CountryCode): ParsedCommand {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'help' };
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const kind = aliases[word.toLowerCase()];
  if (kind === undefined)
    return { kind: 'invalid', problem: `I don’t know the subcommand “${quote(word)}”.` };
  const argument = rest.join(' ');
  if (kind === 'help') return { kind: 'help' };
  if (argument === '') return { kind, number: undefined };
  const phone = parsePhone(argument, region);
  return phone.ok ? { kind, number: phone.e164 } : { kind: 'invalid', problem: phone.error };
}

function quote(word: string): string {
  return word.length > maxQuoted ? `${word.slice(0, maxQuoted)}…` : word;
}
