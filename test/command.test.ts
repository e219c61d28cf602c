import fc from 'fast-check';
import { type CountryCode, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/slack/command.js';

const e164 = /^\+[1-9]\d{6,14}$/;

const aliasTable = [
  ['set', 'set'],
  ['edit', 'set'],
  ['update', 'set'],
  ['show', 'show'],
  ['status', 'show'],
  ['get', 'show'],
  ['delete', 'delete'],
  ['remove', 'delete'],
  ['history', 'history'],
  ['log', 'history'],
] as const;

// Example mobile numbers of regions with different lengths and shared calling codes (+1, +44, +7).
const exampleRegions: CountryCode[] = [
  'US',
  'CA',
  'GB',
  'JE',
  'DE',
  'FR',
  'JP',
  'IN',
  'BR',
  'AU',
  'RU',
  'KZ',
];
const validNumbers = exampleRegions.map((region) => {
  const example = getExampleNumber(region, examples);
  if (!example) throw new Error(`libphonenumber-js has no example for ${region}`);
  return example;
});

// Separators people (and Slack) put between words; all of them count as \s for the parser.
const blank = fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2003');

describe('parseCommand subcommands', () => {
  it.each(aliasTable)('maps %s to %s with and without a number', (word, kind) => {
    expect(parseCommand(word, 'US')).toEqual({ kind, number: undefined });
    expect(parseCommand(`${word} +14155551234`, 'US')).toEqual({ kind, number: '+14155551234' });
  });

  it.each(aliasTable)('ignores the case and padding of %s', (word, kind) => {
    const shouted = `  \t${word.toUpperCase()}   \n +1 415 555 1234  `;
    expect(parseCommand(shouted, 'US')).toEqual({ kind, number: '+14155551234' });
    const mixed = word.charAt(0).toUpperCase() + word.slice(1);
    expect(parseCommand(mixed, 'US')).toEqual({ kind, number: undefined });
  });

  it.each(['', '   ', '\t\n', 'help', 'HELP', ' Help ', 'help me please', 'help +14155551234'])(
    'answers help for %j',
    (text) => {
      expect(parseCommand(text, 'US')).toEqual({ kind: 'help' });
    },
  );

  it.each(['list', 'LS', ' List  +14155551234'])('answers list for %j', (text) => {
    expect(parseCommand(text, 'US')).toEqual({ kind: 'list' });
  });

  // The alias table is a plain object: inherited keys must not pass for subcommands.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses the object key %j as a subcommand',
    (word) => {
      expect(parseCommand(`${word} +14155551234`, 'US')).toEqual({
        kind: 'invalid',
        problem: expect.stringContaining(`“${word}”`),
      });
    },
  );
});

describe('parseCommand numbers', () => {
  it.each([
    '+14155551234',
    '+1 415 555 1234',
    '+1 (415) 555-1234',
    '(415) 555-1234',
    '415.555.1234',
    '415-555-1234',
    '4155551234',
    '1 415 555 1234',
    '<tel:+14155551234|+1 415-555-1234>',
    '<tel:+14155551234>',
    '<tel:4155551234|(415) 555-1234>',
  ])('reads %s as +14155551234', (typed) => {
    expect(parseCommand(`show ${typed}`, 'US')).toEqual({ kind: 'show', number: '+14155551234' });
  });

  it('reads national numbers in the configured region', () => {
    expect(parseCommand('set 020 7946 0958', 'GB')).toEqual({ kind: 'set', number: '+442079460958' });
    // The same digits under US rules are not a number, so the region really is what decides.
    expect(parseCommand('set 020 7946 0958', 'US').kind).toBe('invalid');
  });

  it.each(['hello', '123', '+1 415 555', '555-1234-5678-9999', '<tel:|>', '1'.repeat(100)])(
    'refuses %j and says which form is expected',
    (typed) => {
      const result = parseCommand(`delete ${typed}`, 'US');
      expect(result.kind).toBe('invalid');
      if (result.kind !== 'invalid') return;
      expect(result.problem).toContain('+1 415 555 1234');
      expect(result.problem).toMatch(/international form/);
      // The region's national form is offered too, naming the configured region.
      expect(result.problem).toContain('US');
    },
  );
});

describe('parseCommand unknown subcommands', () => {
  it.each(['frobnicate', 'löschen', 'sett', 'set-card', '+14155551234', '<tel:+14155551234|+1-415>'])(
    'names the unknown word %j',
    (word) => {
      const result = parseCommand(`${word} +14155551234`, 'US');
      expect(result.kind).toBe('invalid');
      expect(result.kind === 'invalid' && result.problem).toContain(`“${word}”`);
    },
  );

  it('quotes only the start of a long word', () => {
    const result = parseCommand(`${'x'.repeat(45)}${'y'.repeat(5000)}`, 'US');
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.problem).toContain(`“${'x'.repeat(40)}…”`);
    expect(result.problem).not.toContain('x'.repeat(41));
    expect(result.problem).not.toContain('y');
  });

  it('never cuts an emoji in half when quoting a long word', () => {
    const result = parseCommand(`a${'😀'.repeat(30)}`, 'US');
    expect(result.kind === 'invalid' && result.problem).not.toMatch(loneSurrogate);
  });
});

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('parseCommand properties', () => {
  // Whatever the result, a usage reply quoting it stays short: neither the word nor a long number is echoed whole.
  function assertWellFormed(result: ReturnType<typeof parseCommand>): void {
    if (result.kind === 'invalid') {
      expect(result.problem.length).toBeGreaterThan(0);
      expect(result.problem.length).toBeLessThan(300);
    } else if ('number' in result && result.number !== undefined) {
      expect(result.number).toMatch(e164);
    }
    expect(['help', 'list', 'set', 'show', 'delete', 'history', 'assign', 'unassign', 'invalid']).toContain(
      result.kind,
    );
  }

  it('never throws on arbitrary text, control characters included', () => {
    const text = (size: fc.SizeForArbitrary) =>
      fc.string({
        unit: fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u200b', '\u202e', '\ufeff', '\ud800'),
          fc.constantFrom(
            'set',
            'show',
            'assign',
            'constructor',
            ' ',
            '<tel:',
            '<@U1|a>',
            '|',
            '>',
            '+1',
            '415',
          ),
        ),
        maxLength: 10_000,
        size,
      });
    fc.assert(
      fc.property(text('small'), (input) => assertWellFormed(parseCommand(input, 'US'))),
      { numRuns: 1_000 },
    );
    // The default size keeps strings short; these runs reach the full 10,000 units (over 10k characters).
    fc.assert(
      fc.property(text('max'), (input) => assertWellFormed(parseCommand(input, 'US'))),
      { numRuns: 30, endOnFailure: true },
    );
  });

  it('reads any alias in any case and padding followed by a valid number', () => {
    const casing = (word: string) =>
      fc
        .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
        .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    const padding = (minLength: number) =>
      fc.array(blank, { minLength, maxLength: 4 }).map((s) => s.join(''));
    const command = fc.constantFrom(...aliasTable).chain(([word, kind]) =>
      fc.record({
        kind: fc.constant(kind),
        word: casing(word),
        example: fc.constantFrom(...validNumbers),
        international: fc.boolean(),
        lead: padding(0),
        gap: padding(1),
        tail: padding(0),
        region: fc.constantFrom<CountryCode>('US', 'GB', 'DE', 'JP'),
      }),
    );
    fc.assert(
      fc.property(command, ({ kind, word, example, international, lead, gap, tail, region }) => {
        const typed = international ? example.formatInternational() : example.number;
        const result = parseCommand(`${lead}${word}${gap}${typed}${tail}`, region);
        expect(result).toEqual({ kind, number: example.number });
      }),
      { numRuns: 1_000 },
    );
  });
});
