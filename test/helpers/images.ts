import sharp from 'sharp';

/** Real image bytes made with sharp, for the photo tests: nothing is read from disk or the network. */

/** A photo as a phone takes it: landscape pixels, EXIF orientation 6 (shown upright when turned 90°), camera and GPS tags. */
export function phonePhoto(width = 4000, height = 3000): Promise<Buffer> {
  // Left half red, right half blue, so that the rotation can be seen in the output.
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#d22' } })
    .composite([
      {
        input: { create: { width: width - half, height, channels: 3, background: '#22d' } },
        left: half,
        top: 0,
      },
    ])
    .jpeg({ quality: 80 })
    .withExif({
      IFD0: { Make: 'PhoneCam', Model: 'Serial-SN123456', Copyright: 'Jane' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function solid(
  format: 'png' | 'webp' | 'avif' | 'tiff' | 'jpeg',
  width = 300,
  height = 200,
  alpha = false,
) {
  const image = sharp({
    create: {
      width,
      height,
      channels: alpha ? 4 : 3,
      background: alpha ? { r: 0, g: 128, b: 0, alpha: 0.3 } : '#080',
    },
  });
  return image.toFormat(format).toBuffer();
}

/** A two-frame animated GIF: green, then red. */
export function animatedGif(): Promise<Buffer> {
  const frame = (colour: string) =>
    sharp({ create: { width: 120, height: 120, channels: 3, background: colour } })
      .raw()
      .toBuffer();
  return Promise.all([frame('#0a0'), frame('#a00')]).then((frames) =>
    sharp(Buffer.concat(frames), { raw: { width: 120, height: 240, channels: 3, pageHeight: 120 } })
      .gif({ loop: 0, delay: [100, 100] })
      .toBuffer(),
  );
}

/** A PNG whose header claims 30000×30000 pixels: a decompression bomb as far as the header goes. */
export async function pixelBomb(): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  const bomb = Buffer.from(png);
  // IHDR width and height live at bytes 16..23 of a PNG.
  bomb.writeUInt32BE(30_000, 16);
  bomb.writeUInt32BE(30_000, 20);
  return bomb;
}

/** The colour at the centre of the left and right edges of an image. */
export async function edgeColours(image: Buffer): Promise<{ left: number[]; right: number[] }> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
  ];
  const y = Math.floor(info.height / 2);
  return { left: at(2, y), right: at(info.width - 3, y) };
}
