import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_SIDE_PX, processPhoto, reasons } from '../src/adapters/photo/process.js';
import { animatedGif, edgeColours, phonePhoto, pixelBomb, solid } from './helpers/images.js';

const ok = async (input: Buffer) => {
  const result = await processPhoto(input);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result;
};

describe('processPhoto', () => {
  it('a 4000×3000 phone JPEG with orientation 6 and GPS comes out upright, square, 1024 px, with no metadata at all', async () => {
    const input = await phonePhoto();
    const before = await sharp(input).metadata();
    expect(before).toMatchObject({ width: 4000, height: 3000, orientation: 6 });
    expect(before.exif?.includes('PhoneCam')).toBe(true);

    const result = await ok(input);
    const after = await sharp(result.jpeg).metadata();
    expect(after).toMatchObject({ format: 'jpeg', width: MAX_SIDE_PX, height: MAX_SIDE_PX });
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    for (const trace of ['PhoneCam', 'Serial-SN123456', 'Exif', 'GPS'])
      expect(result.jpeg.includes(trace)).toBe(false);
    // Orientation 6 turns it 90° clockwise: the left (red) half of the stored pixels ends up on top.
    const { data, info } = await sharp(result.jpeg).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    const top = pixel(info.width / 2, 5);
    const bottom = pixel(info.width / 2, info.height - 5);
    expect(top[0]).toBeGreaterThan(150); // red on top
    expect(bottom[2]).toBeGreaterThan(150); // blue at the bottom
  });

  it('never enlarges: a 300×200 PNG becomes a 200×200 JPEG', async () => {
    const result = await ok(await solid('png', 300, 200));
    expect(await sharp(result.jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 200, height: 200 });
  });

  it('flattens a transparent PNG onto white', async () => {
    const result = await ok(await solid('png', 100, 100, true));
    const { left } = await edgeColours(result.jpeg);
    // 30 % green over white.
    expect(left[0]).toBeGreaterThan(150);
    expect(left[1]).toBeGreaterThan(150);
  });

  it.each([
    ['WebP', () => solid('webp')],
    ['AVIF', () => solid('avif')],
    ['TIFF', () => solid('tiff')],
  ])('accepts %s', async (source, make) => {
    const result = await ok(await make());
    expect(result.source).toBe(source);
    expect((await sharp(result.jpeg).metadata()).format).toBe('jpeg');
  });

  it('takes the first frame of an animated GIF', async () => {
    const result = await ok(await animatedGif());
    const metadata = await sharp(result.jpeg).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 120, height: 120 });
    expect(metadata.pages).toBeUndefined();
    const { left } = await edgeColours(result.jpeg);
    expect(left[1]).toBeGreaterThan(120);
    expect(left[0]).toBeLessThan(60);
  });

  it('refuses a text file named .jpg, a truncated JPEG, a pixel bomb and an 11 MB file, each with a plain reason', async () => {
    expect(await processPhoto(Buffer.from('hello, this is not a photo\n'.repeat(20)))).toEqual({
      ok: false,
      reason: reasons.notImage,
    });
    const jpeg = await phonePhoto(800, 600);
    expect(await processPhoto(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toEqual({
      ok: false,
      reason: reasons.damaged,
    });
    const bomb = await processPhoto(await pixelBomb());
    expect(bomb).toEqual({ ok: false, reason: reasons.tooManyPixels(30_000, 30_000) });
    expect(await processPhoto(Buffer.alloc(11 * 1024 * 1024))).toEqual({
      ok: false,
      reason: reasons.tooLarge(11 * 1024 * 1024),
    });
  });

  it('refuses a HEIC photo it cannot decode, saying how to export it as JPEG', async () => {
    const ftyp = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    ]);
    const heic = Buffer.concat([ftyp, Buffer.alloc(200)]);
    expect(await processPhoto(heic)).toEqual({ ok: false, reason: reasons.heic });
    expect(reasons.heic).toMatch(/Export it as JPEG/);
  });

  it('refuses SVG (not a photo, and not something to render on a server)', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect(await processPhoto(svg)).toEqual({ ok: false, reason: reasons.unsupported('svg') });
  });

  it('processes at most two at once, and all of them', async () => {
    const inputs = await Promise.all(Array.from({ length: 5 }, () => solid('png', 600, 600)));
    const results = await Promise.all(inputs.map(processPhoto));
    expect(results.every((result) => result.ok)).toBe(true);
  });
});
