import { LARGE_FILE_BYTES, type PhotoVerdict } from '../../adapters/photo/check.js';
import { MAX_SIDE_PX, processPhoto } from '../../adapters/photo/process.js';
import type { ProfileInput } from '../../domain/card/rules.js';
import type { Deps } from './ports.js';

export type LinkedPhoto =
  | { ok: true; card: ProfileInput; photoHosted: boolean }
  | { ok: false; problem: string };

/** A link that works but is not what iMessage should show: another format, oversized, far from square. */
export function needsConverting(verdict: PhotoVerdict): boolean {
  if (!verdict.ok) return verdict.convertible === true;
  if (!verdict.networkChecked || verdict.width === undefined || verdict.height === undefined) return false;
  return (
    verdict.width !== verdict.height ||
    Math.max(verdict.width, verdict.height) > MAX_SIDE_PX ||
    (verdict.declaredBytes ?? 0) > LARGE_FILE_BYTES
  );
}

/**
 * With hosting, such a link is fetched whole through the same vetted fetch, converted like an
 * upload and hosted, and the card carries the hosted URL. Without hosting, the link stays as given
 * (and the usual rules judge it).
 */
export async function convertLinkedPhoto(
  deps: Deps,
  card: ProfileInput,
  actorId: string,
): Promise<LinkedPhoto> {
  const host = deps.photoHost;
  if (host === undefined || host.idOf(card.photoUrl) !== undefined)
    return { ok: true, card, photoHosted: false };
  const verdict = await deps.photos.check(card.photoUrl);
  if (!needsConverting(verdict)) return { ok: true, card, photoHosted: false };
  const downloaded = await deps.photos.download(card.photoUrl);
  if (!downloaded.ok) return { ok: false, problem: downloaded.reason };
  const processed = await processPhoto(downloaded.bytes);
  if (!processed.ok) return { ok: false, problem: processed.reason };
  const hosted = await host.host(card.fromNumber, processed.jpeg, actorId);
  if (!hosted.ok) return { ok: false, problem: hosted.reason };
  return { ok: true, card: { ...card, photoUrl: hosted.url }, photoHosted: true };
}
