// The one pool every part of the PostgreSQL store queries through, with what they share: the clock,
// the instance this store registered, the wake-ups of changes waiting for their turn, and closing.
import type { Pool, PoolClient } from 'pg';

/** `host:port/database` of a postgres:// URL, never its user name or password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const socketHost = parsed.searchParams.get('host');
    const host = parsed.hostname || socketHost || 'localhost';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${parsed.port || '5432'}/${database}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Removes the URL's password (and the URL itself) from a message. */
export function redactPassword(text: string, url: string): string {
  let out = text.split(url).join(`postgres://${describePostgresUrl(url)}`);
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return out;
  }
  // A very short password would blank out ordinary letters; such a password is no secret anyway.
  if (password.length < 4) return out;
  for (const form of new Set([password, safeDecode(password)])) out = out.split(form).join('***');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** "Now" in SQL: the injected clock's value when there is one, else the database's clock. */
export const sqlNow = (param: string) => `COALESCE(${param}::timestamptz, clock_timestamp())`;

/** Wakes changes of this process waiting for their turn as soon as one of its own finishes. */
export class Wakeups {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Resolves after about `ms`, or sooner when `number` is woken. */
  sleep(number: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(number);
      if (!set) {
        set = new Set();
        this.#waiters.set(number, set);
      }
      const waiters = set;
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(number) === waiters) this.#waiters.delete(number);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  wake(number: string): void {
    for (const done of [...(this.#waiters.get(number) ?? [])]) done();
  }

  wakeAll(): void {
    for (const number of [...this.#waiters.keys()]) this.wake(number);
  }
}

export class PostgresConnection {
  readonly #pool: Pool;
  readonly #url: string;
  readonly #now: (() => Date) | undefined;
  #closing: Promise<void> | undefined;
  /**
   * The id this store last registered with registerInstance (null when none): the changes and bulk
   * jobs it records without an explicit instance are that instance's.
   */
  instanceId: string | null = null;
  readonly wakeups = new Wakeups();

  constructor(pool: Pool, url: string, now: (() => Date) | undefined) {
    this.#pool = pool;
    this.#url = url;
    this.#now = now;
  }

  get pool(): Pool {
    return this.#pool;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  appNow(): Date {
    return this.#now ? this.#now() : new Date();
  }

  /** The injected clock's value, or null for the database's clock (see sqlNow). */
  leaseNow(): Date | null {
    return this.#now ? this.#now() : null;
  }

  async query<R extends object>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query<R & Record<string, unknown>>(text, values)).rows;
    } catch (error) {
      throw this.redacted(error);
    }
  }

  redacted(error: unknown): unknown {
    if (error instanceof Error) {
      const clean = redactPassword(error.message, this.#url);
      if (clean !== error.message) error.message = clean;
    }
    return error;
  }

  /** A checked-out client whose connection failing while idle in our hands does not crash the process. */
  async checkout(): Promise<{ client: PoolClient; release: () => void; fail: (error: unknown) => void }> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.redacted(error);
    });
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    return {
      client,
      fail: (error) => {
        broken = error instanceof Error ? error : new Error(String(error));
      },
      release: () => {
        client.off('error', onError);
        // A client whose connection failed is destroyed rather than handed out again.
        client.release(broken);
      },
    };
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const { client, release, fail } = await this.checkout();
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(fail);
      throw this.redacted(error);
    } finally {
      release();
    }
  }

  /** Ends the pool; changes still waiting for their turn reject. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = this.#pool.end();
      this.wakeups.wakeAll();
    }
    return this.#closing;
  }
}
