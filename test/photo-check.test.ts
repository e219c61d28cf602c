// The whole photo check against local node:http(s) servers. NETWORK: LOOPBACK ONLY. Every host name is
// mapped by an injected resolver (never real DNS, except `localhost`, which the URL rules refuse first),
// and the servers of this file are opted in by port through an injected policy.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AddressPolicy, defaultAddressPolicy } from '../src/adapters/photo/address-policy.js';
import {
  createPhotoChecker,
  type PhotoChecker,
  type PhotoCheckerOptions,
} from '../src/adapters/photo/check.js';
import { silentLog } from '../src/runtime/logger.js';
import {
  allowLoopbackPorts,
  app1,
  canListen,
  fixture,
  type Handler,
  jpegHeader,
  pngBytes,
  pngHeader,
  serve,
  startServer,
  startTlsServer,
  type TestServer,
  testResolver,
  tlsCert,
} from './fixtures/photo/helpers.js';

const ipv6Loopback = await canListen('::1');

const servers: TestServer[] = [];
const checkers: PhotoChecker[] = [];

afterEach(async () => {
  await Promise.all(checkers.splice(0).map((checker) => checker.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(handler: Handler, host?: string): Promise<TestServer> {
  const started = await startServer(handler, host);
  servers.push(started);
  return started;
}

function checker(options: Partial<PhotoCheckerOptions> = {}): PhotoChecker {
  const created = createPhotoChecker({
    log: silentLog,
    allowHttp: true,
    resolve: testResolver({}),
    ...options,
  });
  checkers.push(created);
  return created;
}

/** A checker that may reach exactly these test servers (by port), over plain http. */
function checkerFor(allowed: TestServer[], options: Partial<PhotoCheckerOptions> = {}): PhotoChecker {
  return checker({ policy: allowLoopbackPorts(...allowed.map((s) => s.port)), ...options });
}

const png = (width: number, height: number) =>
  serve(pngBytes(width, height), { 'content-type': 'image/png' });

describe('SSRF: loopback targets are refused with the DEFAULT policy, and nothing reaches the server', () => {
  let target: TestServer;
  let target6: TestServer | undefined;
  beforeAll(async () => {
    target = await startServer(png(400, 400));
    if (ipv6Loopback) target6 = await startServer(png(400, 400), '::1');
  });
  afterAll(async () => {
    await target.close();
    await target6?.close();
  });

  const resolve = testResolver({ 'internal.test': ['127.0.0.1'], 'sneaky.test': ['::ffff:127.0.0.1'] });
  const urls: Array<[string, () => string]> = [
    ['127.0.0.1', () => `http://127.0.0.1:${target.port}/p.png`],
    ['localhost', () => `http://localhost:${target.port}/p.png`],
    ['a name the resolver maps to 127.0.0.1', () => `http://internal.test:${target.port}/p.png`],
    ['a name the resolver maps to ::ffff:127.0.0.1', () => `http://sneaky.test:${target.port}/p.png`],
    ['2130706433 (decimal 127.0.0.1)', () => `http://2130706433:${target.port}/p.png`],
    ['0x7f.1', () => `http://0x7f.1:${target.port}/p.png`],
    ['[::ffff:7f00:1]', () => `http://[::ffff:7f00:1]:${target.port}/p.png`],
  ];

  it.each(urls)('%s', async (_name, url) => {
    const verdict = await checker({ resolve }).check(url());
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden-address' });
    expect(!verdict.ok && verdict.reason).toMatch(/points to a private or internal address/);
    expect(target.connections).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it.skipIf(!ipv6Loopback)('[::1]', async () => {
    const verdict = await checker().check(`http://[::1]:${target6?.port}/p.png`);
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden-address' });
    expect(!verdict.ok && verdict.reason).toMatch(/loopback address ::1/);
    expect(target6?.connections).toBe(0);
  });

  it('the same URL passes once the test opts its own server in by port (control)', async () => {
    const verdict = await checkerFor([target], { resolve }).check(
      `http://internal.test:${target.port}/p.png`,
    );
    expect(verdict).toMatchObject({ ok: true, format: 'png', width: 400, height: 400 });
    expect(target.requests).toHaveLength(1);
    target.requests.length = 0;
    target.connections = 0;
  });
});

describe('redirects', () => {
  it('a redirect from an allowed server to a forbidden one is refused at the redirect', async () => {
    const forbidden = await server(png(400, 400));
    const allowed = await server((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${forbidden.port}/p.png` }).end();
    });
    const verdict = await checkerFor([allowed]).check(`${allowed.origin()}/start`);
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden-address' });
    expect(!verdict.ok && verdict.reason).toMatch(
      /^This link redirects to a private or internal address \(loopback address 127\.0\.0\.1\)/,
    );
    expect(allowed.requests).toHaveLength(1);
    expect(forbidden.connections).toBe(0);
  });

  it('a redirect to a NAME that resolves to a forbidden address is refused by the connector', async () => {
    const forbidden = await server(png(400, 400));
    const allowed = await server((_req, res) => {
      res.writeHead(307, { location: `http://internal.test:${forbidden.port}/p.png` }).end();
    });
    const resolve = testResolver({ 'internal.test': ['127.0.0.1'] });
    const verdict = await checkerFor([allowed], { resolve }).check(`${allowed.origin()}/start`);
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden-address' });
    expect(!verdict.ok && verdict.reason).toMatch(/redirects to a private or internal address/);
    expect(resolve.calls).toEqual(['internal.test']);
    expect(forbidden.connections).toBe(0);
  });

  it('follows up to 3 redirects, relative or absolute', async () => {
    const origin = await server((req, res) => {
      const hops: Record<string, string> = {
        '/a': '/b',
        '/b': 'c',
        '/c': `http://127.0.0.1:${port}/final.png`,
      };
      const next = hops[req.url ?? ''];
      if (next) res.writeHead(301, { location: next }).end();
      else png(256, 256)(req, res);
    });
    const port = origin.port;
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/a`);
    expect(verdict).toMatchObject({ ok: true, format: 'png', width: 256, height: 256 });
    expect(origin.requests.map((req) => req.url)).toEqual(['/a', '/b', '/c', '/final.png']);
  });

  it('refuses a fourth redirect without following it', async () => {
    const loop = await server((req, res) => {
      const n = Number(req.url?.slice(1) ?? 0);
      res.writeHead(302, { location: `/${n + 1}` }).end();
    });
    const verdict = await checkerFor([loop]).check(`${loop.origin()}/0`);
    expect(verdict).toEqual({
      ok: false,
      code: 'too-many-redirects',
      reason: "This link redirects more than 3 times; use the image's final, direct link.",
    });
    expect(loop.requests.map((req) => req.url)).toEqual(['/0', '/1', '/2', '/3']);
  });

  it('refuses a redirect with no Location', async () => {
    const origin = await server((_req, res) => res.writeHead(302).end());
    expect(await checkerFor([origin]).check(`${origin.origin()}/x`)).toMatchObject({
      ok: false,
      code: 'bad-redirect',
    });
  });

  it('refuses a redirect to a Slack file link by the URL rules', async () => {
    const origin = await server((_req, res) => {
      res.writeHead(302, { location: 'https://files.slack.com/files-pri/T1-F1/p.png' }).end();
    });
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/x`);
    expect(verdict).toMatchObject({ ok: false, code: 'rules' });
    expect(!verdict.ok && verdict.reason).toMatch(/redirects to files\.slack\.com.*Slack login/);
  });
});

describe('https (self-signed fixture certificate for photos.test, connected through the vetted 127.0.0.1)', () => {
  let tls: TestServer;
  beforeAll(async () => {
    tls = await startTlsServer((req, res) => {
      if (req.url === '/to-http') {
        res.writeHead(302, { location: `http://photos.test:${tls.port + 1}/p.png` }).end();
      } else png(512, 512)(req, res);
    });
  });
  afterAll(() => tls.close());

  const resolve = testResolver({ 'photos.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
  const tlsChecker = () =>
    checker({ allowHttp: false, resolve, ca: tlsCert, policy: allowLoopbackPorts(tls.port, tls.port + 1) });

  it('passes, with SNI and the certificate checked against the host name', async () => {
    const verdict = await tlsChecker().check(`https://photos.test:${tls.port}/p.png`);
    expect(verdict).toMatchObject({ ok: true, format: 'png', width: 512, height: 512 });
  });

  it('refuses a certificate that does not match the host name', async () => {
    const verdict = await tlsChecker().check(`https://other.test:${tls.port}/p.png`);
    expect(verdict).toMatchObject({ ok: false, code: 'network' });
    expect(!verdict.ok && verdict.reason).toMatch(/security certificate of other\.test is not valid/);
  });

  it('refuses a redirect from https down to http', async () => {
    const verdict = await tlsChecker().check(`https://photos.test:${tls.port}/to-http`);
    expect(verdict).toMatchObject({ ok: false, code: 'rules' });
    expect(!verdict.ok && verdict.reason).toMatch(/redirects to a plain http:\/\/ link/);
  });
});

describe('images that pass', () => {
  it.each([
    ['real-320x240.jpg', 'image/jpeg', 'jpeg', 320, 240],
    ['real-progressive-300x200.jpg', 'image/jpeg', 'jpeg', 300, 200],
    ['real-64x48.png', 'image/png', 'png', 64, 48],
  ])('%s', async (name, type, format, width, height) => {
    const origin = await server(serve(fixture(name), { 'content-type': type }));
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/${name}`);
    expect(verdict).toMatchObject({ ok: true, networkChecked: true, format, width, height });
  });

  it('a square 400×400 JPEG passes with no warning, and the Range header was sent', async () => {
    const origin = await server(serve(jpegHeader(400, 400), { 'content-type': 'image/jpeg' }));
    const url = `${origin.origin()}/me.jpg`;
    const verdict = await checkerFor([origin]).check(url);
    expect(verdict).toEqual({
      ok: true,
      url,
      networkChecked: true,
      format: 'jpeg',
      width: 400,
      height: 400,
      declaredBytes: jpegHeader(400, 400).length,
      warnings: [],
    });
    expect(origin.requests[0]?.headers.range).toBe('bytes=0-65535');
  });

  it('believes the magic bytes when Content-Type lies (image/png serving a JPEG)', async () => {
    const origin = await server(serve(jpegHeader(500, 500), { 'content-type': 'image/png' }));
    expect(await checkerFor([origin]).check(`${origin.origin()}/p.png`)).toMatchObject({
      ok: true,
      format: 'jpeg',
    });
  });

  it('passes with no Content-Type at all', async () => {
    const origin = await server(serve(pngHeader(300, 300)));
    expect(await checkerFor([origin]).check(`${origin.origin()}/p`)).toMatchObject({
      ok: true,
      format: 'png',
    });
  });

  it('warns about a very small image', async () => {
    const origin = await server(png(100, 120));
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/small.png`);
    expect(verdict).toMatchObject({
      ok: true,
      warnings: ['The image is only 100×120 pixels; it may look blurry on the contact card.'],
    });
  });

  it('warns about a far-from-square image', async () => {
    const origin = await server(serve(jpegHeader(1000, 300)));
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/wide.jpg`);
    expect(verdict).toMatchObject({
      ok: true,
      warnings: ['The image is 1000×300 pixels, far from square; much of it will be cropped away.'],
    });
  });

  it('warns about a huge declared Content-Length, without downloading it', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const origin = await server((_req, res) => {
      closed = once(res, 'close');
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '25000000' });
      res.write(pngHeader(800, 800)); // and never the rest
    });
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/huge.png`);
    expect(verdict).toMatchObject({
      ok: true,
      format: 'png',
      declaredBytes: 25_000_000,
      warnings: ['The image is 25.0 MB; Sendblue may fail to download it. Use one under 10 MB.'],
    });
    await closed; // the checker hung up once it had the header
  });

  it('reads the declared size from Content-Range when the server honours Range (206)', async () => {
    const origin = await server((req, res) => {
      const body = pngHeader(600, 600);
      expect(req.headers.range).toBe('bytes=0-65535');
      res.writeHead(206, {
        'content-type': 'image/png',
        'content-range': `bytes 0-${body.length - 1}/12345678`,
        'content-length': String(body.length),
      });
      res.end(body);
    });
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/ranged.png`);
    expect(verdict).toMatchObject({
      ok: true,
      declaredBytes: 12_345_678,
      warnings: [expect.stringMatching(/12\.3 MB/)],
    });
  });
});

describe('content that is refused', () => {
  async function verdictFor(handler: Handler, options: Partial<PhotoCheckerOptions> = {}) {
    const origin = await server(handler);
    return checkerFor([origin], options).check(`${origin.origin()}/photo`);
  }

  it('an HTML page', async () => {
    const html =
      '<!doctype html><html><head><title>Photo</title></head><body><img src="/p.jpg"></body></html>';
    expect(await verdictFor(serve(html, { 'content-type': 'text/html; charset=utf-8' }))).toEqual({
      ok: false,
      code: 'not-image',
      reason: "This link opens a web page, not an image; use the image's direct link.",
    });
  });

  it('an HTML page served as image/png', async () => {
    const verdict = await verdictFor(
      serve('\n<html><body>Sign in</body></html>', { 'content-type': 'image/png' }),
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: 'not-image',
      reason: expect.stringMatching(/opens a web page/),
    });
  });

  it('a 404', async () => {
    expect(await verdictFor(serve('nope', {}, 404))).toEqual({
      ok: false,
      code: 'http-status',
      reason: 'The server answered 404 (Not Found). Check that the link is right and the image still exists.',
    });
  });

  it('a 403 and a 500', async () => {
    expect(await verdictFor(serve('no', {}, 403))).toMatchObject({
      reason: 'The server answered 403 (Forbidden). The image may need a login or may not be public.',
    });
    expect(await verdictFor(serve('oops', {}, 500))).toMatchObject({
      reason: 'The server answered 500 (Internal Server Error).',
    });
  });

  it('a truncated PNG and a truncated JPEG', async () => {
    expect(await verdictFor(serve(pngHeader(300, 300).subarray(0, 20)))).toMatchObject({
      ok: false,
      code: 'truncated',
      reason: 'The PNG file is cut short: its header is incomplete.',
    });
    expect(await verdictFor(serve(jpegHeader(300, 300).subarray(0, 25)))).toMatchObject({
      ok: false,
      code: 'truncated',
      reason: 'The JPEG file is cut short: its header is incomplete.',
    });
  });

  it('a damaged JPEG (end of image before any frame header)', async () => {
    expect(await verdictFor(serve(Buffer.from([0xff, 0xd8, 0xff, 0xd9])))).toMatchObject({
      code: 'truncated',
    });
  });

  it('a server that breaks off mid-file', async () => {
    const verdict = await verdictFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
      res.write(pngHeader(300, 300).subarray(0, 16), () => res.socket?.destroy());
    });
    expect(verdict).toMatchObject({ ok: false, code: 'truncated' });
  });

  it('a GIF, named as such', async () => {
    expect(await verdictFor(serve(fixture('real-40x30.gif'), { 'content-type': 'image/gif' }))).toEqual({
      ok: false,
      code: 'unsupported-format',
      reason: 'This is a GIF file; Sendblue needs a JPEG or PNG image.',
      // The app can turn it into a JPEG when it hosts photos.
      convertible: true,
    });
  });

  it('JSON, naming what the server sent', async () => {
    expect(await verdictFor(serve('{"error":"x"}', { 'content-type': 'application/json' }))).toEqual({
      ok: false,
      code: 'not-image',
      reason: 'The link does not lead to a JPEG or PNG image (the server sent application/json).',
    });
  });

  it('an empty file', async () => {
    expect(await verdictFor(serve(''))).toMatchObject({ ok: false, code: 'empty' });
  });

  it('a server that never finishes its headers: refused as a timeout within the budget', async () => {
    const verdict = await verdictFor(() => {}, { budgetMs: 300 });
    expect(verdict).toEqual({
      ok: false,
      code: 'timeout',
      reason: 'The server did not answer within 0.3 s.',
    });
  });

  it('a server that sends headers, then trickles the body: refused as a timeout', async () => {
    const verdict = await verdictFor(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(Buffer.from([0x89, 0x50]));
      },
      { budgetMs: 300 },
    );
    expect(verdict).toMatchObject({ ok: false, code: 'timeout' });
  });
});

describe('a server that ignores Range and streams megabytes', () => {
  const total = 32 * 1024 * 1024;

  function streamer(first: Buffer, filler: Buffer) {
    const state = { written: 0, finished: false, closed: Promise.resolve() as Promise<unknown> };
    const handler: Handler = (_req, res: ServerResponse) => {
      state.closed = once(res, 'close');
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(first);
      state.written = first.length;
      const pump = () => {
        while (state.written < total && !res.destroyed) {
          state.written += filler.length;
          if (!res.write(filler)) return void res.once('drain', pump);
        }
        if (!res.destroyed) {
          state.finished = true;
          res.end();
        }
      };
      pump();
    };
    return { state, handler };
  }

  it('stops at the 64 KiB cap when the header is not found in it (JPEG with huge metadata)', async () => {
    const { state, handler } = streamer(Buffer.from([0xff, 0xd8]), app1(65533));
    const verdict = await (async () => {
      const origin = await server(handler);
      return checkerFor([origin]).check(`${origin.origin()}/big.jpg`);
    })();
    expect(verdict).toMatchObject({
      ok: true,
      format: 'jpeg',
      warnings: ["Could not read the image's size from its first 64 KiB; it is probably fine."],
    });
    await state.closed;
    expect(state.finished).toBe(false);
    expect(state.written).toBeLessThan(total);
  });

  it('stops as soon as the header is read', async () => {
    const { state, handler } = streamer(jpegHeader(300, 300, { tail: false }), Buffer.alloc(16 * 1024, 0x55));
    const origin = await server(handler);
    const verdict = await checkerFor([origin]).check(`${origin.origin()}/big.jpg`);
    expect(verdict).toMatchObject({ ok: true, format: 'jpeg', width: 300, height: 300 });
    await state.closed;
    expect(state.finished).toBe(false);
    expect(state.written).toBeLessThan(total);
  });
});

describe('caching and de-duplication', () => {
  it('a second check of the same URL does not reach the server', async () => {
    const origin = await server(png(300, 300));
    const photos = checkerFor([origin]);
    const url = `${origin.origin()}/me.png`;
    const first = await photos.check(url);
    const second = await photos.check(url);
    expect(second).toBe(first);
    expect(photos.cached(url)).toBe(first);
    expect(origin.requests).toHaveLength(1);
  });

  it('concurrent checks of one URL share one request', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const origin = await server(async (req, res) => {
      await gate;
      png(300, 300)(req, res);
    });
    const photos = checkerFor([origin]);
    const url = `${origin.origin()}/me.png`;
    const checks = [photos.check(url), photos.check(url), photos.check(`  ${url}  `)];
    expect(photos.inflight(url)).toBeDefined();
    expect(photos.cached(url)).toBeUndefined();
    release();
    const verdicts = await Promise.all(checks);
    expect(new Set(verdicts).size).toBe(1);
    expect(verdicts[0]).toMatchObject({ ok: true });
    expect(origin.requests).toHaveLength(1);
    expect(photos.inflight(url)).toBeUndefined();
  });

  it('a pass is remembered for 5 minutes, a refusal for 30 seconds', async () => {
    let clock = 1_000_000;
    const origin = await server((req, res) => {
      if (req.url === '/ok.png') png(300, 300)(req, res);
      else res.writeHead(404).end();
    });
    const photos = checkerFor([origin], { now: () => clock });
    const count = (path: string) => origin.requests.filter((req) => req.url === path).length;
    await photos.check(`${origin.origin()}/ok.png`);
    await photos.check(`${origin.origin()}/missing.png`);
    clock += 29_000;
    await photos.check(`${origin.origin()}/ok.png`);
    await photos.check(`${origin.origin()}/missing.png`);
    expect([count('/ok.png'), count('/missing.png')]).toEqual([1, 1]);
    clock += 2_000;
    await photos.check(`${origin.origin()}/missing.png`);
    expect(count('/missing.png')).toBe(2);
    clock += 5 * 60_000;
    expect(photos.cached(`${origin.origin()}/ok.png`)).toBeUndefined();
    await photos.check(`${origin.origin()}/ok.png`);
    expect(count('/ok.png')).toBe(2);
  });

  it('cacheTtlMs: 0 checks every time', async () => {
    const origin = await server(png(300, 300));
    const photos = checkerFor([origin], { cacheTtlMs: 0 });
    await photos.check(`${origin.origin()}/a.png`);
    await photos.check(`${origin.origin()}/a.png`);
    expect(origin.requests).toHaveLength(2);
  });
});

describe('networkCheck: false (CONTACTCARD_PHOTO_CHECK=false)', () => {
  it('applies the URL rules only and fetches nothing', async () => {
    const origin = await server(png(300, 300));
    const policy: AddressPolicy = allowLoopbackPorts(origin.port);
    const photos = checker({ networkCheck: false, policy });
    const url = `${origin.origin()}/anything`;
    expect(await photos.check(url)).toEqual({ ok: true, url, networkChecked: false, warnings: [] });
    expect(await photos.check('https://files.slack.com/files-pri/T-F/p.png')).toMatchObject({
      ok: false,
      code: 'rules',
    });
    expect(await photos.check('https://10.0.0.1/p.png')).toMatchObject({
      ok: false,
      code: 'forbidden-address',
    });
    expect(origin.connections).toBe(0);
  });

  it('cached() answers URL-rule refusals at once', () => {
    const photos = checker({ policy: defaultAddressPolicy });
    expect(photos.cached('http://example.com/p.jpg')).toBeUndefined();
    expect(checker({ allowHttp: false }).cached('http://example.com/p.jpg')).toMatchObject({
      ok: false,
      code: 'rules',
    });
  });
});
