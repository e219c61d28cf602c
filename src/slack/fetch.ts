import { Agent, fetch } from 'undici';

/**
 * The Web API client's `fetch` (a supported WebClientOptions field): undici's own, over one
 * keep-alive Agent, with an optional deadline kept by a plain timer. The client's `timeout` option
 * would create an AbortSignal.timeout() per call instead, which on Node 20 is a costly
 * transferable signal that lives for the whole timeout.
 */
export function slackFetch(options: { timeoutMs?: number } = {}): typeof globalThis.fetch {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const { timeoutMs } = options;
  return (async (input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1] = {}) => {
    if (timeoutMs === undefined) return fetch(input, { ...init, dispatcher });
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      return await fetch(input, { ...init, dispatcher, signal: deadline.signal });
    } finally {
      clearTimeout(timer);
    }
  }) as unknown as typeof globalThis.fetch;
}
