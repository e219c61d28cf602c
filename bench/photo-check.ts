/**
 * Times full photo checks (URL rules, vetted connect, GET with Range, header sniff) against a local
 * server on 127.0.0.1, with the verdict cache off. Loopback only: it measures the checker's own cost,
 * not the internet's. Run: npx tsx bench/photo-check.ts [count]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type AddressPolicy, defaultAddressPolicy } from '../src/adapters/photo/address-policy.js';
import { createPhotoChecker, type PhotoCheckerOptions } from '../src/adapters/photo/check.js';
import { silentLog } from '../src/runtime/logger.js';

const count = Number(process.argv[2] ?? 200);
const fixtures = new URL('../test/fixtures/photo/', import.meta.url);
const jpeg = readFileSync(new URL('real-320x240.jpg', fixtures));
const cert = readFileSync(new URL('tls-cert.pem', fixtures));
const key = readFileSync(new URL('tls-test-only-key.pem', fixtures));

const handler = (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(jpeg.length) });
  res.end(jpeg);
};
const http = createServer(handler);
const https = createHttpsServer({ cert, key }, handler);
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
const httpPort = (http.address() as AddressInfo).port;
const httpsPort = (https.address() as AddressInfo).port;

const policy: AddressPolicy = (ip, family, target) =>
  ip === '127.0.0.1' && (target?.port === httpPort || target?.port === httpsPort)
    ? { allowed: true }
    : defaultAddressPolicy(ip, family, target);
const options: PhotoCheckerOptions = {
  log: silentLog,
  policy,
  allowHttp: true,
  cacheTtlMs: 0,
  ca: cert,
  resolve: async (host) => {
    if (host !== 'photos.test') throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address: '127.0.0.1', family: 4 }];
  },
};

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? Number.NaN };
}

async function scenario(name: string, url: string, freshCheckerEachTime: boolean) {
  const shared = createPhotoChecker(options);
  const samples: number[] = [];
  for (let i = 0; i < count + 20; i++) {
    const checker = freshCheckerEachTime ? createPhotoChecker(options) : shared;
    const started = performance.now();
    const verdict = await checker.check(url);
    const elapsed = performance.now() - started;
    if (!verdict.ok) throw new Error(`${name}: unexpected refusal: ${verdict.reason}`);
    if (i >= 20) samples.push(elapsed); // the first 20 warm up the JIT
    if (freshCheckerEachTime) await checker.close();
  }
  await shared.close();
  const { median, p95, max } = stats(samples);
  console.log(
    `${name.padEnd(48)} n=${count}  median ${median.toFixed(2)} ms  p95 ${p95.toFixed(2)} ms  max ${max.toFixed(2)} ms`,
  );
}

await scenario('http, one checker reused', `http://photos.test:${httpPort}/me.jpg`, false);
await scenario('http, fresh checker (new Agent) per check', `http://photos.test:${httpPort}/me.jpg`, true);
await scenario(
  'https (TLS handshake), fresh checker per check',
  `https://photos.test:${httpsPort}/me.jpg`,
  true,
);

http.close();
https.close();
