import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ids } from '../src/slack/views/ids.js';
import { faults } from './fakes/fake-sendblue.js';
import { workflowToken } from './fakes/fake-slack.js';
import { functionExecuted, runBy, sampleCard, sampleNumber } from './helpers/payloads.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// The Workflow Builder steps through the real app: signed function_executed events over HTTP, a
// fake Slack that records functions.completeSuccess/completeError, a fake Sendblue.

const admin = 'U0ADMIN';
const other = 'U0OTHER';
const setInputs = (inputs: Record<string, unknown> = {}) => ({
  actor: runBy(admin),
  number: '(415) 555-1234',
  first_name: sampleCard.firstName,
  last_name: sampleCard.lastName,
  photo_url: sampleCard.photoUrl,
  ...inputs,
});
const posts = (app: TestApp) => app.sendblue.requestsFor(sampleNumber).filter((r) => r.method === 'POST');

/** Delivers a step and waits for how it ended: the one completion call for its execution. */
async function runStep(app: TestApp, event: ReturnType<typeof functionExecuted>) {
  const acked = await app.deliver(event);
  expect(acked.status).toBe(200);
  await app.settle();
  const id = event.event.function_execution_id;
  const ends = app.slack.calls.filter(
    (call) => call.method.startsWith('functions.complete') && call.args.function_execution_id === id,
  );
  expect(ends).toHaveLength(1);
  const [end] = ends as [(typeof ends)[number]];
  expect(end.token).toBe(workflowToken(id));
  return end;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CONTACTCARD_ADMINS: admin } });
});
afterAll(() => app.stop());
beforeEach(() => {
  app.slack.reset();
  app.sendblue.reset();
});

describe('Set a contact card', () => {
  it('applies the card as the person running the workflow, announces it and outputs the outcome', async () => {
    const end = await runStep(
      app,
      functionExecuted(ids.functions.setCard, setInputs({ announce_channel: 'C0ONBOARD' })),
    );
    expect(end.method).toBe('functions.completeSuccess');
    const outputs = end.args.outputs as Record<string, unknown>;
    expect(outputs).toMatchObject({ outcome: 'applied', number: sampleNumber });
    const [entry] = await app.services.store.history(sampleNumber, 1);
    expect(outputs.change_id).toBe(entry?.id);
    expect(entry).toMatchObject({ actorId: admin, outcome: 'ok' });
    expect(posts(app)).toHaveLength(1);
    const announced = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0ONBOARD');
    expect(JSON.stringify(announced)).toContain(sampleCard.firstName);
  });

  it('takes names and photo from a Slack user when the fields are empty', async () => {
    const inputs = setInputs({
      first_name: null,
      last_name: '',
      photo_url: undefined,
      profile_user: 'U0JANE',
    });
    const end = await runStep(app, functionExecuted(ids.functions.setCard, inputs));
    expect((end.args.outputs as Record<string, unknown>).outcome).toBe('applied');
    expect(JSON.stringify(posts(app)[0]?.body)).toContain('Doe');
  });

  it('fails with an error naming the input for an invalid number; nothing is sent', async () => {
    const end = await runStep(app, functionExecuted(ids.functions.setCard, setInputs({ number: '12' })));
    expect(end.method).toBe('functions.completeError');
    expect(String(end.args.error)).toMatch(/^Number: /);
    expect(posts(app)).toEqual([]);
  });

  it('fails when Slack did not say who runs the workflow', async () => {
    const end = await runStep(app, functionExecuted(ids.functions.setCard, setInputs({ actor: null })));
    expect(end.method).toBe('functions.completeError');
    expect(String(end.args.error)).toContain('who is running the workflow');
  });

  it('refuses someone who may not change the number, with the same reason text', async () => {
    const end = await runStep(
      app,
      functionExecuted(ids.functions.setCard, setInputs({ actor: runBy(other) })),
    );
    expect(end.method).toBe('functions.completeSuccess');
    const outputs = end.args.outputs as Record<string, unknown>;
    expect(outputs.outcome).toBe('refused');
    expect(String(outputs.reason)).toContain('Only an admin may change the card of this number.');
    expect(posts(app)).toEqual([]);
  });

  it('outputs failed, with the change id and why, when Sendblue answers 500', async () => {
    app.sendblue.inject(sampleNumber, faults.error(500, 'Failed to apply contact card on device'));
    const end = await runStep(app, functionExecuted(ids.functions.setCard, setInputs()));
    const outputs = end.args.outputs as Record<string, unknown>;
    expect(outputs).toMatchObject({ outcome: 'failed', number: sampleNumber });
    const [entry] = await app.services.store.history(sampleNumber, 1);
    expect(entry).toMatchObject({ id: outputs.change_id, outcome: 'failed' });
    expect(String(outputs.reason)).toContain('Failed to apply contact card on device');
  });

  it('applies a redelivered event once and ends the step once', async () => {
    const event = functionExecuted(ids.functions.setCard, setInputs());
    const [first, again] = await Promise.all([app.deliver(event), app.deliver(event, { retryNum: 1 })]);
    expect([first.status, again.status]).toEqual([200, 200]);
    await app.settle();
    await app.deliver(event, { retryNum: 2 });
    await app.settle();
    expect(posts(app)).toHaveLength(1);
    expect(app.slack.calls.filter((c) => c.method.startsWith('functions.complete'))).toHaveLength(1);
  });
});

describe('Read a contact card', () => {
  const readBy = (actor: string) =>
    runStep(app, functionExecuted(ids.functions.readCard, { actor: runBy(actor), number: sampleNumber }));

  it('outputs the card Sendblue shows, with the photo last set here', async () => {
    await runStep(app, functionExecuted(ids.functions.setCard, setInputs()));
    const end = await readBy(other);
    expect(end.args.outputs).toEqual({
      status: 'set',
      number: sampleNumber,
      first_name: sampleCard.firstName,
      last_name: sampleCard.lastName,
      photo_url: sampleCard.photoUrl,
    });
  });

  it('outputs a card set outside contactcard without the old photo, and remembers what it saw', async () => {
    await runStep(app, functionExecuted(ids.functions.setCard, setInputs()));
    app.sendblue.profiles.set(sampleNumber, {
      firstName: 'Maria',
      lastName: 'Garcia',
      displayName: null,
      photoUrl: 'https://example.com/elsewhere.jpg',
    });
    const end = await readBy(other);
    expect(end.args.outputs).toEqual({
      status: 'set',
      number: sampleNumber,
      first_name: 'Maria',
      last_name: 'Garcia',
    });
    expect(await app.services.store.observedCard(sampleNumber)).toMatchObject({
      card: { firstName: 'Maria', lastName: 'Garcia' },
      source: 'show',
    });
  });
});

describe('with approval on', () => {
  let held: TestApp;
  beforeAll(async () => {
    held = await startTestApp({
      env: { CONTACTCARD_ADMINS: `${admin},U0ADMIN2`, CONTACTCARD_APPROVAL: 'all' },
    });
  });
  afterAll(() => held.stop());

  it('ends the step at once as waiting_for_approval; nothing is sent until approved', async () => {
    const end = await runStep(held, functionExecuted(ids.functions.setCard, setInputs()));
    const outputs = end.args.outputs as Record<string, unknown>;
    expect(outputs.outcome).toBe('waiting_for_approval');
    const approval = await held.services.store.approval(Number(outputs.approval_id));
    expect(approval).toMatchObject({ state: 'waiting', requesterId: admin });
    expect(held.sendblue.requestsFor(sampleNumber).filter((r) => r.method === 'POST')).toEqual([]);
  });
});
