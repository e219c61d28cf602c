import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type RunningSimulator,
  SANDBOX_CREDENTIALS,
  SANDBOX_RULES,
  startSendblueSimulator,
} from '../src/adapters/sendblue/simulator.js';

const NUMBER = '+14155551234';
const auth = { 'sb-api-key-id': 'sandbox', 'sb-api-secret-key': 'sandbox' };

let sim: RunningSimulator;

beforeEach(async () => {
  sim = await startSendblueSimulator({ latencyMs: { get: 0, post: 0, delete: 0 } });
});
afterEach(() => sim.close());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const state = (number: string) =>
  call('GET', `/api/v2/contact-sharing/state?fromNumber=${encodeURIComponent(number)}`);
const card = {
  fromNumber: NUMBER,
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/j.jpg',
};

describe('sandbox simulator', () => {
  it('listens on 127.0.0.1 only, with the fixed sandbox credentials', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.credentials).toEqual(SANDBOX_CREDENTIALS);
  });

  it('answers the three endpoints as documented', async () => {
    expect(await state(NUMBER)).toEqual({
      status: 200,
      body: { status: 'OK', data: { hasProfile: false, firstName: null, lastName: null, displayName: null } },
    });
    expect(
      await call('POST', '/api/v2/contact-sharing/profile', { ...card, displayName: 'Jane at Acme' }),
    ).toEqual({
      status: 200,
      body: {
        status: 'OK',
        data: { hasProfile: true, firstName: 'Jane', lastName: 'Smith', displayName: 'Jane at Acme' },
      },
    });
    expect((await state(NUMBER)).body.data).toEqual({
      hasProfile: true,
      firstName: 'Jane',
      lastName: 'Smith',
      displayName: 'Jane at Acme',
    });
    expect(sim.profiles.get(NUMBER)?.photoUrl).toBe(card.photoUrl);
    expect(await call('DELETE', '/api/v2/contact-sharing/profile', { fromNumber: NUMBER })).toEqual({
      status: 200,
      body: { status: 'OK', data: { hasProfile: false } },
    });
    expect((await state(NUMBER)).body.data).toMatchObject({ hasProfile: false });
  });

  it('a POST fully replaces the previous card', async () => {
    await call('POST', '/api/v2/contact-sharing/profile', { ...card, displayName: 'Old' });
    const { body } = await call('POST', '/api/v2/contact-sharing/profile', { ...card, firstName: 'Janet' });
    expect(body.data).toEqual({ hasProfile: true, firstName: 'Janet', lastName: 'Smith', displayName: null });
  });

  it('answers 401 when either credential header is missing or wrong', async () => {
    const path = `/api/v2/contact-sharing/state?fromNumber=${encodeURIComponent(NUMBER)}`;
    const attempts: Record<string, string>[] = [
      {},
      { 'sb-api-key-id': 'sandbox' },
      { ...auth, 'sb-api-secret-key': 'x' },
    ];
    for (const headers of attempts) {
      expect(await call('GET', path, undefined, headers)).toEqual({
        status: 401,
        body: { status: 'ERROR', message: 'Invalid or missing API credentials' },
      });
    }
  });

  it('answers 400 naming the missing or invalid parameter', async () => {
    expect(await call('GET', '/api/v2/contact-sharing/state')).toEqual({
      status: 400,
      body: { status: 'ERROR', message: 'Missing required parameter: fromNumber' },
    });
    expect((await state('4155551234')).body.message).toMatch(/fromNumber must be .*E\.164/);
    const { lastName: _, ...noLastName } = card;
    expect((await call('POST', '/api/v2/contact-sharing/profile', noLastName)).body).toEqual({
      status: 'ERROR',
      message: 'Missing required parameter: lastName',
    });
    expect(
      (await call('POST', '/api/v2/contact-sharing/profile', { ...card, photoUrl: 'nope' })).body.message,
    ).toBe('photoUrl must be a valid URL');
    expect((await call('DELETE', '/api/v2/contact-sharing/profile', {})).status).toBe(400);
  });

  it.each([
    ['+14155550400', 400, 'fromNumber is not a valid Sendblue number'],
    ['+14155550403', 403, 'Your account does not own this phone number'],
    ['+14155550404', 404, 'No active Sendblue number found for the given fromNumber'],
    ['+14155550500', 500, 'Failed to apply contact card on device'],
    ['+14155550503', 503, "The phone number's device is temporarily unavailable"],
  ])('a number ending %s answers %i on every endpoint', async (number, status, message) => {
    const expected = { status, body: { status: 'ERROR', message } };
    expect(await state(number)).toEqual(expected);
    expect(await call('POST', '/api/v2/contact-sharing/profile', { ...card, fromNumber: number })).toEqual(
      expected,
    );
    expect(await call('DELETE', '/api/v2/contact-sharing/profile', { fromNumber: number })).toEqual(expected);
  });

  it('answers 500 when the photo URL is unreachable, keeping the old card', async () => {
    const photoUrl = 'https://unreachable.example/photo.jpg';
    expect(await call('POST', '/api/v2/contact-sharing/profile', { ...card, photoUrl })).toEqual({
      status: 500,
      body: { status: 'ERROR', message: 'Failed to download photo from photoUrl' },
    });
    expect(sim.profiles.has(NUMBER)).toBe(false);
  });

  it('describes every rule for the help text', () => {
    expect(SANDBOX_RULES.join('\n')).toMatch(/0400.*\n.*0403.*\n.*0404.*\n.*0500.*\n.*0503.*\n.*unreachable/);
  });

  it('adds jittered latency per method', async () => {
    const slow = await startSendblueSimulator({ latencyMs: { get: 80 }, random: () => 0 });
    try {
      const started = Date.now();
      await fetch(`${slow.url}/api/v2/contact-sharing/state?fromNumber=%2B14155551234`, { headers: auth });
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });
});
