/** Who may change which number. Plain logic: Slack and SQLite come in through small interfaces. */

export interface OwnershipLookup {
  ownersOf(number: string): Promise<string[]>;
  numbersOf(userId: string): Promise<string[]>;
  hasAssignments(): Promise<boolean>;
}

/** Members of CONTACTCARD_ADMIN_GROUP; an empty list when it is unset or cannot be read. */
export type AdminGroupMembers = () => Promise<string[]>;

export type Decision =
  | { allowed: true; as: 'admin' | 'owner' | 'open mode' }
  | { allowed: false; reason: string; helpers: string[] };

export class Access {
  constructor(
    private readonly ownership: OwnershipLookup,
    private readonly configuredAdmins: readonly string[],
    private readonly adminGroupMembers: AdminGroupMembers = async () => [],
    private readonly adminGroupConfigured = false,
  ) {}

  /** Everyone may manage everything until an admin is configured or a number is assigned. */
  async isOpenMode(): Promise<boolean> {
    return (
      this.configuredAdmins.length === 0 &&
      !this.adminGroupConfigured &&
      !(await this.ownership.hasAssignments())
    );
  }

  async admins(): Promise<string[]> {
    return [...new Set([...this.configuredAdmins, ...(await this.adminGroupMembers())])];
  }

  async isAdmin(userId: string): Promise<boolean> {
    return (await this.admins()).includes(userId);
  }

  /** May `userId` set or delete the card of `number`? */
  async canManage(userId: string, number: string): Promise<Decision> {
    if (await this.isAdmin(userId)) return { allowed: true, as: 'admin' };
    const owners = await this.ownership.ownersOf(number);
    if (owners.includes(userId)) return { allowed: true, as: 'owner' };
    if (await this.isOpenMode()) return { allowed: true, as: 'open mode' };
    const helpers = owners.length > 0 ? owners : await this.admins();
    const who = owners.length > 0 ? 'its owners' : 'an admin';
    return { allowed: false, reason: `Only ${who} may change the card of this number.`, helpers };
  }

  /** Assigning numbers is an admin's job, and needs an admin to exist. */
  async canAssign(userId: string): Promise<Decision> {
    if (await this.isAdmin(userId)) return { allowed: true, as: 'admin' };
    const admins = await this.admins();
    const reason =
      admins.length === 0
        ? 'Assigning numbers needs an admin: set CONTACTCARD_ADMINS (or CONTACTCARD_ADMIN_GROUP) first.'
        : 'Only an admin may assign numbers.';
    return { allowed: false, reason, helpers: admins };
  }

  /** The numbers this person manages by assignment (admins manage all; see `isAdmin`). */
  numbersOf(userId: string): Promise<string[]> {
    return this.ownership.numbersOf(userId);
  }
}

/**
 * Caches a slow lookup for `ttlMs`. Only the very first call waits for it; after that a stale
 * value is served at once while a refresh runs in the background, so no Slack acknowledgement
 * waits on the lookup. A failed refresh keeps the last good value until the next period.
 */
export function cached<T>(
  load: () => Promise<T>,
  options: { ttlMs: number; fallback: T; onError?: (error: unknown) => void; now?: () => number },
): () => Promise<T> {
  const { ttlMs, now = Date.now } = options;
  let value = options.fallback;
  let loadedAt: number | undefined;
  let loading: Promise<T> | undefined;
  const refresh = () =>
    (loading ??= load()
      .then((fresh) => {
        value = fresh;
        return fresh;
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        return value;
      })
      .finally(() => {
        loadedAt = now();
        loading = undefined;
      }));
  return async () => {
    if (loadedAt === undefined) return refresh();
    if (now() - loadedAt >= ttlMs) void refresh();
    return value;
  };
}
