/**
 * Fetches the first bytes of a URL without ever connecting to an address the policy refuses.
 *
 * - Every connection goes through {@link createVettingConnector}: IP-literal hosts are judged as they are;
 *   host names are resolved once with the (injectable) resolver, EVERY answer is judged, and the socket is
 *   opened to a vetted address itself, so there is no second resolution for DNS rebinding to slip into.
 *   TLS still verifies the certificate against the host name (SNI = host name, connection = vetted IP).
 * - Redirects are followed by hand (at most 3), each hop re-checked by the URL rules and the connector.
 * - One budget (default 3 s) covers DNS, connect, TLS, headers, redirects and body.
 * - Sends `Range: bytes=0-65535` and stops reading at 64 KiB whether or not the server honours it.
 */

import { lookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import {
  type AddressFamily,
  type AddressPolicy,
  type AddressTarget,
  defaultAddressPolicy,
} from './address-policy.js';
import { checkPhotoUrlRules } from './url-rules.js';

export interface ResolvedAddress {
  address: string;
  family: AddressFamily;
}

/** Resolves a host name to all its addresses. Tests inject one that never touches real DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

export const DEFAULT_BUDGET_MS = 3_000;
export const DEFAULT_MAX_BYTES = 64 * 1024;
export const DEFAULT_MAX_REDIRECTS = 3;

/** Thrown by the connector, before any packet is sent, when an address is refused. */
export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_PHOTO_FORBIDDEN_ADDRESS';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly detail: string,
  ) {
    super(`refusing to connect to ${hostname}: ${detail}`);
    this.name = 'ForbiddenAddressError';
  }
}

export interface VettingConnectorOptions {
  policy: AddressPolicy;
  resolve: Resolver;
  connectTimeoutMs: number;
  /** Extra trust roots for TLS (tests with a self-signed certificate). */
  ca?: string | Buffer | Array<string | Buffer>;
}

type ConnectorOptions = buildConnector.Options;
type ConnectorCallback = buildConnector.Callback;

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function vet(policy: AddressPolicy, hostname: string, answers: ResolvedAddress[], target: AddressTarget) {
  if (answers.length === 0) throw new Error(`no address found for ${hostname}`);
  for (const answer of answers) {
    // Only canonical IP literals: anything else would make net.connect resolve again.
    if (isIP(answer.address) === 0) {
      throw new ForbiddenAddressError(
        hostname,
        String(answer.address),
        'an answer that is not an IP address',
      );
    }
    const decision = policy(answer.address, answer.family, target);
    if (!decision.allowed) {
      throw new ForbiddenAddressError(
        hostname,
        answer.address,
        decision.reason ?? `address ${answer.address}`,
      );
    }
  }
  return answers;
}

/**
 * An undici connector that judges every address before connecting to it. A host name whose answers
 * include ANY refused address is refused as a whole (mixed answers are a rebinding trick, not a CDN).
 */
export function createVettingConnector(options: VettingConnectorOptions): buildConnector.connector {
  const base = buildConnector({
    timeout: options.connectTimeoutMs,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const { policy, resolve } = options;

  return (opts: ConnectorOptions, callback: ConnectorCallback) => {
    const hostname = stripBrackets(opts.hostname);
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const target: AddressTarget = { hostname, port };
    const literal = isIP(hostname);

    // net.connect skips any lookup for IP literals, so they are judged here, explicitly.
    const addresses: Promise<ResolvedAddress[]> =
      literal === 4 || literal === 6
        ? Promise.resolve([{ address: hostname, family: literal }])
        : Promise.resolve().then(() => resolve(hostname));

    const attempt = (list: ResolvedAddress[], index: number, lastError?: Error): void => {
      const next = list[index];
      if (!next) {
        callback(lastError ?? new Error(`could not connect to ${hostname}`), null);
        return;
      }
      base(
        {
          ...opts,
          // Connect to the vetted address; keep the name for SNI and certificate checks.
          hostname: next.address,
          ...(literal ? {} : { servername: opts.servername || hostname }),
        },
        (err, socket) => {
          if (err || !socket) {
            attempt(list, index + 1, err ?? undefined);
            return;
          }
          // Belt and braces: the peer we actually reached must pass too.
          const remote = (socket as Socket).remoteAddress;
          const family = (socket as Socket).remoteFamily === 'IPv6' ? 6 : 4;
          const decision = remote ? policy(remote, family, target) : { allowed: false, reason: 'no peer' };
          if (!remote || !decision.allowed) {
            socket.destroy();
            callback(
              new ForbiddenAddressError(hostname, remote ?? '', decision.reason ?? 'peer address refused'),
              null,
            );
            return;
          }
          callback(null, socket);
        },
      );
    };

    addresses.then(
      (answers) => {
        let vetted: ResolvedAddress[];
        try {
          vetted = vet(policy, hostname, answers, target);
        } catch (err) {
          callback(err as Error, null);
          return;
        }
        try {
          attempt(vetted, 0);
        } catch (err) {
          callback(err instanceof Error ? err : new Error(String(err)), null);
        }
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}

export interface SafeFetcherOptions {
  policy?: AddressPolicy;
  resolve?: Resolver;
  /** Whole-fetch budget: DNS, connect, TLS, redirects, headers and body. */
  budgetMs?: number;
  /** Bytes of body to read at most; also sets the Range header. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Accept plain http URLs and redirects. Tests against local servers only. */
  allowHttp?: boolean;
  /** Extra trust roots for TLS (tests with a self-signed certificate). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface FetchPrefixOptions {
  /** Called after each chunk with all bytes so far; `true` stops reading early. */
  enough?: (bytes: Uint8Array) => boolean;
  signal?: AbortSignal;
}

export type SafeFetchFailureCode =
  | 'rules'
  | 'forbidden-address'
  | 'timeout'
  | 'too-many-redirects'
  | 'bad-redirect'
  | 'network';

export type SafeFetchResult =
  | {
      ok: true;
      /** The URL that answered, after redirects. */
      url: URL;
      redirects: number;
      status: number;
      headers: IncomingHttpHeaders;
      /** The first bytes of the body (2xx answers only), at most maxBytes. */
      body: Uint8Array;
      /** True when the body ended before we stopped reading: `body` is the whole file. */
      ended: boolean;
      /** True when the connection failed before the body ended (the server broke off). */
      cutShort: boolean;
    }
  | { ok: false; code: SafeFetchFailureCode; reason: string; url: URL; redirects: number };

export interface SafeFetcher {
  fetchPrefix(url: string | URL, options?: FetchPrefixOptions): Promise<SafeFetchResult>;
  close(): Promise<void>;
}

function ignore(): void {}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

const tlsCodes =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_)/;

/** `3 s`, `0.3 s`, `1.5 s`. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(1))} s`;
}

function findForbidden(err: unknown): ForbiddenAddressError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof ForbiddenAddressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNetworkError(err: unknown, host: string): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_NODATA') {
    return `The host ${host} could not be found; check the link.`;
  }
  if (code === 'EAI_AGAIN') return `The host ${host} could not be looked up right now; try again.`;
  if (code === 'ECONNREFUSED') return `${host} refused the connection.`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return `${host} closed the connection before sending the image.`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${host} cannot be reached.`;
  if (tlsCodes.test(code)) return `The security certificate of ${host} is not valid (${code}).`;
  return `Could not fetch the image from ${host}${code ? ` (${code})` : ''}.`;
}

function isTimeoutCode(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ETIMEDOUT';
}

export function createSafeFetcher(options: SafeFetcherOptions = {}): SafeFetcher {
  const policy = options.policy ?? defaultAddressPolicy;
  const resolve = options.resolve ?? systemResolver;
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const allowHttp = options.allowHttp ?? false;

  const agent = new Agent({
    connect: createVettingConnector({
      policy,
      resolve,
      connectTimeoutMs: budgetMs,
      ...(options.ca ? { ca: options.ca } : {}),
    }),
    headersTimeout: budgetMs,
    bodyTimeout: budgetMs,
    keepAliveTimeout: 4_000,
    connections: 16,
  });

  const headers = {
    'user-agent': 'contactcard-photo-check/1',
    accept: 'image/jpeg, image/png;q=0.9, image/*;q=0.5, */*;q=0.1',
    'accept-encoding': 'identity',
    range: `bytes=0-${maxBytes - 1}`,
  };

  async function readPrefix(
    body: AsyncIterable<Buffer>,
    enough: FetchPrefixOptions['enough'],
    signal: AbortSignal,
  ): Promise<{ body: Uint8Array; ended: boolean; cutShort: boolean }> {
    const chunks: Buffer[] = [];
    let total = 0;
    let ended = true;
    let cutShort = false;
    try {
      for await (const chunk of body) {
        const room = maxBytes - total;
        if (chunk.length >= room) {
          chunks.push(chunk.subarray(0, room));
          total += room;
          ended = false;
          break; // leaving the loop destroys the stream: the rest is never read
        }
        chunks.push(chunk);
        total += chunk.length;
        if (enough?.(Buffer.concat(chunks, total))) {
          ended = false;
          break;
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      cutShort = true; // the server broke off mid-body: keep what came, the caller decides
    }
    return { body: Buffer.concat(chunks, total), ended, cutShort };
  }

  async function run(
    fetchOptions: FetchPrefixOptions,
    signal: AbortSignal,
    state: { url: URL; redirects: number },
  ): Promise<SafeFetchResult> {
    for (;;) {
      const current = state.url;
      const fail = (code: SafeFetchFailureCode, reason: string): SafeFetchResult => ({
        ok: false,
        code,
        reason,
        url: current,
        redirects: state.redirects,
      });
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(current, {
          method: 'GET',
          headers,
          signal,
          dispatcher: agent,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const forbidden = findForbidden(err);
        if (forbidden) {
          const verb = state.redirects > 0 ? 'redirects to' : 'points to';
          return fail(
            'forbidden-address',
            `This link ${verb} a private or internal address (${forbidden.detail}); use a link on the public internet.`,
          );
        }
        if (isTimeoutCode(err)) {
          return fail('timeout', `The server did not answer within ${formatSeconds(budgetMs)}.`);
        }
        return fail('network', describeNetworkError(err, current.hostname));
      }

      const { statusCode, headers: responseHeaders, body } = response;
      // Destroying an unfinished undici body emits an 'error' (RequestAbortedError): expected, never news.
      body.on('error', ignore);
      if (redirectStatuses.has(statusCode)) {
        body.destroy();
        const location = responseHeaders.location;
        const target = Array.isArray(location) ? location[0] : location;
        if (!target) return fail('bad-redirect', 'The server redirected without saying where to.');
        if (state.redirects >= maxRedirects) {
          return fail(
            'too-many-redirects',
            `This link redirects more than ${maxRedirects} times; use the image's final, direct link.`,
          );
        }
        let next: URL;
        try {
          next = new URL(target, current);
        } catch {
          return fail('bad-redirect', 'The server redirected to an invalid link.');
        }
        const rules = checkPhotoUrlRules(next.href, { allowHttp, policy });
        if (!rules.ok) {
          if (rules.code === 'private-address') {
            return fail(
              'forbidden-address',
              rules.reason.replace('This link points to', 'This link redirects to'),
            );
          }
          if (next.protocol === 'http:' && !allowHttp) {
            return fail(
              'rules',
              'This link redirects to a plain http:// link; Sendblue fetches the photo from the public internet and needs https all the way.',
            );
          }
          return fail(
            'rules',
            `This link redirects to ${next.host || next.protocol}, which cannot be used. ${rules.reason}`,
          );
        }
        state.url = rules.url;
        state.redirects++;
        continue;
      }

      // An error page's body says nothing about the image: drop it unread.
      const success = statusCode >= 200 && statusCode <= 299;
      if (!success) body.destroy();
      const prefix = success
        ? await readPrefix(body, fetchOptions.enough, signal)
        : { body: new Uint8Array(0), ended: false, cutShort: false };
      return {
        ok: true,
        url: current,
        redirects: state.redirects,
        status: statusCode,
        headers: responseHeaders,
        ...prefix,
      };
    }
  }

  async function fetchPrefix(
    raw: string | URL,
    fetchOptions: FetchPrefixOptions = {},
  ): Promise<SafeFetchResult> {
    const rules = checkPhotoUrlRules(typeof raw === 'string' ? raw : raw.href, { allowHttp, policy });
    const state = { url: typeof raw === 'string' ? new URL('about:blank') : raw, redirects: 0 };
    if (!rules.ok) return { ok: false, code: 'rules', reason: rules.reason, url: state.url, redirects: 0 };
    state.url = rules.url;

    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(fetchOptions.signal?.reason);
    if (fetchOptions.signal?.aborted) onOuterAbort();
    fetchOptions.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<SafeFetchResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('photo check budget exhausted'));
        resolve({
          ok: false,
          code: 'timeout',
          reason: `The server did not answer within ${formatSeconds(budgetMs)}.`,
          url: state.url,
          redirects: state.redirects,
        });
      }, budgetMs);
    });
    const work = run(fetchOptions, controller.signal, state).catch((err: unknown): SafeFetchResult => {
      const failure = { ok: false as const, url: state.url, redirects: state.redirects };
      if (fetchOptions.signal?.aborted)
        return { ...failure, code: 'network', reason: 'The check was cancelled.' };
      if (controller.signal.aborted || isTimeoutCode(err)) {
        return {
          ...failure,
          code: 'timeout',
          reason: `The server did not answer within ${formatSeconds(budgetMs)}.`,
        };
      }
      return { ...failure, code: 'network', reason: describeNetworkError(err, state.url.hostname) };
    });
    try {
      // The timer wins even if something below ignores the abort (a DNS lookup cannot be cancelled).
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
      fetchOptions.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  return {
    fetchPrefix,
    close: () => agent.close(),
  };
}
