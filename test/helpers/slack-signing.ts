import { createHmac } from 'node:crypto';

/** Slack's v0 request signature over the raw body, exactly as Slack computes it. */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return `v0=${digest}`;
}

export function signedHeaders(
  signingSecret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, body),
  };
}

/**
 * POSTs `body` to the app at `url` as Slack would (signed with `signingSecret` unless other headers
 * are given) and reads the whole answer.
 */
export async function postSigned(
  url: string,
  signingSecret: string,
  body: string,
  headers: Record<string, string> = signedHeaders(signingSecret, body),
) {
  const response = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}
