import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectOtherKind, readImageHeader, sniffImage } from '../src/adapters/photo/image-sniff.js';
import { app1, fixture, jpegHeader, pngBytes, pngHeader } from './fixtures/photo/helpers.js';

describe('sniffImage: real files made by ImageMagick (test/fixtures/photo)', () => {
  it.each([
    ['real-320x240.jpg', { format: 'jpeg', width: 320, height: 240 }],
    ['real-progressive-300x200.jpg', { format: 'jpeg', width: 300, height: 200 }],
    ['real-64x48.png', { format: 'png', width: 64, height: 48 }],
  ])('%s', (name, expected) => {
    expect(sniffImage(fixture(name))).toEqual(expected);
  });

  it.each([
    ['real-40x30.gif', 'gif'],
    ['real-40x30.webp', 'webp'],
  ])('%s is recognised as %s, not JPEG/PNG', (name, kind) => {
    expect(sniffImage(fixture(name))).toBeUndefined();
    expect(readImageHeader(fixture(name))).toEqual({ status: 'other', kind });
  });
});

describe('sniffImage: generated headers', () => {
  it('reads PNG IHDR', () => {
    expect(sniffImage(pngBytes(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
    expect(sniffImage(pngHeader(1, 70000))).toEqual({ format: 'png', width: 1, height: 70000 });
  });

  it('reads JPEG SOF0 after APP0, SOF2 (progressive), and skips APPn/DHT segments on the way', () => {
    expect(sniffImage(jpegHeader(800, 600))).toEqual({ format: 'jpeg', width: 800, height: 600 });
    expect(sniffImage(jpegHeader(300, 200, { sof: 0xc2 }))).toEqual({
      format: 'jpeg',
      width: 300,
      height: 200,
    });
    // A DHT (C4) segment looks like an SOF by number but is not one.
    const dht = Buffer.from([0xff, 0xc4, 0x00, 0x08, 9, 9, 9, 9, 9, 9]);
    const withDht = jpegHeader(1000, 10, { before: [app1(30000), dht] });
    expect(sniffImage(withDht)).toEqual({ format: 'jpeg', width: 1000, height: 10 });
  });

  it('skips 0xFF fill bytes before a marker', () => {
    const bytes = jpegHeader(123, 456);
    const padded = Buffer.concat([bytes.subarray(0, 2), Buffer.from([0xff, 0xff, 0xff]), bytes.subarray(2)]);
    expect(sniffImage(padded)).toEqual({ format: 'jpeg', width: 123, height: 456 });
  });

  it('believes the magic bytes, not the file name or the claim of anything else', () => {
    expect(sniffImage(Buffer.concat([jpegHeader(10, 20), Buffer.from('<html>')]))?.format).toBe('jpeg');
  });

  it('says "need more" for every cut-short prefix of a valid header, and never guesses a size', () => {
    for (const bytes of [pngBytes(50, 60), jpegHeader(70, 80, { before: [app1(100)] })]) {
      const full = sniffImage(bytes);
      expect(full).toBeDefined();
      // PNG: through IHDR's height. JPEG: the SOF segment (19 bytes) sits before EOI (2); its size fields
      // end 9 bytes into it.
      const headerEnd = full?.format === 'png' ? 24 : bytes.length - 2 - 19 + 9;
      for (let n = 0; n < headerEnd; n++) {
        const read = readImageHeader(bytes.subarray(0, n));
        expect(read.status, `prefix of ${n} bytes`).toBe('need-more');
      }
      expect(readImageHeader(bytes.subarray(0, headerEnd)).status).toBe('ok');
    }
  });

  it('calls a broken structure corrupt', () => {
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toEqual({
      status: 'corrupt',
      format: 'jpeg',
    });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toEqual({
      status: 'corrupt',
      format: 'jpeg',
    });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x12]))).toEqual({
      status: 'need-more',
      format: 'jpeg',
    });
    expect(
      readImageHeader(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([0x12, 0x34])])),
    ).toMatchObject({
      status: 'other',
    });
    expect(readImageHeader(jpegHeader(0, 100))).toEqual({ status: 'corrupt', format: 'jpeg' });
    const png = pngHeader(10, 10);
    png.write('IDAT', 12, 'latin1');
    expect(readImageHeader(png)).toEqual({ status: 'corrupt', format: 'png' });
    expect(readImageHeader(pngHeader(0, 10))).toEqual({ status: 'corrupt', format: 'png' });
  });
});

describe('detectOtherKind', () => {
  it.each([
    ['GIF89a....', 'gif'],
    ['RIFF\0\0\0\0WEBPVP8 ', 'webp'],
    ['\0\0\0\x18ftypheic\0\0\0\0', 'heic'],
    ['\0\0\0\x1cftypavif\0\0\0\0', 'avif'],
    ['%PDF-1.7\n', 'pdf'],
    ['\ufeff  <!DOCTYPE html><html>', 'html'],
    ['\n\n<html><body>Sign in</body></html>', 'html'],
    ['<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">', 'svg'],
    ['{"error":"not found"}', undefined],
    ['', undefined],
  ])('%j → %s', (text, kind) => {
    expect(detectOtherKind(Buffer.from(text, text.startsWith('\ufeff') ? 'utf8' : 'latin1'))).toBe(kind);
  });
});

describe('properties', () => {
  it('never throws on arbitrary bytes', () => {
    const prefixed = fc
      .tuple(
        fc.constantFrom(
          Buffer.alloc(0),
          Buffer.from([0xff, 0xd8, 0xff]),
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        ),
        fc.uint8Array({ maxLength: 600 }),
      )
      .map(([head, tail]) => Buffer.concat([head, tail]));
    fc.assert(
      fc.property(prefixed, (bytes) => {
        const read = readImageHeader(bytes);
        expect(['ok', 'need-more', 'corrupt', 'other']).toContain(read.status);
        if (read.status === 'ok') {
          expect(read.info.width).toBeGreaterThan(0);
          expect(read.info.height).toBeGreaterThan(0);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reads back any size written into a PNG or JPEG header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.constantFrom(0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf),
        fc.integer({ min: 0, max: 3000 }),
        (width, height, sof, exif) => {
          expect(sniffImage(pngHeader(width, height))).toEqual({ format: 'png', width, height });
          expect(sniffImage(jpegHeader(width, height, { sof, before: [app1(exif)] }))).toEqual({
            format: 'jpeg',
            width,
            height,
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
