// A real PostgreSQL server for tests, from the first of:
// 1. CONTACTCARD_TEST_DATABASE_URL (what .ci/run exports): a fresh database is created on it for
//    each test file (and each newDatabase() call) and dropped at the end;
// 2. a throwaway server: initdb into a temp dir and pg_ctl start on a free 127.0.0.1 port, as the
//    `postgres` OS user when we are root (PostgreSQL refuses to run as root), stopped and removed at
//    the end;
// 3. neither: the PostgreSQL tests are skipped with a message, except under CI=true, where that fails.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** A database made for this test file. */
  url: string;
  /** Where the server came from, for messages. */
  origin: string;
  /** Whether a wrong password is refused (false when the server trusts every local connection). */
  passwordAuth: boolean;
  /** How long the throwaway server took to initdb and start (0 for CONTACTCARD_TEST_DATABASE_URL). */
  startMs: number;
  /** A URL to another new, empty database, dropped by stop(). */
  newDatabase(): Promise<string>;
  /** A connection string for the server's maintenance database, to inspect or disturb from outside. */
  adminUrl: string;
  /** Drops the databases made, and stops and removes a throwaway server. */
  stop(): Promise<void>;
}

const envName = 'CONTACTCARD_TEST_DATABASE_URL';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databases(adminUrl: string): Pick<TestPostgres, 'newDatabase'> & { dropAll(): Promise<void> } {
  const made: string[] = [];
  let counter = 0;
  return {
    async newDatabase() {
      const name = `contactcard_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
      await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
      made.push(name);
      return withDatabase(adminUrl, name);
    },
    async dropAll() {
      for (const name of made.splice(0)) {
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      }
    },
  };
}

async function fromEnv(url: string): Promise<TestPostgres> {
  const dbs = databases(url);
  const first = await dbs.newDatabase().catch((error: unknown) => {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '***' : '';
    throw new Error(`${envName}=${parsed} is not usable: ${(error as Error).message}`);
  });
  return {
    url: first,
    origin: envName,
    passwordAuth: new URL(url).password !== '',
    startMs: 0,
    adminUrl: url,
    newDatabase: dbs.newDatabase,
    stop: dbs.dropAll,
  };
}

function findBinDir(): string | undefined {
  const candidates: string[] = [];
  // Set, it is the only place looked at (pointing it at nothing shows what happens without PostgreSQL).
  const only = process.env.CONTACTCARD_TEST_PG_BINDIR;
  if (only) return existsSync(join(only, 'initdb')) && existsSync(join(only, 'pg_ctl')) ? only : undefined;
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // Not Debian's layout.
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** How to run PostgreSQL's programs here, or why we cannot. */
function runner(): { as: (argv: string[]) => string[]; owner?: { uid: number; gid: number } } | string {
  if (process.getuid?.() !== 0) return { as: (argv) => argv };
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p));
  if (!runuser) return 'we are root, PostgreSQL will not run as root, and there is no runuser';
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return 'we are root and there is no postgres user to run it as';
  return {
    as: (argv) => [runuser, '-u', 'postgres', '--', ...argv],
    owner: { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) },
  };
}

async function throwaway(binDir: string): Promise<TestPostgres> {
  const how = runner();
  if (typeof how === 'string') throw new Error(how);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'contactcard-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (how.owner) {
    chownSync(dir, how.owner.uid, how.owner.gid);
    chownSync(pwfile, how.owner.uid, how.owner.gid);
  }
  const exec = async (program: string, args: string[]) => {
    const [file, ...rest] = how.as([join(binDir, program), ...args]);
    return run(file as string, rest, { cwd: dir, timeout: 60_000 });
  };
  const pgCtl = join(binDir, 'pg_ctl');
  let running = false;
  const stopNow = () => {
    if (running) {
      const [file, ...rest] = how.as([pgCtl, '-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(file as string, rest, { stdio: 'ignore', timeout: 30_000 });
      running = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process ends without teardown (a crash, a timeout), the server must not outlive it.
  process.once('exit', stopNow);
  try {
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
      '--no-instructions',
    ]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await exec('pg_ctl', [
          '-D',
          data,
          '-l',
          logFile,
          '-w',
          '-t',
          '30',
          '-o',
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
          'start',
        ]);
        running = true;
        break;
      } catch (error) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 3) throw error;
      }
    }
    const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const dbs = databases(adminUrl);
    const first = await dbs.newDatabase();
    return {
      url: first,
      origin: `a throwaway PostgreSQL server on 127.0.0.1:${port} (${dir})`,
      passwordAuth: true,
      startMs: Math.round(performance.now() - started),
      adminUrl,
      newDatabase: dbs.newDatabase,
      async stop() {
        await dbs.dropAll();
        if (running) {
          await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
          running = false;
        }
        stopNow();
        process.off('exit', stopNow);
      },
    };
  } catch (error) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n');
    } catch {
      // No log yet.
    }
    stopNow();
    process.off('exit', stopNow);
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`could not start a throwaway PostgreSQL server: ${detail}${log ? `\n${log}` : ''}`);
  }
}

/** A PostgreSQL database for this test file; rejects when none can be had. */
export async function startPostgres(): Promise<TestPostgres> {
  const url = process.env[envName]?.trim();
  if (url) return fromEnv(url);
  const binDir = findBinDir();
  if (!binDir) {
    throw new Error(
      `no PostgreSQL: ${envName} is not set and no initdb/pg_ctl was found (install Debian's postgresql package)`,
    );
  }
  return throwaway(binDir);
}

/**
 * Like startPostgres, but resolves to undefined (saying why on the console) when there is no
 * PostgreSQL to be had, so that callers can `describe.skipIf(!pg)`. Under CI=true that rejects instead:
 * CI must never pass by skipping the PostgreSQL half of the suite.
 */
export async function postgresOrSkip(): Promise<TestPostgres | undefined> {
  try {
    return await startPostgres();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true' || process.env.CI === '1' || process.env[envName]) throw error;
    console.warn(`PostgreSQL tests skipped: ${reason}`);
    return undefined;
  }
}
