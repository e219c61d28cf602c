import type { PostgresConnection } from '../postgres-connection.js';
import type { HostedPhoto, HostedPhotoInfo, PhotoStore } from './types.js';

interface PhotoRow {
  id: string;
  number: string;
  bytes: number;
  created_at: Date;
  created_by: string;
}

function photoInfo(row: PhotoRow): HostedPhotoInfo {
  return {
    id: row.id,
    number: row.number,
    bytes: row.bytes,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

export class PostgresPhotos implements PhotoStore {
  readonly #db: PostgresConnection;

  constructor(db: PostgresConnection) {
    this.#db = db;
  }

  async savePhoto(photo: Omit<HostedPhoto, 'createdAt'> & { createdAt?: Date }): Promise<void> {
    await this.#db.query(
      `INSERT INTO photos (id, number, jpeg, bytes, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        photo.id,
        photo.number,
        photo.jpeg,
        photo.jpeg.length,
        photo.createdAt ?? this.#db.appNow(),
        photo.createdBy,
      ],
    );
  }

  async photo(id: string): Promise<HostedPhoto | undefined> {
    const [row] = await this.#db.query<PhotoRow & { jpeg: Buffer }>('SELECT * FROM photos WHERE id = $1', [
      id,
    ]);
    return row && { ...photoInfo(row), jpeg: row.jpeg };
  }

  async photos(number?: string): Promise<HostedPhotoInfo[]> {
    const columns = 'id, number, bytes, created_at, created_by';
    const rows =
      number === undefined
        ? await this.#db.query<PhotoRow>(`SELECT ${columns} FROM photos ORDER BY created_at, id`)
        : await this.#db.query<PhotoRow>(
            `SELECT ${columns} FROM photos WHERE number = $1 ORDER BY created_at, id`,
            [number],
          );
    return rows.map(photoInfo);
  }

  async deletePhoto(id: string): Promise<void> {
    await this.#db.query('DELETE FROM photos WHERE id = $1', [id]);
  }
}
