/**
 * The Web API client's `fetch` (a supported WebClientOptions field) with a deadline kept by a plain
 * timer: the client's `timeout` option would create an AbortSignal.timeout() per call, which on
 * Node 20 is a costly transferable signal that lives for the whole timeout. It stays the global
 * fetch: the client builds its uploads with the global FormData and Blob, which another fetch (the
 * undici package's) would not recognise.
 */
export function deadlineFetch(timeoutMs: number): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      return await globalThis.fetch(input, { ...init, signal: deadline.signal });
    } finally {
      clearTimeout(timer);
    }
  };
}
