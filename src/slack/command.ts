import type { CountryCode } from 'libphonenumber-js';
import { parsePhone } from '../domain/phone.js';
import { truncate } from './views/text.js';

export type NumberCommand = 'set' | 'show' | 'delete' | 'history';

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'bulk' }
  | { kind: 'export' }
  | { kind: 'import' }
  | { kind: 'pending' }
  | { kind: NumberCommand; number: string | undefined }
  | { kind: 'assign'; number: string; userId: string }
  | { kind: 'unassign'; number: string; userId: string | undefined }
  /** The person typed something we could not use; `problem` says what, for a usage reply. */
  | { kind: 'invalid'; problem: string };

type Verb =
  | NumberCommand
  | 'help'
  | 'list'
  | 'bulk'
  | 'export'
  | 'import'
  | 'pending'
  | 'assign'
  | 'unassign';

const aliases: Record<string, Verb> = {
  set: 'set',
  edit: 'set',
  update: 'set',
  show: 'show',
  status: 'show',
  get: 'show',
  delete: 'delete',
  remove: 'delete',
  help: 'help',
  list: 'list',
  ls: 'list',
  bulk: 'bulk',
  export: 'export',
  import: 'import',
  pending: 'pending',
  approvals: 'pending',
  history: 'history',
  log: 'history',
  assign: 'assign',
  unassign: 'unassign',
};

// Escaped command text carries mentions as <@U123> or <@U123|name>.
const mention = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;
// Slash command text is capped by Slack at a few thousand characters; quoting more back is noise.
const maxQuoted = 40;

/** Reads `/contactcard` text: a subcommand (any case), an optional number in any accepted form, mentions. */
export function parseCommand(text: string, region: CountryCode): ParsedCommand {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'help' };
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const kind = Object.hasOwn(aliases, word.toLowerCase()) ? aliases[word.toLowerCase()] : undefined;
  if (kind === undefined)
    return { kind: 'invalid', problem: `I don’t know the subcommand “${quote(word)}”.` };
  const argument = rest.join(' ');
  if (
    kind === 'help' ||
    kind === 'list' ||
    kind === 'bulk' ||
    kind === 'export' ||
    kind === 'import' ||
    kind === 'pending'
  )
    return { kind };
  if (kind === 'assign' || kind === 'unassign') return parseAssignment(kind, argument, region);
  if (argument === '') return { kind, number: undefined };
  const phone = parsePhone(argument, region);
  return phone.ok ? { kind, number: phone.e164 } : { kind: 'invalid', problem: phone.error };
}

function parseAssignment(kind: 'assign' | 'unassign', argument: string, region: CountryCode): ParsedCommand {
  const users = [...argument.matchAll(mention)].map((match) => match[1] ?? '');
  const numberText = argument.replace(mention, ' ').trim();
  const example = `For example: /contactcard ${kind} +1 415 555 1234 @person`;
  if (users.length > 1) return { kind: 'invalid', problem: `Mention one person at a time. ${example}` };
  if (kind === 'assign' && users.length === 0) {
    const hint = argument.includes('@')
      ? ' Pick the person from Slack’s @ list so Slack sends their ID.'
      : '';
    return { kind: 'invalid', problem: `Who should own it?${hint} ${example}` };
  }
  if (numberText === '') return { kind: 'invalid', problem: `Which number? ${example}` };
  const phone = parsePhone(numberText, region);
  if (!phone.ok) return { kind: 'invalid', problem: phone.error };
  return kind === 'assign'
    ? { kind, number: phone.e164, userId: users[0] ?? '' }
    : { kind, number: phone.e164, userId: users[0] };
}

function quote(word: string): string {
  return truncate(word, maxQuoted + 1);
}
