/**
 * The rules a contact-card photo URL must meet before anyone fetches it. Pure: no network, no clock.
 *
 * Reasons are whole sentences meant for a Slack modal error under the "Photo URL" input.
 */
import { isIP } from 'node:net';
import { checkPhotoUrlShape, type PhotoUrlProblemCode, photoUrlReasons } from '../../domain/card/rules.js';
import { type AddressPolicy, defaultAddressPolicy } from './address-policy.js';

export type UrlRuleCode =
  | PhotoUrlProblemCode
  | 'private-address'
  | 'internal-host'
  | 'slack-file'
  | 'share-page';

export type UrlRuleResult = { ok: true; url: URL } | { ok: false; reason: string; code: UrlRuleCode };

export interface UrlRuleOptions {
  /** Accept plain http (tests against local servers only; Sendblue needs https). */
  allowHttp?: boolean;
  /** Judges IP-literal hosts; defaults to {@link defaultAddressPolicy}. */
  policy?: AddressPolicy;
}

export const reasons = {
  ...photoUrlReasons,
  privateAddress: (detail: string) =>
    `This link points to a private or internal address (${detail}); use a link on the public internet.`,
  internalHost: (host: string) =>
    `The link's host "${host}" is not on the public internet; Sendblue could not reach it.`,
  slackFile:
    'Slack file links need a Slack login, which Sendblue does not have. Host the image somewhere public ' +
    'and paste its direct link.',
  googleDrive:
    "Google Drive share links open a web page, not the image. Use a direct link to the image file (one that shows only the image when opened in a browser's private window).",
  googlePhotos:
    "Google Photos links open a web page, not the image. Use a direct link to the image file (one that shows only the image when opened in a browser's private window).",
  dropbox: 'Dropbox share links open a web page, not the image: change dl=0 to raw=1 at the end of the link.',
} as const;

const internalSuffixes = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa', '.lan'];

function isSlackFileLink(host: string, path: string): boolean {
  if (host === 'slack-files.com' || host.endsWith('.slack-files.com')) return true;
  if (host === 'files.slack.com' || host.endsWith('.files.slack.com')) return true;
  // files-origin.slack.com, files-edge.slack.com, files-tls.slack.com, ...
  if (/^files-[a-z0-9-]+\.slack\.com$/.test(host)) return true;
  // Workspace permalinks: https://acme.slack.com/files/U123/F456/photo.jpg
  if ((host === 'slack.com' || host.endsWith('.slack.com')) && /^\/files(-pri|-tmb)?\//.test(path))
    return true;
  return false;
}

function hostingHint(url: URL, host: string): string | undefined {
  if (host === 'drive.google.com' || host === 'docs.google.com') {
    if (/^\/(file\/d\/|open\b|drive\/)/.test(url.pathname)) return reasons.googleDrive;
  }
  if (host === 'photos.google.com' || host === 'photos.app.goo.gl') return reasons.googlePhotos;
  if (host === 'dropbox.com' || host === 'www.dropbox.com') {
    const shared = /^\/(s|scl\/fi)\//.test(url.pathname);
    if (shared && url.searchParams.get('raw') !== '1' && url.searchParams.get('dl') !== '1') {
      return reasons.dropbox;
    }
  }
  return undefined;
}

function fail(code: UrlRuleCode, reason: string): UrlRuleResult {
  return { ok: false, code, reason };
}

function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

function check(raw: unknown, options: UrlRuleOptions): UrlRuleResult {
  const shape = checkPhotoUrlShape(raw, options);
  if (!shape.ok) return shape;
  const { url } = shape;

  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === '') return fail('invalid', reasons.invalid);
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 4 || family === 6) {
    const policy = options.policy ?? defaultAddressPolicy;
    const decision = policy(bare, family, { hostname: bare, port: portOf(url) });
    if (!decision.allowed) {
      return fail('private-address', reasons.privateAddress(decision.reason ?? `address ${bare}`));
    }
    return { ok: true, url };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return fail('private-address', reasons.privateAddress(host));
  }
  if (!host.includes('.') || internalSuffixes.some((suffix) => host.endsWith(suffix))) {
    return fail('internal-host', reasons.internalHost(host));
  }
  if (isSlackFileLink(host, url.pathname)) return fail('slack-file', reasons.slackFile);
  const hint = hostingHint(url, host);
  if (hint) return fail('share-page', hint);
  return { ok: true, url };
}

/**
 * Checks a photo URL against the rules that need no network: https only, no credentials, at most
 * 2048 characters, no private or internal hosts, no Slack file links (they need a login), and a hint for
 * Google Drive / Dropbox share pages. Never throws.
 */
export function checkPhotoUrlRules(raw: unknown, options: UrlRuleOptions = {}): UrlRuleResult {
  try {
    return check(raw, options);
  } catch {
    return fail('invalid', reasons.invalid);
  }
}
