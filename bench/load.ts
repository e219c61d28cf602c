/**
 * The load generator: a closed loop of `concurrency` workers over one undici Pool per target
 * (keep-alive, one connection per worker), each request signed like Slack signs it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { formValues, viewSubmission } from '../test/helpers/payloads.js';
import { signedHeaders } from '../test/helpers/slack-signing.js';
import { channelId, commandText, signingSecret, type TargetName } from './protocol.js';

export interface Target {
  name: TargetName;
  url: string;
  pool: Pool;
}

export function poolFor(url: string): Pool {
  // Enough connections for the highest concurrency; keep-alive longer than any pause between rounds.
  return new Pool(url, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
}

export interface Request {
  body: string;
  /** The trigger_id of a command (the user of an event), to match it with its call at the fake Slack. */
  key: string;
  /** Sent as JSON, as Slack sends events; otherwise form-encoded, as commands and interactions. */
  json?: boolean;
}

export interface Run {
  /** Latencies (ms) of the measured requests, in completion order. */
  latencies: number[];
  /** When each measured request was sent (process.hrtime.bigint), by key. */
  sentAt: Map<string, bigint>;
  errors: number;
  /** Wall time of the measured window, ms. */
  wallMs: number;
}

/**
 * Sends `warm + measured + cool` requests with `concurrency` in flight at all times; only the middle
 * `measured` are recorded, so every recorded request ran at the full concurrency. With `pauseMs`, each
 * worker waits that long after each answer (requests then do not overlap the previous one's follow-up).
 */
export async function drive(
  target: Target,
  options: { concurrency: number; warm: number; measured: number; cool?: number; pauseMs?: number },
  make: (index: number) => Request,
): Promise<Run> {
  const { concurrency, warm, measured, pauseMs = 0 } = options;
  const cool = options.cool ?? concurrency;
  const total = warm + measured + cool;
  const latencies: number[] = [];
  const sentAt = new Map<string, bigint>();
  let errors = 0;
  let next = 0;
  let firstMeasured: bigint | undefined;
  let lastMeasured: bigint | undefined;

  async function worker(): Promise<void> {
    while (next < total) {
      const index = next++;
      const { body, key, json } = make(index);
      const headers = {
        ...signedHeaders(signingSecret, body),
        ...(json ? { 'content-type': 'application/json' } : {}),
      };
      const recorded = index >= warm && index < warm + measured;
      const started = process.hrtime.bigint();
      let ok = false;
      try {
        const response = await target.pool.request({ path: '/slack/events', method: 'POST', headers, body });
        await response.body.dump();
        ok = response.statusCode === 200;
      } catch {
        ok = false;
      }
      const ended = process.hrtime.bigint();
      if (pauseMs > 0) await sleep(pauseMs);
      if (!recorded) continue;
      if (!ok) errors += 1;
      firstMeasured ??= started;
      lastMeasured = ended;
      latencies.push(Number(ended - started) / 1e6);
      sentAt.set(key, started);
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = firstMeasured && lastMeasured ? Number(lastMeasured - firstMeasured) / 1e6 : Number.NaN;
  return { latencies, sentAt, errors, wallMs };
}

/** `/contactcard set +1 415 555 1234` (or `text`) as Slack sends it, with the given trigger_id. */
export function commandRequests(responseUrl: string, text = commandText) {
  const base = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    channel_id: channelId,
    channel_name: 'support',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/contactcard',
    text,
    response_url: responseUrl,
    api_app_id: 'A0APP',
  }).toString();
  // No dash in a trigger id: the fake Slack would read a creation time from what follows one.
  return (triggerId: string): Request => ({ body: `${base}&trigger_id=${triggerId}`, key: triggerId });
}

/** A valid card submitted from a card modal opened for `number`, a distinct view each time. */
export function submissionRequest(viewId: string, number: string, responseUrl: string): Request {
  const privateMetadata = JSON.stringify({ number, channel: channelId, responseUrl });
  const payload = viewSubmission(
    { id: viewId, private_metadata: privateMetadata },
    formValues({
      firstName: 'Ada',
      lastName: 'Lovelace',
      photoUrl: 'https://example.com/ada.jpg',
      displayName: null,
    }),
  );
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), key: viewId };
}

/** The Home tab opened by `user`, as Slack sends the event. */
export function homeOpened(user: string): Request {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${user}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1700000000.1' },
  });
  return { body, key: user, json: true };
}
