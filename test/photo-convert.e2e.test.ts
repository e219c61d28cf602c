import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import {
  allowLoopbackPorts,
  startTlsServer,
  type TestServer,
  testResolver,
  tlsCert,
} from './fixtures/photo/helpers.js';
import { phonePhoto, solid } from './helpers/images.js';
import { formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// With hosting, a link that works but is not what iMessage should show (another format, not
// square, too large) is fetched through the vetted fetch, converted and hosted; a good one is kept.

const publicUrl = 'https://cards.example.test';
let app: TestApp;
let images: TestServer;

beforeAll(async () => {
  const files: Record<string, { type: string; bytes: Buffer }> = {
    '/photo.webp': { type: 'image/webp', bytes: await solid('webp', 600, 400) },
    '/wide.jpg': { type: 'image/jpeg', bytes: await phonePhoto(1600, 900) },
    '/square.jpg': { type: 'image/jpeg', bytes: await solid('jpeg', 300, 300) },
  };
  images = await startTlsServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.bytes.length) });
    res.end(file.bytes);
  });
  app = await startTestApp({
    env: { CONTACTCARD_PHOTO_CHECK: 'true', CONTACTCARD_PUBLIC_URL: publicUrl },
    photos: {
      ca: tlsCert,
      resolve: testResolver({ 'photos.test': ['127.0.0.1'] }),
      policy: allowLoopbackPorts(images.port),
    },
  });
});
afterAll(async () => {
  await app.stop();
  await images.close();
});

async function submitLink(path: string, reply: string): Promise<string | undefined> {
  const metadata = encodeMetadata({
    number: sampleNumber,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(reply),
  });
  const photoUrl = `https://photos.test:${images.port}${path}`;
  const before = app.sendblue.requests.length;
  const ack = await app.interact(
    viewSubmission({ id: `V${reply}`, private_metadata: metadata }, formValues({ ...sampleCard, photoUrl })),
  );
  expect(ack.status).toBe(200);
  await app.settle();
  const posted = app.sendblue.requests.slice(before).find((request) => request.method === 'POST');
  return (posted?.body as { photoUrl?: string } | undefined)?.photoUrl;
}

async function served(url: string) {
  const response = await fetch(`${app.url}${url.slice(publicUrl.length)}`);
  expect(response.status).toBe(200);
  return sharp(Buffer.from(await response.arrayBuffer())).metadata();
}

describe('links that are not quite right, with hosting', () => {
  it('a WebP link is converted to a square JPEG and hosted', async () => {
    const url = await submitLink('/photo.webp', 'webp');
    expect(url).toMatch(new RegExp(`^${publicUrl}/photos/[A-Za-z0-9_-]{24}\\.jpg$`));
    expect(await served(url ?? '')).toMatchObject({ format: 'jpeg', width: 400, height: 400 });
  });

  it('a far-from-square JPEG is cropped square and hosted', async () => {
    const url = await submitLink('/wide.jpg', 'wide');
    expect(url).toMatch(new RegExp(`^${publicUrl}/photos/`));
    const metadata = await served(url ?? '');
    expect(metadata).toMatchObject({ format: 'jpeg', width: 900, height: 900 });
    expect(metadata.exif).toBeUndefined();
  });

  it('a square JPEG of a fine size is passed on as it is', async () => {
    expect(await submitLink('/square.jpg', 'square')).toBe(`https://photos.test:${images.port}/square.jpg`);
  });

  it('a link that does not lead to an image is still refused, nothing sent', async () => {
    expect(await submitLink('/missing.webp', 'missing')).toBeUndefined();
  });
});
