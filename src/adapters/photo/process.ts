import type { Metadata } from 'sharp';

/**
 * Turns whatever image a person has into the one iMessage should show: upright (EXIF
 * orientation applied), square (cropped where the attention strategy finds the subject), at most
 * 1024 px a side and never enlarged, a JPEG with every piece of metadata removed (the file becomes
 * public). Decoding is bounded in pixels and in how many run at once.
 */

export const MAX_SIDE_PX = 1024;
/** About 50 megapixels: any real photo, never a decompression bomb's billions. */
export const MAX_INPUT_PIXELS = 50_000_000;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
// libvips decodes on libuv's thread pool (4 threads): two at once leave room for the rest.
const maxConcurrent = 2;

export type ProcessedPhoto = { ok: true; jpeg: Buffer; width: number; height: number; source: string };
export type ProcessingRefusal = { ok: false; reason: string };

const readable: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  heif: 'AVIF',
};

export const reasons = {
  tooLarge: (bytes: number) =>
    `The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; use an image of at most 10 MB.`,
  notImage: 'This file is not an image contactcard can read. Use a JPEG, PNG, WebP, GIF, AVIF or TIFF photo.',
  unsupported: (format: string) =>
    `${format.toUpperCase()} files cannot be used. Use a JPEG, PNG, WebP, GIF, AVIF or TIFF photo.`,
  heic: 'This HEIC photo cannot be read here. Export it as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible, or share it as JPEG) and upload that.',
  tooManyPixels: (width: number, height: number) =>
    `The image is ${width}×${height} pixels; use one of at most ${Math.round(MAX_INPUT_PIXELS / 1_000_000)} megapixels.`,
  damaged: 'The image is damaged or cut short. Save or download it again, then upload the new file.',
} as const;

// An ISO-BMFF file whose brand is one of HEIF's HEVC ones: what iPhones save by default.
const heicBrands = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
function isHeic(input: Buffer): boolean {
  return input.toString('latin1', 4, 8) === 'ftyp' && heicBrands.has(input.toString('latin1', 8, 12));
}

// libvips is start-up time an app that never sees a photo does not need: loaded on first use.
let library: Promise<typeof import('sharp')> | undefined;
async function loadSharp() {
  library ??= import('sharp');
  return (await library).default;
}

let running = 0;
const queue: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxConcurrent) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** Never throws: a refusal carries a sentence for the person who gave the image. */
export function processPhoto(input: Buffer): Promise<ProcessedPhoto | ProcessingRefusal> {
  if (input.length > MAX_UPLOAD_BYTES)
    return Promise.resolve({ ok: false, reason: reasons.tooLarge(input.length) });
  return inTurn(() => convert(input));
}

async function convert(input: Buffer): Promise<ProcessedPhoto | ProcessingRefusal> {
  const sharp = await loadSharp();
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated', autoOrient: true } as const;
  let metadata: Metadata;
  try {
    // The header only: the pixel limit is checked below, with the sizes it declares.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch {
    return { ok: false, reason: isHeic(input) ? reasons.heic : reasons.notImage };
  }
  const format = metadata.format ?? 'unknown';
  if (format === 'heif' && metadata.compression !== 'av1') return { ok: false, reason: reasons.heic };
  const source = readable[format];
  if (source === undefined) return { ok: false, reason: reasons.unsupported(format) };
  const { width = 0, height = 0 } = metadata;
  if (width * height > MAX_INPUT_PIXELS) return { ok: false, reason: reasons.tooManyPixels(width, height) };
  const side = Math.min(MAX_SIDE_PX, width, height);
  try {
    // Only the first frame of an animation; a transparent background becomes white, as iMessage shows it.
    const { data, info } = await sharp(input, options)
      .resize(side, side, { fit: 'cover', position: sharp.strategy.attention, withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 86, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    return {
      ok: true,
      jpeg: data,
      width: info.width,
      height: info.height,
      source: format === 'heif' ? 'AVIF' : source,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/pixel limit/i.test(message)) return { ok: false, reason: reasons.tooManyPixels(width, height) };
    return { ok: false, reason: reasons.damaged };
  }
}
