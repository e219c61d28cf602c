import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../src/adapters/photo/address-policy.js';
import { checkPhotoUrlRules, type UrlRuleCode } from '../src/adapters/photo/url-rules.js';
import { MAX_PHOTO_URL_LENGTH } from '../src/domain/card/rules.js';

function refusal(raw: string) {
  const result = checkPhotoUrlRules(raw);
  if (result.ok) throw new Error(`expected ${raw} to be refused, got ${result.url.href}`);
  return result;
}

describe('checkPhotoUrlRules: accepted links', () => {
  it.each([
    ['https://example.com/photo.jpg', 'https://example.com/photo.jpg'],
    ['  https://cdn.example.org/a/b.png?v=2  ', 'https://cdn.example.org/a/b.png?v=2'],
    ['HTTPS://Example.COM/Photo.JPG', 'https://example.com/Photo.JPG'],
    ['https://example.com:8443/p.jpg', 'https://example.com:8443/p.jpg'],
    ['https://8.8.8.8/p.jpg', 'https://8.8.8.8/p.jpg'],
    ['https://[2606:4700::1111]/p.jpg', 'https://[2606:4700::1111]/p.jpg'],
    [
      'https://avatars.slack-edge.com/2024/photo_512.jpg',
      'https://avatars.slack-edge.com/2024/photo_512.jpg',
    ],
    ['https://drive.google.com/uc?export=view&id=abc', 'https://drive.google.com/uc?export=view&id=abc'],
    [
      'https://www.dropbox.com/scl/fi/abc/photo.jpg?rlkey=x&raw=1',
      'https://www.dropbox.com/scl/fi/abc/photo.jpg?rlkey=x&raw=1',
    ],
    ['https://www.dropbox.com/s/abc/photo.jpg?dl=1', 'https://www.dropbox.com/s/abc/photo.jpg?dl=1'],
  ])('%s', (raw, href) => {
    const result = checkPhotoUrlRules(raw);
    expect(result.ok && result.url.href).toBe(href);
  });

  it('accepts a link of exactly 2048 characters', () => {
    const base = 'https://example.com/';
    const raw = `${base}${'a'.repeat(MAX_PHOTO_URL_LENGTH - base.length)}`;
    expect(raw).toHaveLength(2048);
    expect(checkPhotoUrlRules(raw).ok).toBe(true);
  });
});

describe('checkPhotoUrlRules: refused links', () => {
  const cases: Array<[string, UrlRuleCode, RegExp]> = [
    ['', 'empty', /Enter the photo's link/],
    ['   ', 'empty', /Enter the photo's link/],
    [
      'http://example.com/photo.jpg',
      'scheme',
      /https:\/\/ link: Sendblue fetches the photo from the public internet/,
    ],
    ['ftp://example.com/photo.jpg', 'scheme', /links starting with ftp:\/\/ cannot be fetched/],
    ['file:///etc/passwd', 'scheme', /https:\/\//],
    ['javascript:alert(1)', 'scheme', /https:\/\//],
    ['data:image/png;base64,iVBORw0KGgo=', 'scheme', /not the image itself/],
    [
      'example.com/photo.jpg',
      'scheme',
      /Start the link with https:\/\/ \(for example https:\/\/example\.com\/photo\.jpg\)/,
    ],
    ['www.example.com', 'scheme', /Start the link with https:\/\//],
    ['not a link', 'invalid', /not a valid link/],
    ['https://', 'invalid', /not a valid link/],
    ['https://exa mple.com/p.jpg', 'invalid', /not a valid link/],
    ['https://user:secret@example.com/p.jpg', 'credentials', /user name and password/],
    ['https://user@example.com/p.jpg', 'credentials', /user name and password/],
    [
      'https://127.0.0.1/p.jpg',
      'private-address',
      /private or internal address \(loopback address 127\.0\.0\.1\)/,
    ],
    ['https://2130706433/p.jpg', 'private-address', /loopback address 127\.0\.0\.1/],
    ['https://0x7f.1/p.jpg', 'private-address', /loopback address 127\.0\.0\.1/],
    ['https://10.1.2.3/p.jpg', 'private-address', /private network address 10\.1\.2\.3/],
    ['https://169.254.169.254/latest/meta-data/', 'private-address', /link-local/],
    ['https://[::1]/p.jpg', 'private-address', /loopback address ::1/],
    ['https://[::ffff:127.0.0.1]/p.jpg', 'private-address', /loopback address 127\.0\.0\.1/],
    ['https://[fd00::1]/p.jpg', 'private-address', /unique local/],
    ['https://localhost/p.jpg', 'private-address', /private or internal address \(localhost\)/],
    ['https://LOCALHOST./p.jpg', 'private-address', /localhost/],
    ['https://api.localhost/p.jpg', 'private-address', /api\.localhost/],
    ['https://intranet/p.jpg', 'internal-host', /"intranet" is not on the public internet/],
    ['https://printer.local/p.jpg', 'internal-host', /not on the public internet/],
    ['https://wiki.corp.internal/p.jpg', 'internal-host', /not on the public internet/],
    [
      'https://files.slack.com/files-pri/T1-F1/photo.jpg',
      'slack-file',
      /Slack file links need a Slack login/,
    ],
    [
      'https://files-origin.slack.com/files-pri/T1-F1/photo.jpg',
      'slack-file',
      /Host the image somewhere public/,
    ],
    ['https://files-edge.slack.com/x.jpg', 'slack-file', /Slack login/],
    ['https://slack-files.com/T1-F1-abc', 'slack-file', /Slack login/],
    ['https://acme.slack-files.com/x.jpg', 'slack-file', /Slack login/],
    ['https://acme.slack.com/files/U1/F1/photo.jpg', 'slack-file', /Slack login/],
    [
      'https://drive.google.com/file/d/1AbC/view?usp=sharing',
      'share-page',
      /Google Drive share links open a web page/,
    ],
    ['https://drive.google.com/open?id=1AbC', 'share-page', /Google Drive/],
    ['https://photos.app.goo.gl/abc', 'share-page', /Google Photos/],
    ['https://www.dropbox.com/s/abc/photo.jpg?dl=0', 'share-page', /change dl=0 to raw=1/],
    ['https://www.dropbox.com/scl/fi/abc/photo.jpg?rlkey=x&dl=0', 'share-page', /raw=1/],
  ];

  it.each(cases)('%j is refused (%s)', (raw, code, reason) => {
    const result = refusal(raw);
    expect(result.code).toBe(code);
    expect(result.reason).toMatch(reason);
  });

  it('refuses a link longer than 2048 characters, saying how long it is', () => {
    const raw = `https://example.com/${'a'.repeat(2100)}`;
    expect(refusal(raw)).toEqual({
      ok: false,
      code: 'too-long',
      reason: `This link is ${raw.length} characters long; use a link of at most 2048 characters.`,
    });
  });

  it('refuses a link that percent-encoding pushes over 2048 characters', () => {
    const raw = `https://example.com/${'é'.repeat(1000)}`;
    expect(raw.length).toBeLessThan(2048);
    expect(refusal(raw).code).toBe('too-long');
  });

  it('accepts http only when allowed (tests against local servers)', () => {
    const policy = () => ({ allowed: true });
    expect(checkPhotoUrlRules('http://127.0.0.1:8080/p.png', { allowHttp: true, policy }).ok).toBe(true);
    expect(checkPhotoUrlRules('http://127.0.0.1:8080/p.png', { allowHttp: true }).ok).toBe(false);
  });

  it('hands IP literals to the injected policy with the port', () => {
    const seen: unknown[] = [];
    checkPhotoUrlRules('https://[::1]:8443/p.png', {
      policy: (ip, family, target) => {
        seen.push([ip, family, target]);
        return { allowed: true };
      },
    });
    expect(seen).toEqual([['::1', 6, { hostname: '::1', port: 8443 }]]);
  });

  it('reasons are whole sentences that fit a Slack input error', () => {
    for (const [raw] of cases) {
      const { reason } = refusal(raw);
      expect(reason).toMatch(/^[A-Z].*\.$/s);
      expect(reason.length).toBeLessThan(220);
    }
  });
});

describe('checkPhotoUrlRules: properties', () => {
  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme', maxLength: 3000 }),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.webUrl().map((url) => url.replace(/^https?/, 'https')),
    fc
      .tuple(fc.constantFrom('https://', 'http://', 'https://[', 'https://user@', ''), fc.string())
      .map(([prefix, rest]) => prefix + rest),
  );

  it('never throws on arbitrary strings, and always answers ok or a reason', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const result = checkPhotoUrlRules(raw);
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on non-string input from untyped callers', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(checkPhotoUrlRules(value as unknown as string).ok).toBe(false);
    }
  });

  it('whatever it accepts is https, without credentials, at most 2048 characters, not a private IP', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const result = checkPhotoUrlRules(raw);
        if (!result.ok) return;
        expect(result.url.protocol).toBe('https:');
        expect(result.url.username + result.url.password).toBe('');
        expect(result.url.href.length).toBeLessThanOrEqual(MAX_PHOTO_URL_LENGTH);
        const host = result.url.hostname.replace(/^\[|\]$/g, '');
        if (isIP(host)) expect(isForbiddenAddress(host)).toBe(false);
        expect(host).not.toMatch(/(^|\.)localhost\.?$/);
      }),
      { numRuns: 3000 },
    );
  });
});
