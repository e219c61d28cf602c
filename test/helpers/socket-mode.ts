import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from '../fakes/fake-slack.js';

export const appToken = 'xapp-1-test';

/**
 * Slack's side of Socket Mode on 127.0.0.1: `apps.connections.open` on the fake Slack hands out
 * this server's URL, each connection gets a `hello`, and whatever the app sends back (its acks)
 * is recorded.
 */
export async function startFakeSocketMode(slack: FakeSlack) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  slack.on('apps.connections.open', (call) =>
    call.token === appToken
      ? { ok: true, url: `ws://127.0.0.1:${port}/` }
      : { ok: false, error: 'invalid_auth' },
  );
  const received: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let socket: WebSocket | undefined;
  let connections = 0;
  server.on('connection', (ws) => {
    socket = ws;
    connections += 1;
    ws.on('message', (data) => {
      try {
        received.push(JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        received.push({ unparsable: String(data) });
      }
      for (const wake of waiters.splice(0)) wake();
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1 }));
    for (const wake of waiters.splice(0)) wake();
  });

  async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake Socket Mode: ${what} never came`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    received,
    connections: () => connections,
    waitForConnection: (timeoutMs = 15_000) =>
      until(() => (socket ? socket : undefined), timeoutMs, 'a connection'),
    /** Sends one text frame as it is (any string, JSON or not). */
    send(text: string | Buffer) {
      if (!socket) throw new Error('fake Socket Mode: not connected');
      socket.send(text);
    },
    /** The app's ack of one envelope. */
    waitForAck: (envelopeId: string, timeoutMs = 5_000) =>
      until(
        () => received.find((message) => message.envelope_id === envelopeId),
        timeoutMs,
        `the ack of ${envelopeId}`,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

export type FakeSocketMode = Awaited<ReturnType<typeof startFakeSocketMode>>;

/** A `/contactcard` slash command envelope as Slack sends it over the socket. */
export function slashCommandEnvelope(envelopeId: string, text: string, responseUrl: string): string {
  return JSON.stringify({
    type: 'slash_commands',
    envelope_id: envelopeId,
    accepts_response_payload: true,
    payload: {
      token: 'legacy-verification-token',
      team_id: 'T0TEST',
      channel_id: 'C0CHANNEL',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/contactcard',
      text,
      response_url: responseUrl,
      trigger_id: `trigger-${Date.now()}`,
      api_app_id: 'A0APP',
    },
  });
}
