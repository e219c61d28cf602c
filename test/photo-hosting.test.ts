import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PHOTOS_PER_NUMBER, PhotoHost } from '../src/adapters/photo/hosting.js';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store/sqlite.js';
import { silentLog } from '../src/runtime/logger.js';

// Retention and limits of hosted photos, over a real (in-memory) SQLite store and a clock we move.

const number = '+14155551234';
const hour = 60 * 60_000;
let clock: Date;
let store: SqliteStore;
let host: PhotoHost;

beforeEach(() => {
  clock = new Date('2026-12-01T09:00:00Z');
  store = openSqliteStore(':memory:', { now: () => clock });
  host = new PhotoHost(store, 'https://cards.example.test', silentLog, () => clock);
});
afterEach(() => store.close());

const jpeg = (size = 10) => Buffer.alloc(size, 1);
const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
const card = (photoUrl: string) => ({ firstName: 'Jane', lastName: 'Doe', displayName: null, photoUrl });

describe('hosted photo retention', () => {
  it('keeps what the last known card or a restorable change uses, and photos younger than an hour; removes the rest', async () => {
    const current = await host.host(number, jpeg(), 'U1');
    const earlier = await host.host(number, jpeg(), 'U1');
    const orphan = await host.host(number, jpeg(), 'U1');
    if (!current.ok || !earlier.ok || !orphan.ok) throw new Error('hosting failed');
    await store.rememberCard(number, card(current.url), 'U1');
    const change = await store.beginChange({
      action: 'set',
      number,
      actorId: 'U1',
      after: card(earlier.url),
    });
    await store.completeChange(change.id, { outcome: 'ok', before: null });
    // Within the hour nothing goes, not even the photo nothing uses (yet).
    expect(await host.prune(number)).toBe(0);

    later(2 * hour);
    const fresh = await host.prune(number).then(() => host.host(number, jpeg(), 'U1'));
    if (!fresh.ok) throw new Error('hosting failed');
    expect(await host.prune(number)).toBe(0);
    const kept = (await store.photos(number)).map((photo) => photo.id).sort();
    expect(kept).toEqual([current.id, earlier.id, fresh.id].sort());
    expect(await host.serve(`${orphan.id}.jpg`)).toBeUndefined();
    expect((await host.serve(`${current.id}.jpg`))?.jpeg.length).toBe(10);
  });

  it('forgets a change’s photo once it is older than the changes history can restore', async () => {
    const old = await host.host(number, jpeg(), 'U1');
    if (!old.ok) throw new Error('hosting failed');
    const first = await store.beginChange({ action: 'set', number, actorId: 'U1', after: card(old.url) });
    await store.completeChange(first.id, { outcome: 'ok' });
    for (let i = 0; i < 10; i++) {
      const next = await store.beginChange({
        action: 'set',
        number,
        actorId: 'U1',
        after: card('https://example.com/p.jpg'),
      });
      await store.completeChange(next.id, { outcome: 'ok' });
    }
    later(2 * hour);
    expect(await host.prune(number)).toBe(1);
  });

  it('keeps the photo of a change waiting for approval, however long it waits; lets it go once decided', async () => {
    const held = await host.host(number, jpeg(), 'U1');
    if (!held.ok) throw new Error('hosting failed');
    const { approval } = await store.requestApproval({
      kind: 'set',
      requesterId: 'U1',
      channel: 'C1',
      changes: [{ number, before: null, after: card(held.url) }],
      expiresAt: new Date(clock.getTime() + 30 * 24 * hour),
    });
    later(6 * 24 * hour);
    expect(await host.prune(number)).toBe(0);
    await store.decideApproval(approval.id, { state: 'rejected', by: 'UADMIN', reason: 'no' });
    expect(await host.prune(number)).toBe(1);
  });

  it(`refuses a photo beyond ${MAX_PHOTOS_PER_NUMBER} kept for one number, saying when to try again; other numbers are not affected`, async () => {
    for (let i = 0; i < MAX_PHOTOS_PER_NUMBER; i++)
      expect((await host.host(number, jpeg(), 'U1')).ok).toBe(true);
    const refused = await host.host(number, jpeg(), 'U1');
    expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('Try again in an hour') });
    expect((await host.host('+14155550000', jpeg(), 'U1')).ok).toBe(true);
    // An hour later the unreferenced ones are cleared to make room.
    later(2 * hour);
    expect((await host.host(number, jpeg(), 'U1')).ok).toBe(true);
  });

  it('refuses by bytes too (20 MB a number)', async () => {
    expect((await host.host(number, jpeg(15 * 1024 * 1024), 'U1')).ok).toBe(true);
    expect((await host.host(number, jpeg(6 * 1024 * 1024), 'U1')).ok).toBe(false);
  });

  it('knows its own URLs and nothing else', () => {
    expect(host.idOf('https://cards.example.test/photos/AAAAAAAAAAAAAAAAAAAAAAAA.jpg')).toBe(
      'AAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(host.idOf('https://cards.example.test/photos/short.jpg')).toBeUndefined();
    expect(host.idOf('https://elsewhere.test/photos/AAAAAAAAAAAAAAAAAAAAAAAA.jpg')).toBeUndefined();
    expect(host.idOf(undefined)).toBeUndefined();
  });
});
