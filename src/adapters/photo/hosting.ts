import { createHash, randomBytes } from 'node:crypto';
import type { Log } from '../../runtime/logger.js';
import type { HostedPhoto, Store } from '../store/types.js';

/** What one number may keep: enough for its history to be restorable, never an open-ended disk. */
export const MAX_PHOTOS_PER_NUMBER = 20;
export const MAX_PHOTO_BYTES_PER_NUMBER = 20 * 1024 * 1024;
/** How many of a number's latest changes keep their photos (the ones history shows, and restores). */
export const RESTORABLE_CHANGES = 10;
// A photo just hosted for a form still being filled in is referenced by nothing yet.
const minAgeMs = 60 * 60_000;
const cleanupEveryMs = 60 * 60_000;

const idPattern = /^[A-Za-z0-9_-]{24}$/;

export type Hosted = { ok: true; id: string; url: string } | { ok: false; reason: string };

/**
 * Photos the app processed and serves itself at `${publicUrl}/photos/<id>.jpg`, kept in the store
 * so every replica can serve them. Ids are random (144 bits), never derived from the file.
 */
export class PhotoHost {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    readonly publicUrl: string,
    private readonly log: Log,
    private readonly now: () => Date = () => new Date(),
  ) {}

  urlFor(id: string): string {
    return `${this.publicUrl}/photos/${id}.jpg`;
  }

  /** The id of one of our own photo URLs, or undefined for any other link. */
  idOf(url: string | null | undefined): string | undefined {
    const prefix = `${this.publicUrl}/photos/`;
    if (!url?.startsWith(prefix) || !url.endsWith('.jpg')) return undefined;
    const id = url.slice(prefix.length, -'.jpg'.length);
    return idPattern.test(id) ? id : undefined;
  }

  async host(number: string, jpeg: Buffer, createdBy: string): Promise<Hosted> {
    await this.prune(number);
    const kept = await this.store.photos(number);
    const bytes = kept.reduce((sum, photo) => sum + photo.bytes, 0);
    if (kept.length >= MAX_PHOTOS_PER_NUMBER || bytes + jpeg.length > MAX_PHOTO_BYTES_PER_NUMBER) {
      return {
        ok: false,
        reason: `This number already keeps ${kept.length} photos (${(bytes / 1024 / 1024).toFixed(1)} MB) for its history, the most it may. Try again in an hour, when photos no card uses are cleared.`,
      };
    }
    const id = randomBytes(18).toString('base64url');
    await this.store.savePhoto({ id, number, jpeg, createdBy });
    return { ok: true, id, url: this.urlFor(id) };
  }

  /** A photo to serve, by the file name in its URL (`<id>.jpg`). */
  async serve(file: string): Promise<(HostedPhoto & { etag: string }) | undefined> {
    if (!file.endsWith('.jpg')) return undefined;
    const id = file.slice(0, -'.jpg'.length);
    if (!idPattern.test(id)) return undefined;
    const photo = await this.store.photo(id);
    if (photo === undefined) return undefined;
    return {
      ...photo,
      etag: `"${createHash('sha256').update(photo.jpeg).digest('base64url').slice(0, 32)}"`,
    };
  }

  /**
   * Deletes the number's photos that nothing refers to any more: neither its last known card nor
   * one of its latest changes (which history can restore), nor a change still waiting for approval.
   * Resolves to how many went.
   */
  async prune(number: string): Promise<number> {
    const referenced = new Set<string>();
    const card = await this.store.lastKnownCard(number);
    this.keep(referenced, card?.photoUrl);
    for (const entry of await this.store.history(number, RESTORABLE_CHANGES)) {
      this.keep(referenced, entry.after?.photoUrl);
      this.keep(referenced, entry.before?.photoUrl);
    }
    for (const approval of await this.store.approvals({ number, state: 'waiting', limit: 1000 })) {
      for (const change of approval.changes) this.keep(referenced, change.after?.photoUrl);
    }
    const youngest = this.now().getTime() - minAgeMs;
    let removed = 0;
    for (const photo of await this.store.photos(number)) {
      if (referenced.has(photo.id) || photo.createdAt.getTime() > youngest) continue;
      await this.store.deletePhoto(photo.id);
      removed++;
    }
    return removed;
  }

  /** Every hour, on one replica at a time: the clean-up of every number's photos. */
  start(): void {
    const round = () =>
      void this.store
        .runExclusive('photo-cleanup', async () => {
          const numbers = new Set((await this.store.photos()).map((photo) => photo.number));
          let removed = 0;
          for (const number of numbers) removed += await this.prune(number);
          if (removed > 0) this.log.info(`removed ${removed} hosted photo(s) no card or history uses`);
        })
        .catch((error: unknown) =>
          this.log.warn(
            `hosted photo clean-up failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
    round();
    this.timer = setInterval(round, cleanupEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private keep(referenced: Set<string>, url: string | null | undefined): void {
    const id = this.idOf(url);
    if (id !== undefined) referenced.add(id);
  }
}
