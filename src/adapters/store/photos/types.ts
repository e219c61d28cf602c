// The store's hosted photos: the processed JPEGs the app serves, so that every replica can serve them.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-photos.test.ts.
/** A processed photo the app serves publicly (an upload, a Slack profile picture, a converted link). */
export interface HostedPhoto {
  /** Random, at least 128 bits: the only way to find it. */
  id: string;
  number: string;
  jpeg: Buffer;
  createdAt: Date;
  createdBy: string;
}

export type HostedPhotoInfo = Omit<HostedPhoto, 'jpeg'> & { bytes: number };

/** Hosted photos: kept in the store so that every replica can serve them. */
export interface PhotoStore {
  savePhoto(photo: Omit<HostedPhoto, 'createdAt'> & { createdAt?: Date }): Promise<void>;
  photo(id: string): Promise<HostedPhoto | undefined>;
  /** The photos of one number, or of all numbers, oldest first, without their bytes. */
  photos(number?: string): Promise<HostedPhotoInfo[]>;
  deletePhoto(id: string): Promise<void>;
}
