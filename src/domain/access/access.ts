/**
 * Who may do what to which number: the one place where every entry point (command, modal
 * submission, button, the change pipeline) gets its answer. Plain logic: the store, the account's
 * lines and the admin group come in through small interfaces.
 */
import { formatPhone } from '../phone.js';

/** CONTACTCARD_APPROVAL: who needs an admin's approval (off, the owners who are not admins, all). */
export type ApprovalMode = 'off' | 'owners' | 'all';

export interface OwnershipLookup {
  ownersOf(number: string): Promise<string[]>;
  numbersOf(userId: string): Promise<string[]>;
  hasAssignments(): Promise<boolean>;
}

/** The account's numbers, when Sendblue lists them; `numbers()` is undefined while unknown. */
export interface LinesLookup {
  numbers(): string[] | undefined;
  mayHave(number: string): boolean;
}

/** Members of CONTACTCARD_ADMIN_GROUP; an empty list when it is unset or cannot be read. */
export type AdminGroupMembers = () => Promise<string[]>;

export type Verb = 'set' | 'delete' | 'show' | 'list' | 'history' | 'assign' | 'unassign';

/** Why not, and who can help: every refusal names someone (or says how to configure an admin). */
export interface Refusal {
  reason: string;
  helpers: string[];
  /** The refusal is about the number itself (it is not one of the account's lines). */
  unknownLine?: boolean;
}

export type Role = 'admin' | 'owner' | 'open mode' | 'anyone';

export type Decision = { allowed: true; as: Role } | { allowed: false; refusal: Refusal };

/** What `set` without a number opens: one number, a choice, or a field to type one in. */
export type SetTarget =
  | { ok: true; number: string }
  | { ok: true; number: undefined; choices: readonly string[] | undefined }
  | { ok: false; refusal: Refusal };

/** Does a change by this person wait for an admin's approval, and whose? */
export type ApprovalNeed =
  | { needed: false }
  | { needed: true; approvers: string[] }
  /** It would need an approval nobody can give (the only admin asks, in mode `all`). */
  | { needed: true; refusal: Refusal };

/** A number verb with no number: the caller's only number, or the question which one. */
export type NumberTarget = { ok: true; number: string } | { ok: false; question: string };

// Which verbs need which right; `show` and `list` are for everyone (list shows only what one may manage).
const needsManage: ReadonlySet<Verb> = new Set(['set', 'delete', 'history']);
const needsAdmin: ReadonlySet<Verb> = new Set(['assign', 'unassign']);
// A number that is not one of the account's lines cannot be given a card or an owner; its card,
// history and owners can still be read (Sendblue says why) and cleaned up after the line is gone.
const needsLine: ReadonlySet<Verb> = new Set(['set', 'delete', 'assign']);

export class Access {
  constructor(
    private readonly ownership: OwnershipLookup,
    private readonly lines: LinesLookup,
    private readonly configuredAdmins: readonly string[],
    private readonly adminGroupMembers: AdminGroupMembers = async () => [],
    private readonly adminGroupConfigured = false,
    private readonly approvalMode: ApprovalMode = 'off',
  ) {}

  /** `owners`: a change by someone who is not an admin waits; `all`: every change waits for another admin. */
  async approvalFor(actorId: string): Promise<ApprovalNeed> {
    if (this.approvalMode === 'off') return { needed: false };
    const admins = await this.admins();
    if (this.approvalMode === 'owners' && admins.includes(actorId)) return { needed: false };
    const approvers = admins.filter((admin) => admin !== actorId);
    if (approvers.length > 0) return { needed: true, approvers };
    const reason =
      admins.length === 0
        ? 'Changes need an admin’s approval, and no admin can be found: check CONTACTCARD_ADMINS and CONTACTCARD_ADMIN_GROUP.'
        : 'Changes need the approval of an admin other than you, and you are the only admin: add another to CONTACTCARD_ADMINS.';
    return { needed: true, refusal: { reason, helpers: admins } };
  }

  /** May `userId` approve or reject a change `requesterId` asked for? An admin, never the requester. */
  async decideApproval(userId: string, requesterId: string): Promise<Decision> {
    const admins = await this.admins();
    const others = admins.filter((admin) => admin !== requesterId);
    if (userId === requesterId) {
      return {
        allowed: false,
        refusal: { reason: 'You asked for this change, so another admin must decide it.', helpers: others },
      };
    }
    if (admins.includes(userId)) return { allowed: true, as: 'admin' };
    return {
      allowed: false,
      refusal: { reason: 'Only an admin may approve or reject changes.', helpers: others },
    };
  }

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

  /** Admins (and everyone in open mode) see and manage every number. */
  async managesEverything(userId: string): Promise<boolean> {
    return (await this.isAdmin(userId)) || (await this.isOpenMode());
  }

  /** May `userId` do `verb` to `number`? The rules are written out in the README's roles section. */
  async decide(verb: Verb, userId: string, number: string): Promise<Decision> {
    const rights = await this.rights(verb, userId, number);
    if (!rights.allowed || !needsLine.has(verb) || this.lines.mayHave(number)) return rights;
    const reason = `This Sendblue account has no number ${formatPhone(number)}. Check the number, or see /contactcard list.`;
    return { allowed: false, refusal: { ...(await this.refusal(reason)), unknownLine: true } };
  }

  private async rights(verb: Verb, userId: string, number: string): Promise<Decision> {
    if (needsAdmin.has(verb)) {
      if (await this.isAdmin(userId)) return { allowed: true, as: 'admin' };
      const admins = await this.admins();
      const reason =
        admins.length === 0
          ? 'Assigning numbers needs an admin: set CONTACTCARD_ADMINS (or CONTACTCARD_ADMIN_GROUP) first.'
          : 'Only an admin may assign numbers.';
      return { allowed: false, refusal: { reason, helpers: admins } };
    }
    if (!needsManage.has(verb)) return { allowed: true, as: 'anyone' };
    if (await this.isAdmin(userId)) return { allowed: true, as: 'admin' };
    // Open mode means no number is assigned, so there are no owners to read.
    if (await this.isOpenMode()) return { allowed: true, as: 'open mode' };
    const owners = await this.ownership.ownersOf(number);
    if (owners.includes(userId)) return { allowed: true, as: 'owner' };
    const who = owners.length > 0 ? 'its owners' : 'an admin';
    const helpers = owners.length > 0 ? owners : await this.admins();
    const what = verb === 'history' ? 'see the history of' : 'change the card of';
    return { allowed: false, refusal: { reason: `Only ${who} may ${what} this number.`, helpers } };
  }

  /** `set` with no number: the caller's only number, a choice of theirs, or any number for admins. */
  async setTarget(userId: string): Promise<SetTarget> {
    if (await this.managesEverything(userId)) {
      return { ok: true, number: undefined, choices: this.lines.numbers() };
    }
    const own = await this.ownership.numbersOf(userId);
    if (own.length === 1 && own[0] !== undefined) return { ok: true, number: own[0] };
    if (own.length > 1) return { ok: true, number: undefined, choices: own };
    return {
      ok: false,
      refusal: await this.refusal('You manage no number yet; an admin can assign you one.'),
    };
  }

  /** `show`, `delete`, `history` with no number: the caller's only number, or ask which. */
  async numberTarget(verb: Verb, userId: string): Promise<NumberTarget> {
    const own = await this.ownership.numbersOf(userId);
    if (own.length === 1 && own[0] !== undefined) return { ok: true, number: own[0] };
    return { ok: false, question: `Which number? For example: /contactcard ${verb} +1 415 555 1234` };
  }

  /** The numbers this person manages by assignment (admins manage all; see `managesEverything`). */
  numbersOf(userId: string): Promise<string[]> {
    return this.ownership.numbersOf(userId);
  }

  private async refusal(reason: string): Promise<Refusal> {
    return { reason, helpers: await this.admins() };
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
