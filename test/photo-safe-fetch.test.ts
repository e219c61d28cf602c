// The vetting connector on its own, below the URL rules: every target is a loopback server of this test,
// and every resolver answer is a loopback or private address that must be refused before connecting.
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AddressPolicy, defaultAddressPolicy } from '../src/adapters/photo/address-policy.js';
import {
  createSafeFetcher,
  createVettingConnector,
  ForbiddenAddressError,
  formatSeconds,
  type Resolver,
  systemResolver,
} from '../src/adapters/photo/safe-fetch.js';
import {
  allowLoopbackPorts,
  canListen,
  pngBytes,
  serve,
  startServer,
  type TestServer,
  testResolver,
} from './fixtures/photo/helpers.js';

const ipv6Loopback = await canListen('::1');

let v4: TestServer;
let v6: TestServer | undefined;
const agents: Agent[] = [];

beforeAll(async () => {
  v4 = await startServer(serve(pngBytes(300, 300), { 'content-type': 'image/png' }));
  if (ipv6Loopback) v6 = await startServer(serve('hello'), '::1');
});

afterAll(async () => {
  await v4.close();
  await v6?.close();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  v4.connections = 0;
  v4.requests.length = 0;
});

function vettingAgent(policy: AddressPolicy = defaultAddressPolicy, resolve: Resolver = testResolver({})) {
  const agent = new Agent({ connect: createVettingConnector({ policy, resolve, connectTimeoutMs: 2000 }) });
  agents.push(agent);
  return agent;
}

async function refusedWith(url: string, agent: Agent): Promise<ForbiddenAddressError> {
  const error = await request(url, { dispatcher: agent }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ForbiddenAddressError);
  return error as ForbiddenAddressError;
}

describe('createVettingConnector with the default policy', () => {
  it('refuses an IPv4 literal (net.connect would skip any lookup) before connecting', async () => {
    const error = await refusedWith(`http://127.0.0.1:${v4.port}/`, vettingAgent());
    expect(error.detail).toBe('loopback address 127.0.0.1');
    expect(v4.connections).toBe(0);
  });

  it('refuses an IPv4-mapped IPv6 literal that would reach 127.0.0.1', async () => {
    const error = await refusedWith(`http://[::ffff:127.0.0.1]:${v4.port}/`, vettingAgent());
    expect(error.detail).toBe('loopback address 127.0.0.1 (inside ::ffff:7f00:1)');
    expect(v4.connections).toBe(0);
  });

  it.skipIf(!ipv6Loopback)('refuses the IPv6 literal [::1]', async () => {
    const error = await refusedWith(`http://[::1]:${v6?.port}/`, vettingAgent());
    expect(error.detail).toBe('loopback address ::1');
    expect(v6?.connections).toBe(0);
  });

  it('refuses localhost, resolved by the real system resolver (/etc/hosts)', async () => {
    const error = await refusedWith(
      `http://localhost:${v4.port}/`,
      vettingAgent(defaultAddressPolicy, systemResolver),
    );
    expect(error.detail).toMatch(/^loopback address (127\.0\.0\.1|::1)$/);
    expect(v4.connections).toBe(0);
  });

  it('refuses a name that resolves to a loopback address', async () => {
    const resolve = testResolver({ 'internal.test': ['127.0.0.1'] });
    const error = await refusedWith(
      `http://internal.test:${v4.port}/`,
      vettingAgent(defaultAddressPolicy, resolve),
    );
    expect(error).toMatchObject({ hostname: 'internal.test', address: '127.0.0.1' });
    expect(v4.connections).toBe(0);
  });

  it('refuses a name when ANY of its answers is refused, even if another would be allowed', async () => {
    const resolve = testResolver({ 'mixed.test': ['127.0.0.1', '10.0.0.1'] });
    const error = await refusedWith(
      `http://mixed.test:${v4.port}/`,
      vettingAgent(allowLoopbackPorts(v4.port), resolve),
    );
    expect(error.address).toBe('10.0.0.1');
    expect(v4.connections).toBe(0);
  });
});

describe('createVettingConnector with a test policy that opts this server in', () => {
  it('connects to the vetted address, resolving the name exactly once', async () => {
    const resolve = testResolver({ 'photos.test': ['127.0.0.1'] });
    const agent = vettingAgent(allowLoopbackPorts(v4.port), resolve);
    const response = await request(`http://photos.test:${v4.port}/p.png`, { dispatcher: agent });
    expect(response.statusCode).toBe(200);
    await response.body.arrayBuffer();
    expect(resolve.calls).toEqual(['photos.test']);
    expect(v4.requests[0]?.headers.host).toBe(`photos.test:${v4.port}`);
  });

  it('the opt-in is per port: another port on 127.0.0.1 stays refused', async () => {
    await refusedWith(`http://127.0.0.1:${v4.port}/`, vettingAgent(allowLoopbackPorts(v4.port + 1)));
    expect(v4.connections).toBe(0);
  });

  it('falls back to the next vetted answer when the first one does not connect', async () => {
    // Nothing listens on 127.0.0.3 at this port: the connection is refused, then 127.0.0.1 answers.
    const resolve = testResolver({ 'two.test': ['127.0.0.3', '127.0.0.1'] });
    const policy: AddressPolicy = (ip, family, target) =>
      (ip === '127.0.0.3' || ip === '127.0.0.1') && target?.port === v4.port
        ? { allowed: true }
        : defaultAddressPolicy(ip, family, target);
    const response = await request(`http://two.test:${v4.port}/`, {
      dispatcher: vettingAgent(policy, resolve),
    });
    expect(response.statusCode).toBe(200);
    await response.body.arrayBuffer();
  });

  it('refuses resolver answers that are not IP literals (net.connect would resolve them again)', async () => {
    const resolve: Resolver = async () => [{ address: '127.1', family: 4 }];
    const error = await refusedWith(
      `http://odd.test:${v4.port}/`,
      vettingAgent(() => ({ allowed: true }), resolve),
    );
    expect(error.detail).toBe('an answer that is not an IP address');
    expect(v4.connections).toBe(0);
  });

  it('passes resolver failures through (no real DNS is ever asked)', async () => {
    const error = await request('http://nowhere.test/', { dispatcher: vettingAgent() }).catch(
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('createSafeFetcher', () => {
  it('sends Range and reads at most maxBytes from a server that ignores it', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x41);
    const server = await startServer(serve(big));
    const fetcher = createSafeFetcher({
      policy: allowLoopbackPorts(server.port),
      allowHttp: true,
      maxBytes: 1000,
    });
    try {
      const result = await fetcher.fetchPrefix(`${server.origin()}/big`);
      expect(result).toMatchObject({ ok: true, status: 200, ended: false });
      expect(result.ok && result.body.length).toBe(1000);
      expect(server.requests[0]?.headers.range).toBe('bytes=0-999');
    } finally {
      await fetcher.close();
      await server.close();
    }
  });

  it('formats budgets in seconds', () => {
    expect([formatSeconds(3000), formatSeconds(300), formatSeconds(1500), formatSeconds(250)]).toEqual([
      '3 s',
      '0.3 s',
      '1.5 s',
      '0.3 s',
    ]);
  });
});
