import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_NUMBER, type FakeSendblue, faults, startFakeSendblue } from './fakes/fake-sendblue.js';

const A = '+14155551234';
const B = '+14155559876';

let fake: FakeSendblue;

beforeEach(async () => {
  fake = await startFakeSendblue();
});
afterEach(() => fake.close());

function get(number: string, headers = { 'sb-api-key-id': fake.keyId, 'sb-api-secret-key': fake.secret }) {
  return fetch(`${fake.url}/api/v2/contact-sharing/state?fromNumber=${encodeURIComponent(number)}`, {
    headers,
  });
}

describe('fake Sendblue', () => {
  it('records every request, including rejected ones', async () => {
    expect((await get(A, { 'sb-api-key-id': 'x', 'sb-api-secret-key': 'y' })).status).toBe(401);
    expect((await get(A)).status).toBe(200);
    expect(fake.requests.map((r) => [r.method, r.fromNumber, r.query.fromNumber])).toEqual([
      ['GET', A, A],
      ['GET', A, A],
    ]);
    expect(fake.requestsFor(B)).toEqual([]);
  });

  it('hold() keeps replies until release(), in arrival order, and tracks overlap per number', async () => {
    fake.hold(A);
    const order: string[] = [];
    const first = get(A).then(() => order.push('first'));
    await fake.waitForRequests(1);
    const second = get(A).then(() => order.push('second'));
    await fake.waitForRequests(2);
    expect((await get(B)).status).toBe(200);
    expect(fake.held()).toBe(2);
    expect(fake.inFlight(A)).toBe(2);
    fake.release(A);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(fake.maxInFlight(A)).toBe(2);
    expect(fake.maxInFlight(B)).toBe(1);
    expect(fake.inFlight(A)).toBe(0);
  });

  it('failTimes fails n times with Retry-After, then answers normally', async () => {
    fake.inject(A, faults.failTimes(2, 429, 7));
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(A);
      statuses.push([res.status, res.headers.get('retry-after')]);
    }
    expect(statuses).toEqual([
      [429, '7'],
      [429, '7'],
      [200, null],
    ]);
  });

  it('applies faults per number, with ANY_NUMBER for all, until reset()', async () => {
    fake.inject(A, faults.error(500, 'Failed to download photo from photoUrl'));
    expect(await (await get(A)).json()).toEqual({
      status: 'ERROR',
      message: 'Failed to download photo from photoUrl',
    });
    expect((await get(B)).status).toBe(200);
    fake.inject(ANY_NUMBER, faults.reset());
    await expect(get(B)).rejects.toThrow();
    fake.reset();
    expect((await get(A)).status).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });

  it('adds latency', async () => {
    fake.inject(A, faults.latency(60));
    const started = Date.now();
    await get(A);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('close() does not wait for hung requests', async () => {
    fake.inject(A, faults.hang());
    const hung = get(A).catch((e: unknown) => e);
    await fake.waitForRequests(1);
    await fake.close();
    expect(await hung).toBeInstanceOf(Error);
  });
});
