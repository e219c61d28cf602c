/** Starting, asking and stopping the benchmark's child processes; their memory, read from /proc. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Answer } from './protocol.js';

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Sends an ask over IPC and resolves with the child's answer. */
  ask(type: string, extra?: Record<string, unknown>): Promise<Answer>;
  /** Resolves with the first message that is not an answer (the fakes' "ready"). */
  announcement(): Promise<Record<string, unknown>>;
  /** Asks the child to exit (process.exit, so a --cpu-prof profile is written) and waits for it. */
  stop(): Promise<void>;
}

/**
 * The options `npm start` gives node (package.json's start script, e.g. its heap bound): every
 * target and the scale section's app run under them, so that they run as the README's command does.
 */
export function startFlags(): string[] {
  startOptions ??= readStartFlags();
  return startOptions;
}
// Read once: every target of a bench run starts under them.
let startOptions: string[] | undefined;

function readStartFlags(): string[] {
  // Compiled, this file runs from node_modules/.cache: the project is the folder with the lock file.
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package-lock.json')) && root !== dirname(root)) root = dirname(root);
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/**
 * Waits until the child (a bench target) reports no operation in flight, i.e. its follow-up work
 * after the acks is done; false when some is still running after `timeoutMs`.
 */
export async function untilIdle(child: Child, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await child.ask('inflight')).inflight === 0) return true;
    await sleep(50);
  }
  return false;
}

export function spawnChild(
  name: string,
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Child {
  const child = spawn(process.execPath, [...execArgv, script], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  const announcements: Record<string, unknown>[] = [];
  const listeners: Array<(message: Record<string, unknown>) => void> = [];
  let nextId = 1;
  child.on('message', (message: Record<string, unknown>) => {
    const id = typeof message.id === 'number' ? message.id : undefined;
    const waiting = id === undefined ? undefined : pending.get(id);
    if (id !== undefined && waiting !== undefined) {
      pending.delete(id);
      if (typeof message.error === 'string') waiting.reject(new Error(`${name}: ${message.error}`));
      else waiting.resolve(message as unknown as Answer);
      return;
    }
    const listener = listeners.shift();
    if (listener) listener(message);
    else announcements.push(message);
  });
  child.once('exit', (code, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`${name} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    name,
    pid: child.pid,
    process: child,
    ask(type, extra = {}) {
      const id = nextId++;
      return new Promise<Answer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, type, ...extra });
      });
    },
    announcement() {
      const first = announcements.shift();
      if (first) return Promise.resolve(first);
      return new Promise((resolve, reject) => {
        listeners.push(resolve);
        child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await this.ask('exit').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A port free on 127.0.0.1 right now, for a child that must listen where the runner polls. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls GET /healthz every 2 ms until it answers 200; resolves with the time since `since`, in ms. */
export async function waitHealthy(
  child: Child,
  url: string,
  since: bigint,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.process.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited during start-up`);
    try {
      const response = await request(`${url}/healthz`, { reset: true });
      await response.body.dump();
      if (response.statusCode === 200) return Number(process.hrtime.bigint() - since) / 1e6;
    } catch {
      // Not listening yet.
    }
    await sleep(2);
  }
  throw new Error(`${child.name}: /healthz never answered 200`);
}

/** Resident set size of a process, in MiB, from /proc/<pid>/status: now (VmRSS) or its peak (VmHWM). */
export function residentMiB(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${which}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1]);
  return kb / 1024;
}

/** CPU time (user + system) of a process so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The whole machine's CPU time so far, busy and in total (idle included), in ms, from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy: (busy * 1000) / 100, total: ((busy + (idle ?? 0) + (iowait ?? 0)) * 1000) / 100 };
}
