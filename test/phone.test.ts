import fc from 'fast-check';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { formatPhone, parsePastedNumbers, parsePhone } from '../src/domain/phone.js';

describe('parsePhone', () => {
  it.each([
    '+1 415 555 1234',
    '(415) 555-1234',
    '415.555.1234',
    '4155551234',
    '+14155551234',
    '  +1-415-555-1234  ',
    '<tel:+14155551234|+1 415-555-1234>',
    '<tel:4155551234>',
  ])('reads %s as +14155551234', (input) => {
    expect(parsePhone(input, 'US')).toEqual({ ok: true, e164: '+14155551234' });
  });

  it('reads national numbers in the configured region', () => {
    expect(parsePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it.each(['', '   ', 'hello', '123', '+1 415 555', '555-1234-5678-9999', 'x'.repeat(500)])(
    'refuses %j showing the expected form',
    (input) => {
      const result = parsePhone(input, 'US');
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toContain('+1 415 555 1234');
    },
  );

  it('round-trips every region’s example mobile number through E.164', () => {
    const regions = getCountries().filter((region) => getExampleNumber(region, examples) !== undefined);
    fc.assert(
      fc.property(fc.constantFrom(...regions), fc.boolean(), (region, international) => {
        const example = getExampleNumber(region, examples);
        if (!example) return;
        const typed = international ? example.formatInternational() : example.formatNational();
        expect(parsePhone(typed, region)).toEqual({ ok: true, e164: example.number });
        expect(parsePhone(example.number, 'US')).toEqual({ ok: true, e164: example.number });
        expect(parsePhone(formatPhone(example.number), 'US')).toEqual({ ok: true, e164: example.number });
      }),
    );
  });

  it('never throws on arbitrary text and answers E.164 or an explanation', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (input) => {
        const result = parsePhone(input, 'US');
        if (result.ok) expect(result.e164).toMatch(/^\+[1-9]\d{6,14}$/);
        else expect(result.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws on strings shaped like phone numbers and tel links', () => {
    const phoneish = fc.string({
      unit: fc.constantFrom(...'+0123456789 ()-.<>|tel:x'.split('')),
      maxLength: 40,
    });
    fc.assert(
      fc.property(phoneish, (input) => {
        const result = parsePhone(input, 'US');
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('formatPhone', () => {
  it('formats E.164 for people', () => {
    expect(formatPhone('+14155551234')).toBe('+1 415 555 1234');
  });
  it('leaves what it cannot parse untouched', () => {
    expect(formatPhone('not a number')).toBe('not a number');
  });
});

describe('parsePastedNumbers', () => {
  const usNumber = fc
    .tuple(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 0, max: 9_999_999 }))
    .map(([area, rest]) => `+1${area}${String(rest).padStart(7, '0')}`)
    .filter((e164) => parsePhone(e164, 'US').ok);
  const separator = fc.constantFrom('\n', ', ', ';', '\r\n', ',\n\n');

  it('reads every number pasted, each once, in the order first given, whatever the separators', () => {
    fc.assert(
      fc.property(fc.array(usNumber, { minLength: 1, maxLength: 30 }), separator, (numbers, between) => {
        const text = numbers.map(formatPhone).join(between);
        expect(parsePastedNumbers(text, 'US')).toEqual({ numbers: [...new Set(numbers)], unreadable: [] });
      }),
    );
  });

  it('never throws on any text; what it reads is E.164 and what it does not is returned as given', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 500 }), { nil: null }), (text) => {
        const { numbers, unreadable } = parsePastedNumbers(text, 'US');
        for (const number of numbers) expect(number).toMatch(/^\+[1-9]\d{6,14}$/);
        for (const piece of unreadable) expect(text ?? '').toContain(piece);
      }),
    );
  });

  it('returns what is not a number as it was pasted, trimmed', () => {
    expect(parsePastedNumbers('  hello \n+1 415 555 1234\n\n 12 ', 'US')).toEqual({
      numbers: ['+14155551234'],
      unreadable: ['hello', '12'],
    });
  });
});
