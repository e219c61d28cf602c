// Address classification only: nothing here connects anywhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  defaultAddressPolicy,
  isForbiddenAddress,
  parseAddress,
} from '../src/adapters/photo/address-policy.js';

// [address, expected range, expected canonical address (when it differs)]
const refusedV4: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'linkLocal'], // cloud metadata
  ['169.254.0.1', 'linkLocal'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  ['100.100.100.200', 'carrierGradeNat'], // Alibaba metadata
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'], // "this network" 0/8
  ['255.255.255.255', 'broadcast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['254.1.2.3', 'reserved'],
  ['192.0.0.8', 'reserved'], // IETF protocol assignments
  ['192.0.2.1', 'reserved'], // TEST-NET-1
  ['198.51.100.7', 'reserved'], // TEST-NET-2
  ['203.0.113.9', 'reserved'], // TEST-NET-3
  ['198.18.0.1', 'reserved'], // benchmarking 198.18/15
  ['198.19.255.255', 'reserved'],
  ['192.88.99.1', 'reserved'], // 6to4 relay anycast
];

const refusedV6: Array<[string, string]> = [
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'linkLocal'],
  ['febf:ffff::1', 'linkLocal'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'uniqueLocal'], // AWS IPv6 metadata
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['fec0::1', 'deprecatedSiteLocal'],
  ['2001:db8::1', 'reserved'], // documentation
  ['3fff::1', 'reserved'], // documentation (RFC 9637)
  ['2001::1', 'teredo'],
  ['2001:2::1', 'benchmarking'],
  ['100::1', 'discard'],
  ['::7f00:1', 'nonGlobal'], // deprecated IPv4-compatible ::127.0.0.1
  ['::10.0.0.1', 'nonGlobal'], // ipaddr.js alone would read this as ::ffff:10.0.0.1
  ['::8.8.8.8', 'nonGlobal'], // IPv4-compatible, not mapped: not the public 8.8.8.8
  ['4000::1', 'nonGlobal'], // outside 2000::/3
  ['64:ff9b:1::a00:1', 'rfc6052'], // local-use NAT64 prefix
  ['::ffff:0:7f00:1', 'rfc6145'], // IPv4-translated
];

// IPv6 addresses that carry an IPv4 address: judged by the IPv4 inside.
const embedded: Array<[string, string, string, string]> = [
  ['::ffff:127.0.0.1', 'loopback', '127.0.0.1', 'ipv4Mapped'],
  ['::ffff:7f00:1', 'loopback', '127.0.0.1', 'ipv4Mapped'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback', '127.0.0.1', 'ipv4Mapped'],
  ['[::ffff:7f00:1]', 'loopback', '127.0.0.1', 'ipv4Mapped'],
  ['::ffff:10.0.0.1', 'private', '10.0.0.1', 'ipv4Mapped'],
  ['::ffff:a9fe:a9fe', 'linkLocal', '169.254.169.254', 'ipv4Mapped'],
  ['::ffff:0.0.0.0', 'unspecified', '0.0.0.0', 'ipv4Mapped'],
  ['64:ff9b::7f00:1', 'loopback', '127.0.0.1', 'rfc6052'], // NAT64
  ['64:ff9b::192.168.0.1', 'private', '192.168.0.1', 'rfc6052'],
  ['2002:7f00:1::', 'loopback', '127.0.0.1', '6to4'],
  ['2002:c0a8:101::1', 'private', '192.168.1.1', '6to4'],
];

// Spellings a lenient parser (inet_aton, WHATWG URL) turns into 127.0.0.1 and friends.
const oddSpellings: Array<[string, string, string]> = [
  ['127.1', '127.0.0.1', 'loopback'],
  ['2130706433', '127.0.0.1', 'loopback'],
  ['0x7f000001', '127.0.0.1', 'loopback'],
  ['0177.0.0.1', '127.0.0.1', 'loopback'],
  ['0x7f.1', '127.0.0.1', 'loopback'],
  ['017700000001', '127.0.0.1', 'loopback'],
  ['10.1', '10.0.0.1', 'private'],
  ['0xa9fea9fe', '169.254.169.254', 'linkLocal'],
  ['0', '0.0.0.0', 'unspecified'],
];

const allowed = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '172.32.0.1', // just past 172.16/12
  '172.15.255.255',
  '100.128.0.1', // just past 100.64/10
  '11.0.0.1',
  '169.253.255.255',
  '223.255.255.254',
  '2606:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8', // mapped public
  '64:ff9b::8.8.8.8', // NAT64 of a public address (DNS64 networks)
  '2002:808:808::1', // 6to4 of 8.8.8.8
];

describe('classifyAddress: refused ranges', () => {
  it.each(refusedV4)('IPv4 %s is refused as %s', (ip, range) => {
    const c = classifyAddress(ip);
    expect(c).toMatchObject({ allowed: false, range, family: 4, address: ip });
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each(refusedV6)('IPv6 %s is refused as %s', (ip, range) => {
    const c = classifyAddress(ip);
    expect(c).toMatchObject({ allowed: false, range, family: 6 });
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each(embedded)('%s is refused as %s (IPv4 %s inside, via %s)', (ip, range, inner, via) => {
    expect(classifyAddress(ip)).toMatchObject({ allowed: false, range, address: inner, family: 4, via });
  });

  it.each(oddSpellings)('odd spelling %s is parsed as %s and refused as %s', (text, canonical, range) => {
    expect(parseAddress(text)?.toString()).toBe(canonical);
    expect(classifyAddress(text)).toMatchObject({ allowed: false, range, address: canonical });
  });
});

describe('odd spellings through WHATWG URL parsing', () => {
  const hosts: Array<[string, string]> = [
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['%31%32%37.0.0.1', '127.0.0.1'],
    ['\uff11\uff12\uff17.0.0.1', '127.0.0.1'], // full-width digits
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]'],
    ['[0:0:0:0:0:ffff:7f00:1]', '[::ffff:7f00:1]'],
    ['[::1]', '[::1]'],
  ];

  it.each(hosts)('https://%s/ has hostname %s, which is refused', (host, expected) => {
    const hostname = new URL(`https://${host}/photo.jpg`).hostname;
    expect(hostname).toBe(expected);
    expect(isForbiddenAddress(hostname)).toBe(true);
  });
});

describe('classifyAddress: allowed public addresses (classification only, never connected to)', () => {
  it.each(allowed)('%s is allowed', (ip) => {
    expect(classifyAddress(ip).allowed).toBe(true);
    expect(isForbiddenAddress(ip)).toBe(false);
    expect(defaultAddressPolicy(ip, ip.includes(':') ? 6 : 4)).toEqual({ allowed: true });
  });
});

describe('classifyAddress: garbage fails closed', () => {
  it.each([
    '',
    'localhost',
    'example.com',
    '256.1.1.1',
    '1.1.1.1.',
    '08.0.0.1',
    '4294967296',
    ':::1',
    '[::1',
  ])('%j is refused as invalid', (text) => {
    expect(classifyAddress(text)).toMatchObject({ allowed: false, range: 'invalid' });
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.ipV4Extended(), fc.ipV6()),
        (text) => {
          const c = classifyAddress(text);
          expect(typeof c.allowed).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the default policy', () => {
  it('names the range and the address in its reason', () => {
    expect(defaultAddressPolicy('127.0.0.1', 4)).toEqual({
      allowed: false,
      reason: 'loopback address 127.0.0.1',
    });
    expect(defaultAddressPolicy('::ffff:a00:1', 6)).toEqual({
      allowed: false,
      reason: 'private network address 10.0.0.1 (inside ::ffff:a00:1)',
    });
    expect(defaultAddressPolicy('fd00::1', 6).reason).toBe('unique local (private IPv6) address fd00::1');
  });
});

describe('properties', () => {
  const toDotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

  it('an IPv4 address written as one decimal number is judged like its dotted form (parser and URL)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const dotted = classifyAddress(toDotted(n)).allowed;
        expect(classifyAddress(String(n)).allowed).toBe(dotted);
        expect(classifyAddress(`0x${n.toString(16)}`).allowed).toBe(dotted);
        expect(classifyAddress(new URL(`https://${n}/`).hostname).allowed).toBe(dotted);
      }),
      { numRuns: 3000 },
    );
  });

  it('an IPv4-mapped IPv6 address is judged like the IPv4 address inside', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const dotted = toDotted(n);
        const hex = `::ffff:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
        const expected = classifyAddress(dotted).allowed;
        expect(classifyAddress(`::ffff:${dotted}`).allowed).toBe(expected);
        expect(classifyAddress(hex).allowed).toBe(expected);
        expect(classifyAddress(new URL(`https://[::ffff:${dotted}]/`).hostname).allowed).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('every address in the private, loopback, link-local and CGNAT blocks is refused', () => {
    const blocks: Array<[number, number]> = [
      [0x0a000000, 8],
      [0xac100000, 12],
      [0xc0a80000, 16],
      [0x7f000000, 8],
      [0xa9fe0000, 16],
      [0x64400000, 10],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...blocks), fc.integer({ min: 0, max: 2 ** 32 - 1 }), ([base, bits], r) => {
        const host = r & (2 ** (32 - bits) - 1);
        expect(isForbiddenAddress(toDotted((base + host) >>> 0))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
