/**
 * Which network addresses the photo check may connect to.
 *
 * The app fetches a user-given URL from inside the company's network, so every address it would connect
 * to (IP literals in the URL and every DNS answer) goes through an {@link AddressPolicy} first. The default
 * policy allows only public unicast addresses. Ranges come from ipaddr.js (`.range()`), never from
 * hand-written masks; anything ipaddr.js cannot parse is refused (fail closed).
 */
import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressFamily = 4 | 6;

/** Where the connection would go: lets a test opt in its own loopback server by port. */
export interface AddressTarget {
  hostname: string;
  port: number;
}

export interface AddressDecision {
  allowed: boolean;
  /** Why not, in a few words (e.g. `loopback address 127.0.0.1`), for messages and logs. */
  reason?: string;
}

export type AddressPolicy = (ip: string, family: AddressFamily, target?: AddressTarget) => AddressDecision;

export type AddressClassification =
  | { allowed: true; address: string; family: AddressFamily }
  | {
      allowed: false;
      /** Canonical text of the address; for IPv4 embedded in IPv6, the IPv4 address. */
      address: string;
      family?: AddressFamily;
      /** ipaddr.js range name (`loopback`, `private`, `uniqueLocal`, ...) or one of ours (`invalid`, `nonGlobal`). */
      range: string;
      /** Human words for the range, e.g. `private network`. */
      label: string;
      /** Set when the address was refused for the IPv4 address inside it (`ipv4Mapped`, `rfc6052`, `6to4`). */
      via?: string;
    };

const labels: Record<string, string> = {
  invalid: 'unparseable',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private network',
  reserved: 'reserved or documentation',
  benchmarking: 'benchmarking',
  as112: 'AS112 DNS sink',
  as112v6: 'AS112 DNS sink',
  amt: 'AMT relay',
  uniqueLocal: 'unique local (private IPv6)',
  deprecatedSiteLocal: 'site-local (private IPv6)',
  rfc6145: 'IPv4-translated',
  rfc6052: 'local-use NAT64',
  teredo: 'Teredo tunnel',
  discard: 'discard-only',
  orchid2: 'ORCHID',
  deprecatedOrchid: 'ORCHID',
  droneRemoteIdProtocolEntityTags: 'drone remote ID',
  segmentRouting: 'segment routing',
  nonGlobal: 'non-global IPv6',
};

/** IPv6 global unicast: everything outside it (IPv4-compatible `::a.b.c.d`, unallocated space) is refused. */
const globalUnicast = ipaddr.IPv6.parseCIDR('2000::/3');
/** The NAT64 well-known prefix, whose last 32 bits are a public IPv4 address (DNS64 networks). */
const nat64WellKnown = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * Parses an address the way a lenient resolver would: dotted quads, but also `127.1`, `2130706433`,
 * `0x7f000001`, `0177.0.0.1`; IPv6 with or without brackets. `undefined` when it is not an address.
 */
export function parseAddress(raw: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes(':') && text.includes('.')) {
    // ipaddr.js reads any `::a.b.c.d` as IPv4-mapped; `::10.0.0.1` is really IPv4-compatible `::a00:1`.
    // Let WHATWG URL canonicalise the embedded dotted quad into hex first.
    const zone = text.indexOf('%');
    const bare = zone === -1 ? text : text.slice(0, zone);
    if (isIPv6(bare)) text = new URL(`http://[${bare}]/`).hostname.slice(1, -1) + text.slice(bare.length);
  }
  if (!ipaddr.isValid(text)) return undefined;
  try {
    return ipaddr.parse(text);
  } catch {
    return undefined;
  }
}

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function refuse(address: string, family: AddressFamily | undefined, range: string, via?: string) {
  const label = labels[range] ?? range;
  return {
    allowed: false as const,
    address,
    ...(family ? { family } : {}),
    range,
    label,
    ...(via ? { via } : {}),
  };
}

function classifyV4(addr: ipaddr.IPv4, via?: string): AddressClassification {
  const address = addr.toString();
  const range = addr.range();
  if (range === 'unicast') return { allowed: true, address, family: 4 };
  return refuse(address, 4, range, via);
}

function classifyV6(addr: ipaddr.IPv6): AddressClassification {
  // `::ffff:127.0.0.1` / `::ffff:7f00:1` connect to the IPv4 address inside: judge that one.
  if (addr.isIPv4MappedAddress()) return classifyV4(addr.toIPv4Address(), 'ipv4Mapped');
  const address = addr.toString();
  const range = addr.range();
  const parts = addr.parts;
  if (range === 'rfc6052' && addr.match(nat64WellKnown)) {
    return classifyV4(v4FromParts(parts[6] ?? 0, parts[7] ?? 0), 'rfc6052');
  }
  if (range === '6to4') {
    const inner = classifyV4(v4FromParts(parts[1] ?? 0, parts[2] ?? 0), '6to4');
    return inner.allowed ? { allowed: true, address, family: 6 } : inner;
  }
  if (range === 'unicast') {
    if (addr.match(globalUnicast)) return { allowed: true, address, family: 6 };
    return refuse(address, 6, 'nonGlobal');
  }
  return refuse(address, 6, range);
}

/** Classifies an address; only public unicast addresses are `allowed`. Never throws. */
export function classifyAddress(ip: string): AddressClassification {
  const addr = typeof ip === 'string' ? parseAddress(ip) : undefined;
  if (!addr) return refuse(String(ip), undefined, 'invalid');
  return addr.kind() === 'ipv4' ? classifyV4(addr as ipaddr.IPv4) : classifyV6(addr as ipaddr.IPv6);
}

export function isForbiddenAddress(ip: string): boolean {
  return !classifyAddress(ip).allowed;
}

/** `loopback address 127.0.0.1`, `private network address 10.0.0.1 (inside ::ffff:a00:1)`. */
export function describeRefusal(ip: string, classification: AddressClassification): string {
  if (classification.allowed) return `public address ${classification.address}`;
  const inside = classification.via ? ` (inside ${ip.replace(/^\[|\]$/g, '')})` : '';
  return `${classification.label} address ${classification.address}${inside}`;
}

/** The production policy: public unicast addresses only, IPv4 and IPv6. */
export const defaultAddressPolicy: AddressPolicy = (ip) => {
  const classification = classifyAddress(ip);
  if (classification.allowed) return { allowed: true };
  return { allowed: false, reason: describeRefusal(ip, classification) };
};
