import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneParseResult = { ok: true; e164: string } | { ok: false; error: string };

// Slack turns a typed number into `<tel:+14155551234|+1 415-555-1234>` in escaped command text.
const slackTelLink = /^<tel:([^|>]*)(?:\|[^>]*)?>$/;
// Anything beyond this is not a phone number; bounding it keeps the parser's work trivial.
const maxInputLength = 64;

export function isRegion(value: string): value is CountryCode {
  return isSupportedCountry(value);
}

// With full metadata a parse costs tens of µs and runs before the ack; a workspace has few numbers.
const memoLimit = 1_000;
const parsedMemo = new Map<string, PhoneParseResult>();
const formattedMemo = new Map<string, string>();

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= memoLimit) memo.clear();
  memo.set(key, value);
  return value;
}

/** Turns what a person typed into E.164, or says plainly what form is expected. */
export function parsePhone(input: string, defaultRegion: CountryCode): PhoneParseResult {
  const key = `${defaultRegion}:${input}`;
  return parsedMemo.get(key) ?? remember(parsedMemo, key, parseUncached(input, defaultRegion));
}

function parseUncached(input: string, defaultRegion: CountryCode): PhoneParseResult {
  const trimmed = input.trim();
  const text = slackTelLink.exec(trimmed)?.[1] ?? trimmed;
  const expected = `Type it in international form, like +1 415 555 1234, or as a national number for ${defaultRegion}.`;
  if (text === '') return { ok: false, error: `No phone number given. ${expected}` };
  if (text.length > maxInputLength)
    return { ok: false, error: `That is too long to be a phone number. ${expected}` };
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: defaultRegion });
  if (parsed === undefined || !parsed.isValid()) {
    return { ok: false, error: `“${text}” is not a valid phone number. ${expected}` };
  }
  return { ok: true, e164: parsed.number };
}

/** `+14155551234` → `+1 415 555 1234`; falls back to the input when it cannot be parsed. */
export function formatPhone(e164: string): string {
  const known = formattedMemo.get(e164);
  if (known !== undefined) return known;
  return remember(formattedMemo, e164, parsePhoneNumberFromString(e164)?.formatInternational() ?? e164);
}

/** What a pasted list of numbers holds: the numbers read (each once, in order), and what was not one. */
export interface PastedNumbers {
  numbers: string[];
  unreadable: string[];
}

/**
 * Numbers pasted one a line, or separated by commas or semicolons (spaces may sit inside a number,
 * as in +1 415 555 1234). Anything else is not guessed at: it is returned as unreadable.
 */
export function parsePastedNumbers(
  text: string | null | undefined,
  defaultRegion: CountryCode,
): PastedNumbers {
  const numbers = new Set<string>();
  const unreadable: string[] = [];
  for (const piece of (text ?? '').split(/[\n\r,;]+/)) {
    if (piece.trim() === '') continue;
    const phone = parsePhone(piece, defaultRegion);
    if (phone.ok) numbers.add(phone.e164);
    else unreadable.push(piece.trim());
  }
  return { numbers: [...numbers], unreadable };
}
