import type { IncomingMessage } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { listenOnLoopback } from './helpers/http.js';
import { phonePhoto } from './helpers/images.js';
import { formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// Uploads through the real app: the fake Slack holds the file (served only with the bot token),
// the app processes and hosts it, Sendblue is given the app's own URL, and the app serves the bytes.

const publicUrl = 'https://cards.example.test';
let app: TestApp;
let foreign: { url: string; hits: string[]; close: () => Promise<void> };

beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_PUBLIC_URL: publicUrl } });
  const hits: string[] = [];
  const server = await listenOnLoopback((req: IncomingMessage, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('not for you');
  });
  foreign = { url: server.url, hits, close: server.close };
});
afterAll(async () => {
  await app.stop();
  await foreign.close();
});

function submitUpload(reply: string, file: Record<string, unknown>, photoUrl: string | null = null) {
  const metadata = encodeMetadata({
    number: sampleNumber,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(reply),
  });
  const values = {
    ...formValues({ ...sampleCard, photoUrl }),
    [ids.upload.block]: { [ids.upload.input]: { type: 'file_input', files: [file] } },
  };
  return app.interact(viewSubmission({ id: `V${reply}`, private_metadata: metadata }, values));
}

const postedPhotos = () =>
  app.sendblue.requests
    .filter((request) => request.method === 'POST')
    .map((request) => (request.body as { photoUrl?: string }).photoUrl ?? '');

const photoPath = (url: string) => url.slice(publicUrl.length);

describe('uploading a photo in the editor', () => {
  it('offers the upload beside the link when hosting is on', async () => {
    await app.command(`set ${sampleNumber}`);
    await app.settle();
    const views = app.slack.calls.filter(
      (call) => call.method === 'views.update' || call.method === 'views.open',
    );
    const form = JSON.stringify(views.at(-1)?.args.view);
    expect(form).toContain('"type":"file_input"');
    expect(form).toContain('either one is enough');
  });

  it('acks at once, then Sendblue gets the app’s own URL, and the app serves a square JPEG without metadata', async () => {
    const file = app.slack.addFile('F0PHOTO', await phonePhoto(), 'IMG_0042.jpg');
    const before = postedPhotos().length;
    const started = Date.now();
    const ack = await submitUpload('up1', file);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('square JPEG');
    await app.settle();

    const [url] = postedPhotos().slice(before);
    expect(url).toMatch(new RegExp(`^${publicUrl}/photos/[A-Za-z0-9_-]{24}\\.jpg$`));
    const id = photoPath(url ?? '')
      .replace('/photos/', '')
      .replace('.jpg', '');
    // Not derived from the file's id, name or content.
    for (const hint of ['F0PHOTO', 'IMG', '0042']) expect(id).not.toContain(hint);
    expect(app.slack.fileDownloads).toContainEqual({ id: 'F0PHOTO', authorized: true });

    const served = await fetch(`${app.url}${photoPath(url ?? '')}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toContain('immutable');
    const etag = served.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const bytes = Buffer.from(await served.arrayBuffer());
    const metadata = await sharp(bytes).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 1024, height: 1024 });
    expect(metadata.exif).toBeUndefined();
    expect(bytes.includes('PhoneCam')).toBe(false);

    const head = await fetch(`${app.url}${photoPath(url ?? '')}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const cached = await fetch(`${app.url}${photoPath(url ?? '')}`, {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(cached.status).toBe(304);

    // The channel is told, with the hosted photo.
    const told = app.slack.responsePosts.find(
      (post) => post.path === '/response/up1' && post.body.response_type === 'in_channel',
    );
    expect(JSON.stringify(told?.body)).toContain(url);
  });

  it('gives the same image a new id each time', async () => {
    const image = await phonePhoto(600, 400);
    const before = postedPhotos().length;
    await submitUpload('same1', app.slack.addFile('F0SAME1', image));
    await app.settle();
    await submitUpload('same2', app.slack.addFile('F0SAME2', image));
    await app.settle();
    const [first, second] = postedPhotos().slice(before);
    expect(first).toBeDefined();
    expect(first).not.toBe(second);
  });

  it('serves nothing else: unknown ids, odd names and the folder itself are 404', async () => {
    for (const path of [
      '/photos/AAAAAAAAAAAAAAAAAAAAAAAA.jpg',
      '/photos/%2e%2e%2fhealthz.jpg',
      '/photos/x.png',
      '/photos/',
      '/photos',
    ]) {
      expect((await fetch(`${app.url}${path}`)).status, path).toBe(404);
    }
  });

  it('asks files.info for a file object without a download URL', async () => {
    const file = app.slack.addFile('F0INFO', await phonePhoto(500, 500));
    const { url_private: _private, url_private_download: _download, ...bare } = file;
    const before = postedPhotos().length;
    await submitUpload('info', bare);
    await app.settle();
    expect(app.slack.callsTo('files.info').map((call) => call.args.file)).toContain('F0INFO');
    expect(postedPhotos().length).toBe(before + 1);
  });

  it('refuses a file object whose download URL is on another host, never contacting it', async () => {
    const file = {
      ...app.slack.addFile('F0EVIL', await phonePhoto(500, 500)),
      url_private_download: `${foreign.url}/steal.jpg`,
    };
    const before = postedPhotos().length;
    await submitUpload('evil', file);
    await app.settle();
    expect(foreign.hits).toEqual([]);
    expect(postedPhotos().length).toBe(before);
    const modal = JSON.stringify(app.slack.callsTo('views.update').at(-1)?.args.view);
    expect(modal).toContain('Not saved: the photo cannot be used');
    expect(modal).toContain('Slack’s file host');
  });

  it('refuses a file that is not an image, in the modal and privately, sending nothing', async () => {
    const file = app.slack.addFile('F0TEXT', Buffer.from('just some words\n'.repeat(40)), 'notes.jpg');
    const before = postedPhotos().length;
    await submitUpload('text', file);
    await app.settle();
    expect(postedPhotos().length).toBe(before);
    const modal = JSON.stringify(app.slack.callsTo('views.update').at(-1)?.args.view);
    expect(modal).toContain('not an image contactcard can read');
    const told = app.slack.responsePosts.filter((post) => post.path === '/response/text');
    expect(JSON.stringify(told)).toContain('Try again');
  });

  it('refuses a file over 10 MB without downloading it, and one whose download turns out larger', async () => {
    const big = app.slack.addFile('F0BIG', Buffer.alloc(11 * 1024 * 1024, 7), 'big.jpg');
    const before = postedPhotos().length;
    await submitUpload('big', big);
    await app.settle();
    expect(app.slack.fileDownloads.filter((download) => download.id === 'F0BIG')).toEqual([]);
    // A file object that under-states its size is stopped while downloading.
    await submitUpload('liar', { ...big, size: 1_000 });
    await app.settle();
    expect(postedPhotos().length).toBe(before);
    for (const reply of ['big', 'liar']) {
      const told = JSON.stringify(
        app.slack.responsePosts.filter((post) => post.path === `/response/${reply}`),
      );
      expect(told).toContain('larger than 10 MB');
    }
  });

  it('shows the processed photo in the modal once the card is submitted', async () => {
    await submitUpload('shown', app.slack.addFile('F0SHOWN', await phonePhoto(500, 500)));
    await app.settle();
    const modal = app.slack.callsTo('views.update').at(-1)?.args.view as {
      blocks: Array<Record<string, unknown>>;
    };
    const image = modal.blocks.find((block) => block.type === 'image');
    expect(String(image?.image_url)).toMatch(new RegExp(`^${publicUrl}/photos/`));
  });

  it('uses the link when both a link and a file are given', async () => {
    const file = app.slack.addFile('F0BOTH', await phonePhoto(500, 500));
    const before = postedPhotos().length;
    await submitUpload('both', file, 'https://example.com/team/both.jpg');
    await app.settle();
    expect(postedPhotos().slice(before)).toEqual(['https://example.com/team/both.jpg']);
  });
});

describe('without CONTACTCARD_PUBLIC_URL', () => {
  let plain: TestApp;
  beforeAll(async () => {
    plain = await startTestApp();
  });
  afterAll(() => plain.stop());

  it('shows no upload input, and serves no photos', async () => {
    await plain.command(`set ${sampleNumber}`);
    await plain.settle();
    const views = plain.slack.calls.filter(
      (call) => call.method === 'views.update' || call.method === 'views.open',
    );
    expect(JSON.stringify(views.map((call) => call.args.view))).not.toContain('file_input');
    expect((await fetch(`${plain.url}/photos/AAAAAAAAAAAAAAAAAAAAAAAA.jpg`)).status).toBe(404);
  });
});
