import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/adapters/store/group-commit.js';

// The SQLite store's shared commits, on a real database file in WAL mode. How many commits a group
// of writes took shows in the WAL: each commit appends a frame for every page it changed.

let folder: string;
let path: string;
let db: Database.Database;
let other: Database.Database;
let commits: GroupCommit;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'contactcard-group-commit-'));
  path = join(folder, 'test.db');
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)');
  other = new Database(path, { readonly: true });
  commits = new GroupCommit(db);
});
afterEach(() => {
  other.close();
  db.close();
  rmSync(folder, { recursive: true, force: true });
});

const insert = (text: string) => () =>
  (db.prepare('INSERT INTO notes (text) VALUES (?) RETURNING id').get(text) as { id: number }).id;
const seenElsewhere = () => other.prepare('SELECT text FROM notes ORDER BY id').pluck().all() as string[];
const walFrames = () => {
  const bytes = statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  const page = db.pragma('page_size', { simple: true }) as number;
  return bytes <= 32 ? 0 : (bytes - 32) / (page + 24);
};

describe('group commit', () => {
  it('writes asked for in one turn are committed together, once, and each resolves with its own value', async () => {
    const framesBefore = walFrames();
    const writes = Array.from({ length: 20 }, (_, i) => commits.write(insert(`note ${i}`)));
    // Nothing is committed until the turn's I/O is done.
    expect(seenElsewhere()).toEqual([]);
    const ids = await Promise.all(writes);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seenElsewhere()).toHaveLength(20);
    // One commit: the table's one page (and the schema's, at most), not one frame per write.
    expect(walFrames() - framesBefore).toBeLessThanOrEqual(2);
  });

  it('writes asked for in separate turns are committed separately, each before it resolves', async () => {
    const framesBefore = walFrames();
    for (let i = 0; i < 5; i++) {
      await commits.write(insert(`note ${i}`));
      expect(seenElsewhere()).toHaveLength(i + 1);
    }
    expect(walFrames() - framesBefore).toBeGreaterThanOrEqual(5);
  });

  it('a write that fails rejects with its own error and undoes only itself; the others commit, in order', async () => {
    const first = commits.write(insert('same'));
    const duplicate = commits.write(() => {
      db.prepare('INSERT INTO notes (text) VALUES (?)').run('written, then undone');
      return insert('same')();
    });
    const renamed = commits.write(
      () => db.prepare("UPDATE notes SET text = 'renamed' WHERE text = 'same'").run().changes,
    );
    await expect(first).resolves.toBe(1);
    await expect(duplicate).rejects.toThrow(/UNIQUE constraint failed/);
    await expect(renamed).resolves.toBe(1);
    expect(seenElsewhere()).toEqual(['renamed']);
  });

  it('flush commits what is waiting at once, so that closing loses nothing', async () => {
    const write = commits.write(insert('before close'));
    commits.flush();
    expect(seenElsewhere()).toEqual(['before close']);
    await expect(write).resolves.toBe(1);
  });

  it('when the commit itself fails, every write of it rejects, and none is kept', async () => {
    const writes = [commits.write(insert('a')), commits.write(insert('b'))];
    db.close();
    for (const write of writes) await expect(write).rejects.toThrow(/not open/);
    db = new Database(path);
    expect(db.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(0);
  });
});
