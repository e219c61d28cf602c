import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { faults } from './fakes/fake-sendblue.js';
import { formValues, sampleCard, sampleNumber, viewSubmission } from './helpers/payloads.js';
import { freePort, startTestApp, type TestApp } from './helpers/test-app.js';

// /metrics on its own port, through the real app: what a change, a refusal and Sendblue's answers add.

let app: TestApp;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  app = await startTestApp({
    env: { CONTACTCARD_METRICS_PORT: String(port), HOST: '127.0.0.1', CONTACTCARD_ADMINS: 'U0ADMIN' },
  });
  metricsUrl = `http://127.0.0.1:${port}`;
});
afterAll(() => app.stop());

const submit = (user: string, reply: string) => {
  const metadata = encodeMetadata({
    number: sampleNumber,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(reply),
  });
  return app.interact(
    viewSubmission({ id: `V${reply}`, private_metadata: metadata }, formValues(sampleCard), user),
  );
};

const scrape = async () => {
  const response = await fetch(`${metricsUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

describe('metrics', () => {
  it('count changes by kind and outcome, and time Sendblue by method and status', async () => {
    await submit('U0ADMIN', 'ok');
    await app.settle();
    app.sendblue.inject(sampleNumber, faults.failTimes(1, 500));
    await submit('U0ADMIN', 'failed');
    await app.settle();
    // Someone without rights: refused when the modal is submitted, so not counted as a change.
    await submit('U0STRANGER', 'refused');
    await app.settle();
    const text = await scrape();
    expect(text).toContain('contactcard_changes_total{kind="set",outcome="ok"} 1');
    expect(text).toContain('contactcard_changes_total{kind="set",outcome="failed"} 1');
    expect(text).toMatch(
      /contactcard_sendblue_request_duration_seconds_count\{method="POST",status="200"\} 1\b/,
    );
    expect(text).toMatch(
      /contactcard_sendblue_request_duration_seconds_count\{method="POST",status="500"\} 1\b/,
    );
    expect(text).toContain('contactcard_changes_waiting 0');
    expect(text).toContain('contactcard_store_errors_total');
    expect(text).toContain('contactcard_process_cpu_seconds_total');
    // No phone number or user in any label.
    expect(text).not.toContain(sampleNumber.slice(1));
    expect(text).not.toContain('U0ADMIN');
  });

  it('are served only at GET /metrics on their own port, never on the Slack port', async () => {
    expect((await fetch(`${metricsUrl}/`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
  });
});
