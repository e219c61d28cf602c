import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slackSignature } from './helpers/slack-signing.js';

// Slack's worked example from "Verifying requests from Slack", as kept in ../shared/reference.
const example = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe('the test helper that signs requests', () => {
  it("reproduces Slack's documented signing example", () => {
    expect(slackSignature(example.secret, example.timestamp, example.body)).toBe(example.signature);
  });

  it('changes with any byte of the body', () => {
    expect(slackSignature(example.secret, example.timestamp, `${example.body} `)).not.toBe(example.signature);
  });

  const referencePath = new URL('../../shared/reference/slack-request-signing.md', import.meta.url);
  it.runIf(existsQuietly(referencePath))(
    'uses the same vector as ../shared/reference (skipped when absent)',
    () => {
      const reference = readFileSync(referencePath, 'utf8');
      expect(reference).toContain(example.signature);
      expect(reference).toContain(example.body);
    },
  );
});

function existsQuietly(path: URL): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    console.warn(
      'signing.test.ts: ../shared/reference/slack-request-signing.md is absent; cross-check SKIPPED',
    );
    return false;
  }
}
