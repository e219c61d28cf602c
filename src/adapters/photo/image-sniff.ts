/**
 * Tells JPEG and PNG apart by their magic bytes, whatever the Content-Type says, and reads the pixel size
 * from the header: PNG's IHDR chunk, or a JPEG SOFn marker found by walking the segments. Pure.
 */

export type ImageFormat = 'jpeg' | 'png';

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Formats we recognise only to say why they are refused. */
export type OtherKind = 'gif' | 'webp' | 'heic' | 'avif' | 'bmp' | 'tiff' | 'ico' | 'svg' | 'pdf' | 'html';

export type HeaderRead =
  | { status: 'ok'; info: ImageInfo }
  /** The bytes so far are the start of a JPEG/PNG (or too few to tell), but the size is not in them yet. */
  | { status: 'need-more'; format?: ImageFormat }
  /** JPEG/PNG magic, but the structure after it is broken. */
  | { status: 'corrupt'; format: ImageFormat }
  | { status: 'other'; kind?: OtherKind };

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const jpegSignature = [0xff, 0xd8, 0xff];

/** 0: no match; 1: the bytes are a (possibly empty) prefix of the signature; 2: full match. */
function matchSignature(bytes: Uint8Array, signature: readonly number[]): 0 | 1 | 2 {
  const n = Math.min(bytes.length, signature.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== signature[i]) return 0;
  return bytes.length >= signature.length ? 2 : 1;
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function u32(bytes: Uint8Array, at: number): number {
  return u16(bytes, at) * 0x10000 + u16(bytes, at + 2);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let text = '';
  for (let i = from; i < Math.min(to, bytes.length); i++) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}

function readPng(bytes: Uint8Array): HeaderRead {
  // Signature (8), then the first chunk must be IHDR: length (4) "IHDR" (4) width (4) height (4).
  if (bytes.length < 24) return { status: 'need-more', format: 'png' };
  if (ascii(bytes, 12, 16) !== 'IHDR' || u32(bytes, 8) !== 13) return { status: 'corrupt', format: 'png' };
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    return { status: 'corrupt', format: 'png' };
  }
  return { status: 'ok', info: { format: 'png', width, height } };
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpeg(bytes: Uint8Array): HeaderRead {
  const more = { status: 'need-more', format: 'jpeg' } as const;
  const corrupt = { status: 'corrupt', format: 'jpeg' } as const;
  let at = 2; // after SOI
  for (;;) {
    if (at >= bytes.length) return more;
    if (bytes[at] !== 0xff) return corrupt;
    while (at < bytes.length && bytes[at] === 0xff) at++; // fill bytes
    if (at >= bytes.length) return more;
    const marker = bytes[at] ?? 0;
    at++;
    // Stand-alone markers carry no length.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    // End of image, start of scan or a stuffed zero before any frame header: no size to be found.
    if (marker === 0xd9 || marker === 0xda || marker === 0x00) return corrupt;
    if (at + 2 > bytes.length) return more;
    const length = u16(bytes, at);
    if (length < 2) return corrupt;
    if (isStartOfFrame(marker)) {
      // length (2), precision (1), height (2), width (2)
      if (length < 7) return corrupt;
      if (at + 7 > bytes.length) return more;
      const height = u16(bytes, at + 3);
      const width = u16(bytes, at + 5);
      // Height 0 means "given later in a DNL marker": rare, and Sendblue's decoder may not cope either.
      if (width === 0 || height === 0) return corrupt;
      return { status: 'ok', info: { format: 'jpeg', width, height } };
    }
    at += length;
  }
}

/** Recognises the common formats that are not JPEG/PNG, for a precise refusal. */
export function detectOtherKind(bytes: Uint8Array): OtherKind | undefined {
  const head = ascii(bytes, 0, 16);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  if (head.slice(4, 8) === 'ftyp') {
    const brand = head.slice(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  if (head.startsWith('%PDF')) return 'pdf';
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return 'tiff';
  if (head.startsWith('\0\0\x01\0')) return 'ico';
  if (head.startsWith('BM') && bytes.length >= 14) return 'bmp';
  // Text: skip a UTF-8 byte order mark and white space, then look at the first tag.
  const text = ascii(bytes, 0, 1024)
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<')) {
    if (text.includes('<svg')) return 'svg';
    return 'html';
  }
  return undefined;
}

/** Reads as much of the image header as `bytes` allows; tells the caller whether more bytes could help. */
export function readImageHeader(bytes: Uint8Array): HeaderRead {
  const png = matchSignature(bytes, pngSignature);
  if (png === 2) return readPng(bytes);
  const jpeg = matchSignature(bytes, jpegSignature);
  if (jpeg === 2) return readJpeg(bytes);
  if (bytes.length === 0) return { status: 'need-more' };
  if (png === 1) return { status: 'need-more', format: 'png' };
  if (jpeg === 1) return { status: 'need-more', format: 'jpeg' };
  const kind = detectOtherKind(bytes);
  return kind ? { status: 'other', kind } : { status: 'other' };
}

/** JPEG or PNG with its pixel size, by magic bytes; `undefined` for anything else or a header cut short. */
export function sniffImage(bytes: Uint8Array): ImageInfo | undefined {
  const read = readImageHeader(bytes);
  return read.status === 'ok' ? read.info : undefined;
}
