/**
 * The rules a contact-card photo URL must meet before anyone fetches it. Pure: no network, no clock.
 *
 * Reasons are whole sentences meant for a Slack modal error under the "Photo URL" input.
 */
import { isIP } from 'node:net';
import { type AddressPolicy, defaultAddressPolicy } from './address-policy.js';

export const MAX_PHOTO_URL_LENGTH = 2048;

export type UrlRuleCode =
  | 'empty'
  | 'too-long'
  | 'invalid'
  | 'scheme'
  | 'credentials'
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
  empty: "Enter the photo's link, starting with https://.",
  tooLong: (length: number) =>
    `This link is ${length} characters long; use a link of at most ${MAX_PHOTO_URL_LENGTH} characters.`,
  noScheme: (suggestion: string) => `Start the link with https:// (for example ${suggestion}).`,
  invalid: "This is not a valid link; copy the image's full address, starting with https://.",
  http: 'Use an https:// link: Sendblue fetches the photo from the public internet and needs https.',
  dataUrl: 'Paste a link to the image, not the image itself: the link should start with https://.',
  scheme: (scheme: string) => `Use an https:// link; links starting with ${scheme}// cannot be fetched.`,
  credentials: 'Remove the user name and password from the link: Sendblue cannot log in to fetch the photo.',
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

const schemePattern = /^[a-z][a-z0-9+.-]*:/i;
/** `example.com/a.jpg`, `www.x.org`: looks like a host name with no scheme. */
const bareHostPattern = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/|$)/i;
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

function check(raw: string, options: UrlRuleOptions): UrlRuleResult {
  if (typeof raw !== 'string') return fail('invalid', reasons.invalid);
  const text = raw.trim();
  if (text === '') return fail('empty', reasons.empty);
  if (text.length > MAX_PHOTO_URL_LENGTH) return fail('too-long', reasons.tooLong(text.length));
  if (!schemePattern.test(text) || (bareHostPattern.test(text) && !text.includes('//'))) {
    if (bareHostPattern.test(text)) {
      return fail('scheme', reasons.noScheme(`https://${text.slice(0, 60)}`));
    }
    return fail('invalid', reasons.invalid);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('invalid', reasons.invalid);
  }
  if (url.href.length > MAX_PHOTO_URL_LENGTH) return fail('too-long', reasons.tooLong(url.href.length));
  if (url.protocol === 'http:') {
    if (!options.allowHttp) return fail('scheme', reasons.http);
  } else if (url.protocol === 'data:' || url.protocol === 'blob:') {
    return fail('scheme', reasons.dataUrl);
  } else if (url.protocol !== 'https:') {
    return fail('scheme', reasons.scheme(url.protocol));
  }
  if (url.username !== '' || url.password !== '') return fail('credentials', reasons.credentials);

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
export function checkPhotoUrlRules(raw: string, options: UrlRuleOptions = {}): UrlRuleResult {
  try {
    return check(raw, options);
  } catch {
    return fail('invalid', reasons.invalid);
  }
}
