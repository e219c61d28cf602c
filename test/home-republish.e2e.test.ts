import { afterAll, beforeAll, expect, it } from 'vitest';
import { faults } from './fakes/fake-sendblue.js';
import type { SlackCall } from './fakes/fake-slack.js';
import { appHomeOpened, bulkSubmission } from './helpers/payloads.js';
import { signedHeaders } from './helpers/slack-signing.js';
import { signingSecret, startTestApp, type TestApp } from './helpers/test-app.js';

// Re-publishing open Home tabs while a bulk job changes hundreds of numbers: per person at most one
// publish in flight and one owed, at most one re-publish per gap, and a 429 ratelimited from Slack
// waited out and retried, through the real app and a fake Slack that limits publishes per user.

const admin = 'U0ADMIN';
const owner = 'U0OWNER';
const bystander = 'U0OTHER';
const lines = Array.from({ length: 300 }, (_, i) => `+1415556${String(1000 + i).padStart(4, '0')}`);
const gapMs = 250;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    env: { CONTACTCARD_ADMINS: admin, CONTACTCARD_BULK_CONCURRENCY: '4' },
    lines,
    homeRepublishGapMs: gapMs,
  });
  for (const number of lines.slice(0, 10)) await app.services.store.assign(number, owner, admin);
});
afterAll(() => app.stop());

async function openHome(user: string): Promise<void> {
  const body = JSON.stringify(appHomeOpened(user));
  const answer = await app.postSigned(body, {
    ...signedHeaders(signingSecret, body),
    'content-type': 'application/json',
  });
  expect(answer.status).toBe(200);
  await app.settle();
}

const publishesTo = (user: string): SlackCall[] =>
  app.slack.callsTo('views.publish').filter((call) => call.args.user_id === user);

it('a bulk job of 300 numbers publishes each open tab a bounded number of times, retrying what Slack rate-limits', async () => {
  for (const user of [admin, owner, bystander]) await openHome(user);
  app.slack.reset();
  app.slack.limitPublishes({ perUser: 2, windowMs: 1_000 });
  for (const number of lines) app.sendblue.inject(number, faults.latency(10));

  const started = Date.now();
  const ack = await app.interact(
    bulkSubmission({ user: admin, all: true, responseUrl: app.slack.responseUrl('bulk') }),
  );
  expect(ack.status).toBe(200);
  await app.settle();
  const elapsedMs = Date.now() - started;

  const entries = await Promise.all(lines.map((number) => app.services.store.history(number, 1)));
  expect(entries.filter(([entry]) => entry?.outcome === 'ok')).toHaveLength(300);

  // One publish per gap at most (and the one a change finds idle), not one per number.
  const bound = Math.ceil(elapsedMs / gapMs) + 2;
  for (const user of [admin, owner]) {
    const calls = publishesTo(user);
    const accepted = calls.filter((call) => !call.rateLimited);
    expect({ user, accepted: accepted.length <= bound }).toEqual({ user, accepted: true });
    expect(accepted.length).toBeGreaterThan(0);
    // Whatever Slack refused was sent again after its Retry-After: the last word is an accepted publish.
    expect(calls.at(-1)?.rateLimited).toBeUndefined();
  }
  expect(publishesTo(admin).some((call) => call.rateLimited)).toBe(true);
  const last = JSON.stringify(publishesTo(admin).at(-1)?.args.view);
  expect(last).toContain('300 submitted');
  // A tab that shows none of the numbers is not published again.
  expect(publishesTo(bystander)).toEqual([]);
}, 60_000);
