/**
 * The photo-URL check: URL rules, then (unless turned off) a vetted fetch of the first bytes to make sure
 * the link leads to a JPEG or PNG that Sendblue can download. Knows nothing of Slack.
 *
 * Verdicts are cached per URL (passes 5 min, refusals 30 s) and concurrent checks of one URL share a
 * single request.
 */
import { STATUS_CODES } from 'node:http';
import type { Log } from '../../runtime/logger.js';
import type { AddressPolicy } from './address-policy.js';
import { type ImageFormat, type OtherKind, readImageHeader } from './image-sniff.js';
import { MAX_UPLOAD_BYTES } from './process.js';
import {
  createSafeFetcher,
  DEFAULT_BUDGET_MS,
  DEFAULT_MAX_BYTES,
  type Resolver,
  type SafeFetchFailureCode,
  type SafeFetchResult,
} from './safe-fetch.js';
import { checkPhotoUrlRules, type UrlRuleResult } from './url-rules.js';

export type PhotoRefusalCode =
  | SafeFetchFailureCode
  | 'http-status'
  | 'not-image'
  | 'unsupported-format'
  | 'truncated'
  | 'empty'
  | 'internal';

export interface PhotoPass {
  ok: true;
  /** The normalised URL that was checked (before redirects): the one to hand to Sendblue. */
  url: string;
  /** False when only the URL rules ran (`networkCheck: false`); format and size are then unknown. */
  networkChecked: boolean;
  format?: ImageFormat;
  width?: number;
  height?: number;
  /** Full file size the server declared (Content-Length, or the total in Content-Range). */
  declaredBytes?: number;
  /** Whole sentences; the photo can be used but may disappoint. */
  warnings: string[];
}

export interface PhotoRefusal {
  ok: false;
  code: PhotoRefusalCode;
  /** A whole sentence for the person who gave the link. */
  reason: string;
  /** An image Sendblue cannot take as it is but the app can convert (WebP, GIF, AVIF, TIFF), with hosting. */
  convertible?: boolean;
}

export type PhotoVerdict = PhotoPass | PhotoRefusal;

export interface PhotoCheckerOptions {
  log: Log;
  /** Which addresses may be connected to; defaults to public unicast only. */
  policy?: AddressPolicy;
  /** Host name resolution; defaults to the system resolver (dns.lookup). */
  resolve?: Resolver;
  /** Whole-check budget in ms (default 3000). */
  budgetMs?: number;
  /** Body bytes read at most (default 64 KiB). */
  maxBytes?: number;
  maxRedirects?: number;
  now?: () => number;
  /** How long a pass is remembered (default 5 min; 0 turns caching off). */
  cacheTtlMs?: number;
  /** How long a refusal from the network check is remembered (default 30 s, at most cacheTtlMs). */
  failureCacheTtlMs?: number;
  maxCacheEntries?: number;
  /** Accept plain http links. Tests against local servers only. */
  allowHttp?: boolean;
  /** False (CONTACTCARD_PHOTO_CHECK=false): apply the URL rules only, fetch nothing. */
  networkCheck?: boolean;
  /** Extra TLS trust roots (tests with a self-signed certificate). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export type PhotoDownload = { ok: true; bytes: Buffer } | { ok: false; reason: string };

export interface PhotoChecker {
  check(url: string): Promise<PhotoVerdict>;
  /**
   * The whole image behind a link (at most 10 MB), through the same vetted fetch as the check:
   * for the app to process and host it. Refused when network checks are off.
   */
  download(url: string): Promise<PhotoDownload>;
  /** A verdict known without waiting: a URL-rule refusal or a fresh cache entry. */
  cached(url: string): PhotoVerdict | undefined;
  /** The check of this URL that is running now, if any. */
  inflight(url: string): Promise<PhotoVerdict> | undefined;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export const SMALL_SIDE_PX = 200;
// What processPhoto can turn into a JPEG (HEIC it cannot decode here).
const convertibleKinds: ReadonlySet<string> = new Set(['gif', 'webp', 'avif', 'tiff']);
const downloadBudgetMs = 10_000;
export const MAX_ASPECT_RATIO = 2;
export const LARGE_FILE_BYTES = 10 * 1000 * 1000;

const otherKindNames: Record<OtherKind, string> = {
  gif: 'a GIF',
  webp: 'a WebP',
  heic: 'a HEIC',
  avif: 'an AVIF',
  bmp: 'a BMP',
  tiff: 'a TIFF',
  ico: 'an icon (ICO)',
  svg: 'an SVG',
  pdf: 'a PDF',
  html: 'an HTML',
};

const webPage = "This link opens a web page, not an image; use the image's direct link.";

function refuse(code: PhotoRefusalCode, reason: string): PhotoRefusal {
  return { ok: false, code, reason };
}

function ruleRefusal(rules: Extract<UrlRuleResult, { ok: false }>): PhotoRefusal {
  return refuse(rules.code === 'private-address' ? 'forbidden-address' : 'rules', rules.reason);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Content-Range total for a 206, Content-Length for a 200. */
function declaredSize(status: number, headers: Record<string, string | string[] | undefined>) {
  if (status === 206) {
    const total = /\/\s*(\d+)\s*$/.exec(header(headers, 'content-range') ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  }
  const length = header(headers, 'content-length');
  if (length === undefined || !/^\d+$/.test(length.trim())) return undefined;
  return Number(length);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Turns the first bytes of a 2xx answer into a verdict. Exported for tests. */
export function judgeImage(result: Extract<SafeFetchResult, { ok: true }>, maxBytes: number, url: string) {
  const { status, headers, body, ended, cutShort } = result;
  if (status === 204 || (ended && body.length === 0)) {
    return refuse('empty', 'The link returned an empty file.');
  }
  if (cutShort) return refuse('truncated', 'The server broke off while sending the image; try again later.');
  const contentType = (header(headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const read = readImageHeader(body);
  const warnings: string[] = [];
  const declaredBytes = declaredSize(status, headers);

  let format: ImageFormat;
  let width: number | undefined;
  let height: number | undefined;
  switch (read.status) {
    case 'ok':
      ({ format, width, height } = read.info);
      break;
    case 'corrupt':
      return refuse(
        'truncated',
        `The ${read.format.toUpperCase()} file is damaged: its header cannot be read.`,
      );
    case 'need-more':
      if (!read.format) return refuse('not-image', 'The link does not lead to a JPEG or PNG image.');
      if (ended || read.format === 'png') {
        return refuse(
          'truncated',
          `The ${read.format.toUpperCase()} file is cut short: its header is incomplete.`,
        );
      }
      // A JPEG whose metadata runs past the bytes we read: most likely fine.
      format = read.format;
      warnings.push(
        `Could not read the image's size from its first ${Math.round(maxBytes / 1024)} KiB; it is probably fine.`,
      );
      break;
    case 'other': {
      if (read.kind === 'html' || (!read.kind && contentType === 'text/html')) {
        return refuse('not-image', webPage);
      }
      if (read.kind) {
        return {
          ...refuse(
            'unsupported-format',
            `This is ${otherKindNames[read.kind]} file; Sendblue needs a JPEG or PNG image.`,
          ),
          ...(convertibleKinds.has(read.kind) ? { convertible: true } : {}),
        };
      }
      const sent = contentType ? ` (the server sent ${contentType.slice(0, 60)})` : '';
      return refuse('not-image', `The link does not lead to a JPEG or PNG image${sent}.`);
    }
  }

  if (width !== undefined && height !== undefined) {
    if (Math.min(width, height) < SMALL_SIDE_PX) {
      warnings.push(`The image is only ${width}×${height} pixels; it may look blurry on the contact card.`);
    }
    if (Math.max(width, height) / Math.min(width, height) > MAX_ASPECT_RATIO) {
      warnings.push(
        `The image is ${width}×${height} pixels, far from square; much of it will be cropped away.`,
      );
    }
  }
  if (declaredBytes !== undefined && declaredBytes > LARGE_FILE_BYTES) {
    warnings.push(
      `The image is ${megabytes(declaredBytes)}; Sendblue may fail to download it. Use one under 10 MB.`,
    );
  }
  const pass: PhotoPass = { ok: true, url, networkChecked: true, format, warnings };
  if (width !== undefined) pass.width = width;
  if (height !== undefined) pass.height = height;
  if (declaredBytes !== undefined) pass.declaredBytes = declaredBytes;
  return pass;
}

/** Stop reading once the header is settled one way or the other. */
function enough(bytes: Uint8Array): boolean {
  const read = readImageHeader(bytes);
  if (read.status === 'ok' || read.status === 'corrupt') return true;
  if (read.status === 'other') return read.kind !== undefined || bytes.length >= 1024;
  return false;
}

function httpStatusReason(status: number): string {
  const text = STATUS_CODES[status];
  const base = `The server answered ${status}${text ? ` (${text})` : ''}.`;
  if (status === 401 || status === 403) return `${base} The image may need a login or may not be public.`;
  if (status === 404 || status === 410)
    return `${base} Check that the link is right and the image still exists.`;
  if (status >= 200 && status < 300) return `The server answered ${status} without an image.`;
  return base;
}

interface CacheEntry {
  verdict: PhotoVerdict;
  expires: number;
}

export function createPhotoChecker(options: PhotoCheckerOptions): PhotoChecker {
  const { log } = options;
  const now = options.now ?? Date.now;
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
  const failureTtlMs = Math.min(options.failureCacheTtlMs ?? 30_000, cacheTtlMs);
  const maxEntries = options.maxCacheEntries ?? 500;
  const networkCheck = options.networkCheck ?? true;
  const ruleOptions = {
    allowHttp: options.allowHttp ?? false,
    ...(options.policy ? { policy: options.policy } : {}),
  };

  // The same protections for both: the check reads the first bytes, a download (for converting)
  // the whole image, with a longer budget.
  const vettedFetcher = (limits: { budgetMs: number; maxBytes: number }) =>
    networkCheck
      ? createSafeFetcher({
          ...limits,
          allowHttp: ruleOptions.allowHttp,
          ...(options.policy ? { policy: options.policy } : {}),
          ...(options.resolve ? { resolve: options.resolve } : {}),
          ...(options.maxRedirects !== undefined ? { maxRedirects: options.maxRedirects } : {}),
          ...(options.ca ? { ca: options.ca } : {}),
        })
      : undefined;
  const fetcher = vettedFetcher({ budgetMs, maxBytes });
  const downloader = vettedFetcher({ budgetMs: downloadBudgetMs, maxBytes: MAX_UPLOAD_BYTES + 1 });

  const cache = new Map<string, CacheEntry>();
  const running = new Map<string, Promise<PhotoVerdict>>();

  function remember(key: string, verdict: PhotoVerdict): void {
    const ttl = verdict.ok ? cacheTtlMs : failureTtlMs;
    if (ttl <= 0) return;
    const at = now();
    for (const [k, entry] of cache) if (entry.expires <= at) cache.delete(k);
    while (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    cache.set(key, { verdict, expires: at + ttl });
  }

  function fresh(key: string): PhotoVerdict | undefined {
    const entry = cache.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now()) {
      cache.delete(key);
      return undefined;
    }
    return entry.verdict;
  }

  async function fetchAndJudge(url: URL): Promise<PhotoVerdict> {
    if (!fetcher) return { ok: true, url: url.href, networkChecked: false, warnings: [] };
    const started = performance.now();
    let verdict: PhotoVerdict;
    try {
      const result = await fetcher.fetchPrefix(url, { enough });
      if (!result.ok) verdict = refuse(result.code, result.reason);
      else if (result.status !== 200 && result.status !== 206) {
        verdict = refuse('http-status', httpStatusReason(result.status));
      } else verdict = judgeImage(result, maxBytes, url.href);
    } catch (err) {
      log.error('photo check failed unexpectedly', err);
      verdict = refuse('internal', 'The photo link could not be checked right now; try again.');
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (verdict.ok) {
      const size = verdict.width ? ` ${verdict.width}x${verdict.height}` : '';
      log.debug(`photo check passed ${url.host} in ${elapsedMs} ms: ${verdict.format}${size}`);
    } else {
      log.info(`photo check refused ${url.host} in ${elapsedMs} ms (${verdict.code}): ${verdict.reason}`);
    }
    return verdict;
  }

  return {
    check(raw: string): Promise<PhotoVerdict> {
      const rules = checkPhotoUrlRules(raw, ruleOptions);
      if (!rules.ok) return Promise.resolve(ruleRefusal(rules));
      if (!networkCheck) {
        return Promise.resolve({ ok: true, url: rules.url.href, networkChecked: false, warnings: [] });
      }
      const key = rules.url.href;
      const hit = fresh(key);
      if (hit) return Promise.resolve(hit);
      const existing = running.get(key);
      if (existing) return existing;
      const pending = fetchAndJudge(rules.url)
        .then((verdict) => {
          remember(key, verdict);
          return verdict;
        })
        .finally(() => running.delete(key));
      running.set(key, pending);
      return pending;
    },

    cached(raw: string): PhotoVerdict | undefined {
      const rules = checkPhotoUrlRules(raw, ruleOptions);
      if (!rules.ok) return ruleRefusal(rules);
      if (!networkCheck) return { ok: true, url: rules.url.href, networkChecked: false, warnings: [] };
      return fresh(rules.url.href);
    },

    async download(raw: string): Promise<PhotoDownload> {
      const rules = checkPhotoUrlRules(raw, ruleOptions);
      if (!rules.ok) return { ok: false, reason: rules.reason };
      if (!downloader) {
        return {
          ok: false,
          reason: 'The app does not fetch photo links here (CONTACTCARD_PHOTO_CHECK=false).',
        };
      }
      const result = await downloader.fetchPrefix(rules.url);
      if (!result.ok) return { ok: false, reason: result.reason };
      if (result.status !== 200) return { ok: false, reason: httpStatusReason(result.status) };
      if (!result.ended || result.body.length > MAX_UPLOAD_BYTES) {
        return { ok: false, reason: 'The image is larger than 10 MB; use a smaller one.' };
      }
      if (result.cutShort)
        return { ok: false, reason: 'The server broke off while sending the image; try again.' };
      return { ok: true, bytes: Buffer.from(result.body) };
    },

    inflight(raw: string): Promise<PhotoVerdict> | undefined {
      const rules = checkPhotoUrlRules(raw, ruleOptions);
      return rules.ok ? running.get(rules.url.href) : undefined;
    },

    close: async () => {
      await fetcher?.close();
      await downloader?.close();
    },
  };
}
