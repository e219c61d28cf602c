import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import type { ProfileState } from '../../domain/card/records.js';
import { Limiter } from '../../runtime/concurrency.js';
import type { Log } from '../../runtime/logger.js';
import {
  apiErrorFor,
  SendblueAbortError,
  SendblueApiError,
  SendblueBusyError,
  SendblueConnectionError,
  SendblueError,
  SendblueProtocolError,
  SendblueTimeoutError,
  SendblueValidationError,
} from './errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from './retry.js';
import {
  e164Schema,
  errorBodySchema,
  type Line,
  linesResponseSchema,
  type ProfileInput,
  profileInputSchema,
  profileResponseSchema,
} from './schemas.js';

export const DEFAULT_BASE_URL = 'https://api.sendblue.co';
const API_PATH = '/api/v2/contact-sharing';
const LINES_PATH = '/api/v2/lines/state';
const USER_AGENT = 'contactcard/0.1';
const SNIPPET_CHARS = 200;
const CONNECTIONS = 16;
// A request that gets a connection with less of its budget left than this (or than half of it) is not sent.
const minimumSendMs = 1_000;

/** POST waits on the phone downloading the photo, so it gets far more time than GET/DELETE. */
export interface PerMethod {
  post?: number;
  other?: number;
}

export interface SendblueClientOptions {
  /** An origin, optionally with a path prefix. */
  baseUrl?: string;
  apiKeyId: string;
  apiSecretKey: string;
  log: Log;
  retry?: Partial<RetryPolicy>;
  /** One number applies to every method; defaults: POST 60 s, others 20 s. */
  attemptTimeoutMs?: number | PerMethod;
  /** Overall budget per operation, retries and waits included; defaults: POST 90 s, others 30 s. */
  deadlineMs?: PerMethod;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every attempt once it ends (metrics): the method, its outcome (HTTP status or error code) and its duration. */
  onAttempt?: (attempt: { method: Method; outcome: string; ms: number }) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** A shorter overall budget than the method's, e.g. for a read a person is waiting on. */
  deadlineMs?: number;
  /** Nobody waits on it (the sync, a drift round): it gets a connection only after every other request waiting. */
  background?: boolean;
}

export type Method = 'GET' | 'POST' | 'DELETE';

interface Call<T> {
  method: Method;
  path: string;
  query?: string;
  body?: Record<string, string>;
  /** Undefined for account-wide calls (listLines); errors then name no number and the log says `number=-`. */
  fromNumber: string | undefined;
  /** Validates and normalises a 2xx JSON body; a mismatch becomes a SendblueProtocolError. */
  response: z.ZodType<T>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

function perMethod(value: number | PerMethod | undefined, post: number, other: number): Required<PerMethod> {
  if (typeof value === 'number') return { post: value, other: value };
  return { post: value?.post ?? post, other: value?.other ?? other };
}

function errorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  const code = typeof own === 'string' ? own : (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code !== 'string') return undefined;
  // undici's name for "the server closed the socket mid-request"; ECONNRESET is what operators grep for.
  return code === 'UND_ERR_SOCKET' ? 'ECONNRESET' : code;
}

const messagesOf = (issues: readonly { message: string }[]) => issues.map((issue) => issue.message);

function validNumber(fromNumber: string): string {
  const parsed = e164Schema.safeParse(fromNumber);
  if (!parsed.success) throw new SendblueValidationError(messagesOf(parsed.error.issues), fromNumber);
  return parsed.data;
}

/**
 * Client for Sendblue's Contact Sharing API (and the account's lines) with retries, deadlines and typed
 * errors. The contact-sharing methods resolve to the number's ProfileState, listLines to the account's
 * lines; every failure is a SendblueError subclass.
 */
export class SendblueClient {
  // Private fields so the secrets never show up in util.inspect / console.log of the client.
  readonly #baseUrl: string;
  readonly #keyId: string;
  readonly #secret: string;
  readonly #log: Log;
  readonly #retry: RetryPolicy;
  readonly #attemptTimeout: Required<PerMethod>;
  readonly #deadline: Required<PerMethod>;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onAttempt: SendblueClientOptions['onAttempt'];
  readonly #agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: CONNECTIONS,
  });
  // A request waits for a free connection here rather than in undici's queue, where an abort takes
  // effect only once a connection frees up: here a deadline ends the wait at once, and the request
  // is known never to have been sent.
  readonly #connections = new Limiter(CONNECTIONS);
  #closing: Promise<void> | undefined;

  constructor(options: SendblueClientOptions) {
    this.#baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#keyId = options.apiKeyId;
    this.#secret = options.apiSecretKey;
    this.#log = options.log;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#attemptTimeout = perMethod(options.attemptTimeoutMs, 60_000, 20_000);
    this.#deadline = perMethod(options.deadlineMs, 90_000, 30_000);
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#onAttempt = options.onAttempt;
  }

  async getState(fromNumber: string, opts: RequestOptions = {}): Promise<ProfileState> {
    const number = validNumber(fromNumber);
    const query = new URLSearchParams({ fromNumber: number }).toString();
    return this.#send(
      {
        method: 'GET',
        path: `${API_PATH}/state`,
        query,
        fromNumber: number,
        response: profileResponseSchema,
      },
      opts,
    );
  }

  /** Creates or fully replaces the number's card. */
  async upsertProfile(input: ProfileInput, opts: RequestOptions = {}): Promise<ProfileState> {
    const parsed = profileInputSchema.safeParse(input);
    if (!parsed.success) {
      const number = typeof input?.fromNumber === 'string' ? input.fromNumber : undefined;
      throw new SendblueValidationError(messagesOf(parsed.error.issues), number);
    }
    const { fromNumber, firstName, lastName, photoUrl, displayName } = parsed.data;
    const body = { fromNumber, firstName, lastName, photoUrl, ...(displayName ? { displayName } : {}) };
    return this.#send(
      { method: 'POST', path: `${API_PATH}/profile`, body, fromNumber, response: profileResponseSchema },
      opts,
    );
  }

  async deleteProfile(fromNumber: string, opts: RequestOptions = {}): Promise<ProfileState> {
    const number = validNumber(fromNumber);
    const body = { fromNumber: number };
    return this.#send(
      {
        method: 'DELETE',
        path: `${API_PATH}/profile`,
        body,
        fromNumber: number,
        response: profileResponseSchema,
      },
      opts,
    );
  }

  /**
   * The account's lines (`GET /api/v2/lines/state`), with the same retries, deadlines (GET: 20 s per
   * attempt, 30 s overall) and typed errors as the other calls; errors carry no fromNumber. A 404 (the
   * endpoint is not available to this account) is the shared mapping's NumberNotFoundError, whose advice is
   * about numbers: callers should treat any SendblueError here as "fall back to typed numbers", not show it.
   */
  async listLines(opts: RequestOptions = {}): Promise<Line[]> {
    return this.#send(
      { method: 'GET', path: LINES_PATH, fromNumber: undefined, response: linesResponseSchema },
      opts,
    );
  }

  /** How long the request first in line for a connection has waited: one sent now waits at least that. */
  queueDelayMs(): number {
    return this.#connections.oldestWaitMs();
  }

  /** Once; requests still waiting for a connection are then cancelled unsent, not retried on a closed pool. */
  close(): Promise<void> {
    this.#closing ??= this.#agent.close();
    return this.#closing;
  }

  async #send<T>(call: Call<T>, opts: RequestOptions): Promise<T> {
    const { signal, background = false } = opts;
    const methodDeadlineMs = call.method === 'POST' ? this.#deadline.post : this.#deadline.other;
    const deadlineMs = Math.min(methodDeadlineMs, opts.deadlineMs ?? methodDeadlineMs);
    const deadlineAt = Date.now() + deadlineMs;
    let previous: unknown;
    for (let retry = 0; ; retry++) {
      try {
        return await this.#attempt(call, { attempt: retry + 1, deadlineAt, deadlineMs, signal, background });
      } catch (error) {
        // A retry that could not be sent says nothing of the attempt that was: its error is the cause.
        if (error instanceof SendblueBusyError && retry > 0) throw previous;
        previous = error;
        const retryable = error instanceof SendblueError && error.retryable && retry < this.#retry.maxRetries;
        if (!retryable) throw error;
        const retryAfter = error instanceof SendblueApiError ? error.retryAfterMs : undefined;
        const wait = retryAfter ?? backoffDelay(retry, this.#retry, this.#random);
        // Waiting past the deadline only to fail anyway would hide the real cause behind a timeout.
        if (Date.now() + wait >= deadlineAt) throw error;
        try {
          await this.#sleep(wait, signal);
        } catch (sleepError) {
          if (signal?.aborted) throw new SendblueAbortError(call.fromNumber, signal.reason);
          throw sleepError;
        }
      }
    }
  }

  async #attempt<T>(
    call: Call<T>,
    {
      attempt,
      deadlineAt,
      deadlineMs,
      signal,
      background,
    }: {
      attempt: number;
      deadlineAt: number;
      deadlineMs: number;
      signal: AbortSignal | undefined;
      background: boolean;
    },
  ): Promise<T> {
    if (signal?.aborted) throw new SendblueAbortError(call.fromNumber, signal.reason);
    const started = Date.now();
    const attemptMs = call.method === 'POST' ? this.#attemptTimeout.post : this.#attemptTimeout.other;
    const budget = Math.max(0, Math.min(attemptMs, deadlineAt - started));
    // An EventEmitter, which undici takes as a signal: on Node 20 each AbortController is a costly
    // transferable object, and this one would be made for every attempt.
    const abort = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.emit('abort');
    }, budget);
    const forwardAbort = () => abort.emit('abort');
    signal?.addEventListener('abort', forwardAbort, { once: true });
    const stopped = new Promise<never>((_, reject) => {
      abort.once('abort', () => reject(new Error('the attempt was stopped')));
    });
    // An attempt stopped before it awaits `stopped` (a late turn, a closed client) leaves it unawaited.
    stopped.catch(() => undefined);
    let sent = false;
    let outcome = 'error';
    let failed = true;
    try {
      const { statusCode, headers, text } = await this.#connections.run(
        async () => {
          // A turn granted as the attempt was stopped: the abort has fired, undici would not see it.
          // One granted with too little time left would only time out once sent, adding to the load.
          const left = started + budget - Date.now();
          if (this.#closing || timedOut || signal?.aborted || left < Math.min(minimumSendMs, budget / 2)) {
            throw new Error('the attempt was stopped');
          }
          sent = true;
          const responded = request(`${this.#baseUrl}${call.path}${call.query ? `?${call.query}` : ''}`, {
            dispatcher: this.#agent,
            method: call.method,
            headers: this.#headers(call.body !== undefined),
            body: call.body === undefined ? undefined : JSON.stringify(call.body),
            signal: abort,
          });
          // undici takes an abort only once the connection is open: one slow to open keeps the deadline too.
          const res = await Promise.race([responded, stopped]);
          return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
        },
        { stop: stopped, background },
      );
      outcome = String(statusCode);
      const result = this.#interpret(statusCode, headers['retry-after'], text, call);
      failed = false;
      return result;
    } catch (error) {
      if (error instanceof SendblueError) throw error;
      if (signal?.aborted) {
        outcome = 'aborted';
        throw new SendblueAbortError(call.fromNumber, signal.reason);
      }
      if (!sent && this.#closing) {
        // Not for lack of a connection: the app is shutting down.
        outcome = 'aborted';
        throw new SendblueAbortError(call.fromNumber, new Error('the Sendblue client was closed'));
      }
      const timeoutMs = budget < attemptMs ? deadlineMs : attemptMs;
      if (!sent) {
        outcome = 'busy';
        throw new SendblueBusyError(timeoutMs, call.fromNumber);
      }
      if (timedOut) {
        outcome = 'timeout';
        throw new SendblueTimeoutError(
          budget < attemptMs ? 'deadline' : 'attempt',
          timeoutMs,
          call.fromNumber,
        );
      }
      const code = errorCode(error);
      if (!code) throw error;
      outcome = code;
      throw new SendblueConnectionError(code, call.fromNumber, error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
      const ms = Date.now() - started;
      this.#onAttempt?.({ method: call.method, outcome: String(outcome), ms });
      const line = `sendblue ${call.method} ${call.path} number=${call.fromNumber ?? '-'} status=${outcome} attempt=${attempt} ms=${ms}`;
      if (failed) this.#log.warn(line);
      else this.#log.info(line);
    }
  }

  #headers(hasBody: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      'sb-api-key-id': this.#keyId,
      'sb-api-secret-key': this.#secret,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    };
  }

  #interpret<T>(
    status: number,
    retryAfter: string | string[] | undefined,
    text: string,
    { fromNumber, response, method }: Call<T>,
  ): T {
    if (status < 200 || status >= 300) {
      const retryAfterMs = parseRetryAfter(retryAfter, Date.now(), this.#retry.maxRetryAfterMs);
      throw apiErrorFor(status, this.#errorMessage(text), fromNumber, retryAfterMs, method);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SendblueProtocolError(`a body that is not JSON: ${this.#snippet(text)}`, status, fromNumber);
    }
    const parsed = response.safeParse(json);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    throw new SendblueProtocolError(
      `an undocumented shape (${problems}): ${this.#snippet(text)}`,
      status,
      fromNumber,
    );
  }

  #errorMessage(text: string): string | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = errorBodySchema.safeParse(json);
    return parsed.success && parsed.data.message.trim()
      ? this.#snippet(parsed.data.message.trim())
      : undefined;
  }

  /** Server text ends up in Slack messages and logs: keep it short and never let it echo our secrets. */
  #snippet(text: string): string {
    const clean = redactFragments(text, [this.#secret, this.#keyId]);
    return clean.length > SNIPPET_CHARS ? `${clean.slice(0, SNIPPET_CHARS)}…` : clean;
  }
}

// Shorter runs are too likely to occur by chance in ordinary text.
const minSecretFragment = 8;

/** Replaces every run of 8 or more characters taken from a secret, longest first. */
export function redactFragments(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    for (let length = secret.length; length >= minSecretFragment; length--) {
      for (let start = 0; start + length <= secret.length; start++) {
        const fragment = secret.slice(start, start + length);
        if (clean.includes(fragment)) clean = clean.replaceAll(fragment, '[redacted]');
      }
    }
  }
  return clean;
}
