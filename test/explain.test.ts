import { describe, expect, it } from 'vitest';
import {
  apiErrorFor,
  SendblueAbortError,
  SendblueConnectionError,
  SendblueProtocolError,
  SendblueTimeoutError,
  SendblueValidationError,
} from '../src/adapters/sendblue/errors.js';
import { explainFailure } from '../src/slack/views/explain.js';

const number = '+14155551234';

// What each status means per the error table of Sendblue's Contact Sharing reference.
const referenceTable = [
  [400, /missing or invalid parameters/i],
  [401, /credentials/i],
  [403, /does not own this phone number/i],
  [404, /no active number/i],
  [500, /failed on the phone/i],
  [503, /temporarily unavailable/i],
] as const;

describe('explainFailure for Sendblue API errors', () => {
  it.each(referenceTable)('explains %i with the meaning from the reference', (status, meaning) => {
    const error = apiErrorFor(status, 'Sendblue says no', number);
    const explanation = explainFailure(error);
    expect(explanation.headline).toBe(`Sendblue answered ${status}`);
    expect(explanation.sendblueMessage).toBe('Sendblue says no');
    expect(explanation.meaning).toMatch(meaning);
    // Errors carry data only: the words are the explanation's, not the error's.
    expect(error).not.toHaveProperty('advice');
    expect(explanation.advice.length).toBeGreaterThan(20);
  });

  it('gives each status of the table its own meaning and advice', () => {
    const explanations = referenceTable.map(([status]) =>
      explainFailure(apiErrorFor(status, undefined, number)),
    );
    expect(new Set(explanations.map((e) => e.meaning)).size).toBe(referenceTable.length);
    expect(new Set(explanations.map((e) => e.advice)).size).toBe(referenceTable.length);
  });

  it('points a device failure of a set at the photo link, the usual cause', () => {
    expect(explainFailure(apiErrorFor(500, undefined, number)).advice).toMatch(/https/);
    expect(explainFailure(apiErrorFor(500, undefined, number, undefined, 'POST')).advice).toMatch(/https/);
  });

  it('never blames a photo for a device failure of a read or a delete', () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const { advice, meaning } = explainFailure(apiErrorFor(500, undefined, number, undefined, method));
      expect(advice).not.toMatch(/photo/i);
      expect(meaning).toMatch(/failed on the phone/i);
    }
  });

  it('explains rate limiting', () => {
    const explanation = explainFailure(apiErrorFor(429, 'Too many requests', number, 5_000));
    expect(explanation.meaning).toMatch(/limiting/);
    expect(explanation.advice).toMatch(/wait/i);
  });

  it('still gives a headline and advice for a status outside the table', () => {
    const error = apiErrorFor(502, 'Bad gateway', number);
    const explanation = explainFailure(error);
    expect(explanation).toEqual({
      headline: 'Sendblue answered 502',
      sendblueMessage: 'Bad gateway',
      meaning: undefined,
      advice: expect.any(String),
    });
    expect(explanation.advice).toMatch(/try again/i);
  });

  it('has no Sendblue message when the body had none', () => {
    expect(explainFailure(apiErrorFor(404, undefined, number)).sendblueMessage).toBeUndefined();
  });

  it('quotes at most 500 characters of what Sendblue said', () => {
    const said = explainFailure(apiErrorFor(400, `${'x'.repeat(499)}${'y'.repeat(5000)}`, number));
    expect(said.sendblueMessage).toBe(`${'x'.repeat(499)}…`);
  });

  it('never cuts an emoji in half when shortening what Sendblue said', () => {
    const said = explainFailure(apiErrorFor(400, `a${'😀'.repeat(600)}`, number)).sendblueMessage ?? '';
    expect(said).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('explainFailure for other Sendblue errors', () => {
  it.each([
    ['a connection error', new SendblueConnectionError('ECONNRESET', number), /ECONNRESET/, /network/],
    ['a per-attempt timeout', new SendblueTimeoutError('attempt', 10_000, number), /10000 ms/, /may still/],
    ['a deadline', new SendblueTimeoutError('deadline', 30_000, number), /30000 ms.*retries/, /current card/],
    ['an unreadable answer', new SendblueProtocolError('an HTML page', 200, number), /HTML page/, /format/],
    ['a cancelled request', new SendblueAbortError(number), /cancelled/, /cancelled/],
    [
      'a local validation error',
      new SendblueValidationError(['Photo URL must start with https://'], number),
      /Photo URL must start with https/,
      /Photo URL must start with https:\/\/\./,
    ],
  ])('explains %s by its message and advice, with nothing from Sendblue', (_, error, headline, advice) => {
    const explanation = explainFailure(error);
    expect(explanation.headline).toMatch(headline);
    expect(explanation.headline).toContain(number);
    expect(explanation.advice).toMatch(advice);
    expect(error).not.toHaveProperty('advice');
    expect(explanation.sendblueMessage).toBeUndefined();
    expect(explanation.meaning).toBeUndefined();
  });

  it('shortens a long error message to 500 characters', () => {
    const error = new SendblueProtocolError(`a body of ${'z'.repeat(5000)}`, 200, number);
    expect(explainFailure(error).headline.length).toBe(500);
  });
});

describe('explainFailure for anything else', () => {
  const secret = 'password=hunter2 at db.internal:5432';
  const generic = {
    headline: expect.stringMatching(/went wrong/),
    sendblueMessage: undefined,
    meaning: undefined,
    advice: expect.stringMatching(/log/),
  };

  it.each([
    ['an Error', new Error(secret)],
    ['a TypeError', new TypeError(`Cannot read properties of undefined (${secret})`)],
    ['an Error with a cause', new Error('wrapper', { cause: new Error(secret) })],
    ['a thrown string', secret],
    ['an object shaped like an API error', { status: 400, sendblueMessage: secret, advice: secret }],
    ['undefined', undefined],
    ['null', null],
  ])('gives a generic explanation for %s without leaking its text or stack', (_, error) => {
    const explanation = explainFailure(error);
    expect(explanation).toEqual(generic);
    const told = JSON.stringify(explanation);
    expect(told).not.toContain('hunter2');
    expect(told).not.toContain('db.internal');
    expect(told).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    const frame = error instanceof Error ? error.stack?.split('\n')[1]?.trim() : undefined;
    if (frame) expect(told).not.toContain(frame);
  });
});
