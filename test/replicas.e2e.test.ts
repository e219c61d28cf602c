import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../src/adapters/store/postgres.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { type FakeSendblue, faults, startFakeSendblue } from './fakes/fake-sendblue.js';
import { type FakeSlack, startFakeSlack } from './fakes/fake-slack.js';
import { fakeEnv } from './helpers/fake-env.js';
import { formValues, sampleCard, viewSubmission } from './helpers/payloads.js';
import { postgresOrSkip, type TestPostgres } from './helpers/postgres.js';
import { type ChildApp, commandBody, signingSecret, spawnEntryPoint } from './helpers/test-app.js';

// Several replicas of the real app (the entry point, as child processes) on one PostgreSQL
// database, against the fake Slack and the fake Sendblue: order per number across replicas,
// a replica's death, and the database going away for a while. No mocked database.

const pg = await postgresOrSkip();
afterAll(() => pg?.stop());
const admin = 'U0ALICE';
const raced = '+14155550111';
const other = '+14155550122';
const killed = '+14155550133';
const survivor = '+14155550144';
const lines = [raced, other, killed, survivor];

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

function replicaEnv(slack: FakeSlack, sendblue: FakeSendblue, databaseUrl: string): Record<string, string> {
  return {
    ...fakeEnv(slack, sendblue, signingSecret),
    CONTACTCARD_DATABASE_URL: databaseUrl,
    CONTACTCARD_ADMINS: admin,
    CONTACTCARD_PHOTO_CHECK: 'false',
    // The reads that confirm "live" would overlap the writes this suite counts.
    CONTACTCARD_LIVE_CHECK: 'false',
    LOG_LEVEL: 'warn',
  };
}

/** A card submission for `number`, answered on its own response_url `reply`. */
function submission(slack: FakeSlack, number: string, firstName: string, reply: string) {
  const metadata = encodeMetadata({ number, channel: 'C0CHANNEL', responseUrl: slack.responseUrl(reply) });
  const body = viewSubmission(
    { id: `V${reply}`, private_metadata: metadata },
    formValues({ ...sampleCard, firstName }),
    admin,
  );
  return new URLSearchParams({ payload: JSON.stringify(body) }).toString();
}

const answered = (slack: FakeSlack, reply: string) =>
  slack.responsePosts.filter((post) => post.path === `/response/${reply}`);
const outcomeOf = (slack: FakeSlack, reply: string) =>
  answered(slack, reply).find(
    (post) => post.body.response_type === 'in_channel' || /Could not/.test(String(post.body.text)),
  );

describe.skipIf(!pg)('several replicas on one PostgreSQL database', () => {
  let slack: FakeSlack;
  let sendblue: FakeSendblue;
  let databaseUrl: string;
  let store: PostgresStore;
  const replicas: ChildApp[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    sendblue = await startFakeSendblue();
    sendblue.setLines(lines);
    databaseUrl = await (pg as TestPostgres).newDatabase();
    const env = replicaEnv(slack, sendblue, databaseUrl);
    replicas.push(await spawnEntryPoint(env), await spawnEntryPoint(env));
    await Promise.all(replicas.map((replica) => replica.waitForHealth(30_000)));
    store = await openPostgresStore(databaseUrl, { poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await Promise.all(replicas.map((replica) => replica.kill()));
    await slack?.close();
    await sendblue?.close();
  });

  it('40 submissions for one number, alternating between two replicas, reach Sendblue one at a time in recorded order; another number runs alongside', async () => {
    sendblue.inject(raced, faults.latency(1_000));
    sendblue.inject(other, faults.latency(1_000));
    const names = Array.from({ length: 40 }, (_, i) => `Racer${i}`);
    const acks = await Promise.all(
      names.map((name, i) => replicas[i % 2]?.postSigned(submission(slack, raced, name, `race${i}`))),
    );
    expect(acks.map((ack) => ack?.status)).toEqual(names.map(() => 200));
    const otherStarted = Date.now();
    expect((await replicas[1]?.postSigned(submission(slack, other, 'Alongside', 'other')))?.status).toBe(200);
    await until('the other number’s outcome', () => outcomeOf(slack, 'other') !== undefined, 20_000);
    const otherTook = Date.now() - otherStarted;
    await until(
      '40 outcomes',
      () => names.every((_, i) => outcomeOf(slack, `race${i}`) !== undefined),
      90_000,
    );

    expect(sendblue.maxInFlight(raced)).toBe(1);
    // The other number did not wait behind the 40 (about 40 s of Sendblue time).
    expect(otherTook).toBeLessThan(10_000);
    for (const [i] of names.entries())
      expect(outcomeOf(slack, `race${i}`)?.body.response_type).toBe('in_channel');

    const history = await store.history(raced, 100);
    expect(history).toHaveLength(40);
    expect(history.every((entry) => entry.outcome === 'ok')).toBe(true);
    expect(new Set(history.map((entry) => entry.instanceId)).size).toBe(2);
    // Sendblue was called in the order the changes were recorded (ids ascending).
    const posted = sendblue
      .requestsFor(raced)
      .filter((request) => request.method === 'POST')
      .map((request) => (request.body as { firstName?: string }).firstName);
    const recorded = [...history].reverse().map((entry) => entry.after?.firstName);
    expect(posted).toEqual(recorded);
    expect(sendblue.profiles.get(raced)?.firstName).toBe(history[0]?.after?.firstName);

    // `history` from either replica tells the same story.
    const told = await Promise.all(
      replicas.map(async (replica, i) => {
        const answer = await replica.postSigned(
          commandBody(`history ${raced}`, slack.responseUrl(`h${i}`), { user: admin }),
        );
        return JSON.parse(answer.text) as { text: string; blocks: unknown[] };
      }),
    );
    expect(told[0]?.blocks).toEqual(told[1]?.blocks);
    expect(JSON.stringify(told[0])).toContain(String(history[0]?.after?.firstName));
  }, 150_000);

  it('the same submission sent to both replicas at once is recorded and sent once', async () => {
    const twice = submission(slack, other, 'Twice', 'twice');
    const posts = sendblue.requestsFor(other).length;
    const acks = await Promise.all(replicas.slice(0, 2).map((replica) => replica.postSigned(twice)));
    expect(acks.map((ack) => ack.status)).toEqual([200, 200]);
    await until('both answers', () => answered(slack, 'twice').length >= 2, 20_000);
    expect(sendblue.requestsFor(other).length - posts).toBe(1);
    const entries = (await store.history(other, 100)).filter(
      (entry) => entry.requestKey === 'Vtwice:hash-Vtwice',
    );
    expect(entries).toHaveLength(1);
    expect(
      answered(slack, 'twice').some((post) => String(post.body.text).includes('already submitted')),
    ).toBe(true);
  }, 30_000);

  it('a replica killed while its change is at Sendblue: the other marks it "outcome unknown" within 30 s and keeps serving; its own pending change is never touched', async () => {
    const [doomed, alive] = replicas as [ChildApp, ChildApp];
    sendblue.hold(killed);
    sendblue.hold(survivor);
    expect((await doomed.postSigned(submission(slack, killed, 'Doomed', 'doomed'))).status).toBe(200);
    expect((await alive.postSigned(submission(slack, survivor, 'Survivor', 'survivor'))).status).toBe(200);
    await until(
      'both changes at Sendblue',
      () => sendblue.inFlight(killed) === 1 && sendblue.inFlight(survivor) === 1,
    );

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    await until(
      'the dead replica’s change marked unknown',
      async () => (await store.history(killed, 1))[0]?.outcome === 'unknown',
      35_000,
    );
    const markedAfterMs = Date.now() - killedAt;
    console.info(`a SIGKILLed replica's change was marked unknown after ${markedAfterMs} ms`);
    expect(markedAfterMs).toBeLessThan(30_000);
    expect((await store.history(survivor, 1))[0]?.outcome).toBe('pending');
    expect((await fetch(`${alive.url}/healthz`)).status).toBe(200);
    const help = await alive.postSigned(commandBody('help', slack.responseUrl('help'), { user: admin }));
    expect(help.status).toBe(200);

    // The killed replica comes back: it does not touch the survivor's change, which still completes.
    const restarted = await spawnEntryPoint(replicaEnv(slack, sendblue, databaseUrl));
    replicas.push(restarted);
    await restarted.waitForHealth(30_000);
    expect((await store.history(survivor, 1))[0]?.outcome).toBe('pending');
    sendblue.release(survivor);
    await until('the survivor’s outcome', () => outcomeOf(slack, 'survivor') !== undefined, 20_000);
    expect((await store.history(survivor, 1))[0]?.outcome).toBe('ok');
    sendblue.release(killed);
  }, 120_000);
});

describe.skipIf(!pg)('the database away for 10 s under load', () => {
  let slack: FakeSlack;
  let sendblue: FakeSendblue;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let replica: ChildApp;
  let store: PostgresStore;

  beforeAll(async () => {
    slack = await startFakeSlack();
    sendblue = await startFakeSendblue();
    sendblue.setLines(lines);
    const databaseUrl = await (pg as TestPostgres).newDatabase();
    proxy = await cuttableProxy(new URL(databaseUrl));
    replica = await spawnEntryPoint(replicaEnv(slack, sendblue, proxy.url));
    await replica.waitForHealth(30_000);
    store = await openPostgresStore(databaseUrl, { poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await replica?.kill();
    await proxy?.close();
    await slack?.close();
    await sendblue?.close();
  });

  it('no crash, a clear private message, /healthz says so; afterwards all works again and nothing recorded is lost', async () => {
    // A change already at Sendblue when the database goes: its outcome must still be recorded.
    sendblue.hold(raced);
    expect((await replica.postSigned(submission(slack, raced, 'Before', 'before'))).status).toBe(200);
    await until('the change at Sendblue', () => sendblue.inFlight(raced) === 1);

    await proxy.cut();
    const cutAt = Date.now();
    sendblue.release(raced);
    const statuses: number[] = [];
    const told: string[] = [];
    let health = 0;
    for (let i = 0; Date.now() - cutAt < 10_000; i++) {
      const answer = await replica.postSigned(
        commandBody(`history ${raced}`, slack.responseUrl(`down${i}`), { user: admin }),
      );
      statuses.push(answer.status);
      if (answer.status === 200 && answer.text) told.push(answer.text);
      const submitted = await replica.postSigned(submission(slack, other, `During${i}`, `during${i}`));
      statuses.push(submitted.status);
      health = (await fetch(`${replica.url}/healthz`)).status;
      expect(replica.child.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(health).toBe(503);
    expect(told.length).toBeGreaterThan(0);
    expect(told.filter((text) => !text.includes('could not reach its database'))).toEqual([]);

    await proxy.mend();
    await until(
      '/healthz 200 again',
      async () => (await fetch(`${replica.url}/healthz`)).status === 200,
      20_000,
    );
    // The change that was at Sendblue during the outage was recorded once the database came back.
    await until(
      'the held change recorded',
      async () => (await store.history(raced, 1))[0]?.outcome === 'ok',
      60_000,
    );
    await until('its announcement', () => outcomeOf(slack, 'before') !== undefined, 20_000);
    expect(outcomeOf(slack, 'before')?.body.response_type).toBe('in_channel');
    // And new work goes through as usual.
    expect((await replica.postSigned(submission(slack, other, 'After', 'after'))).status).toBe(200);
    await until('a change after the outage', () => outcomeOf(slack, 'after') !== undefined, 20_000);
    expect((await store.history(other, 1))[0]).toMatchObject({
      outcome: 'ok',
      after: { firstName: 'After' },
    });
    expect(replica.child.exitCode).toBeNull();
  }, 120_000);
});

/** A TCP hop between the app and PostgreSQL that can be cut, to take the database away and back. */
async function cuttableProxy(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; mend(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = createConnectionTo(target);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  };
  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut: stop, mend: listen, close: stop };
}

function createConnectionTo(target: URL): Socket {
  return connect(Number(target.port || 5432), target.hostname);
}
