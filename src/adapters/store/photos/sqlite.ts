import type Database from 'better-sqlite3';
import type { SqliteContext } from '../sqlite-context.js';
import type { HostedPhoto, HostedPhotoInfo, PhotoStore } from './types.js';

interface PhotoRow {
  id: string;
  number: string;
  bytes: number;
  created_at: string;
  created_by: string;
}

function photoInfo(row: PhotoRow): HostedPhotoInfo {
  return {
    id: row.id,
    number: row.number,
    bytes: row.bytes,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
  };
}

function prepare(db: Database.Database) {
  return {
    savePhoto: db.prepare<[Record<string, string | number | Buffer>]>(
      `INSERT INTO photos (id, number, jpeg, bytes, created_at, created_by)
       VALUES (@id, @number, @jpeg, @bytes, @createdAt, @createdBy)`,
    ),
    photo: db.prepare<[string], PhotoRow & { jpeg: Buffer }>('SELECT * FROM photos WHERE id = ?'),
    photosOf: db.prepare<[string], PhotoRow>(
      'SELECT id, number, bytes, created_at, created_by FROM photos WHERE number = ? ORDER BY created_at, id',
    ),
    allPhotos: db.prepare<[], PhotoRow>(
      'SELECT id, number, bytes, created_at, created_by FROM photos ORDER BY created_at, id',
    ),
    deletePhoto: db.prepare<[string]>('DELETE FROM photos WHERE id = ?'),
  };
}

export class SqlitePhotos implements PhotoStore {
  readonly #ctx: SqliteContext;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#sql = prepare(ctx.db);
  }

  async savePhoto(photo: Omit<HostedPhoto, 'createdAt'> & { createdAt?: Date }): Promise<void> {
    this.#sql.savePhoto.run({
      id: photo.id,
      number: photo.number,
      jpeg: photo.jpeg,
      bytes: photo.jpeg.length,
      createdAt: (photo.createdAt ?? this.#ctx.now()).toISOString(),
      createdBy: photo.createdBy,
    });
  }

  async photo(id: string): Promise<HostedPhoto | undefined> {
    const row = this.#sql.photo.get(id);
    return row && { ...photoInfo(row), jpeg: row.jpeg };
  }

  async photos(number?: string): Promise<HostedPhotoInfo[]> {
    const rows = number === undefined ? this.#sql.allPhotos.all() : this.#sql.photosOf.all(number);
    return rows.map(photoInfo);
  }

  async deletePhoto(id: string): Promise<void> {
    this.#sql.deletePhoto.run(id);
  }
}
