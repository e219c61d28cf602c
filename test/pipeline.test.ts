import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhotoVerdict } from '../src/adapters/photo/index.js';
import { apiErrorFor } from '../src/adapters/sendblue/errors.js';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store/sqlite.js';
import { Access, type LinesLookup } from '../src/domain/access/access.js';
import type { ProfileInput } from '../src/domain/card/rules.js';
import { loadConfig } from '../src/runtime/config.js';
import { createLogger } from '../src/runtime/logger.js';
import { InFlight } from '../src/runtime/operations.js';
import { ChangePipeline, type ChangeRequest } from '../src/use-cases/changes/pipeline.js';
import { storeTurns } from '../src/use-cases/changes/turns.js';
import { ApprovalDesk } from '../src/use-cases/flows/approvals.js';
import { changeAndPresent, type PresentingDeps } from '../src/use-cases/flows/card.js';
import { LiveChecks } from '../src/use-cases/flows/live.js';
import type { Audience, Delivery, SlackOutbox } from '../src/use-cases/flows/ports.js';

// The change pipeline and its presenter with in-memory ports: a SQLite store in memory, a Sendblue
// stand-in that can be held or made to fail, and a Slack outbox that records what it was asked.

const admin = 'UADMIN';
const owner = 'UOWNER';
const other = 'UOTHER';
const number = '+14155551234';
const second = '+14155550000';
const card = (first: string, at = number): ProfileInput => ({
  fromNumber: at,
  firstName: first,
  lastName: 'Smith',
  photoUrl: 'https://example.com/p.jpg',
  displayName: undefined,
});

class FakeSendblue {
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failWith: unknown;
  private gates: Array<() => void> = [];
  held = false;

  private async enter(what: string) {
    this.calls.push(what);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.held) await new Promise<void>((resolve) => this.gates.push(resolve));
      if (this.failWith) throw this.failWith;
    } finally {
      this.inFlight--;
    }
  }
  upsertProfile = async (input: ProfileInput) => {
    await this.enter(`set ${input.fromNumber} ${input.firstName}`);
    return { status: 'OK' } as never;
  };
  deleteProfile = async (at: string) => {
    await this.enter(`delete ${at}`);
    return { status: 'OK' } as never;
  };
  release() {
    this.held = false;
    for (const open of this.gates.splice(0)) open();
  }
}

class RecordingOutbox implements SlackOutbox {
  sent: Array<{ how: string; to?: string; text: string }> = [];
  refuse = new Set<string>();
  private deliver(how: string, text: string, to?: string): Delivery {
    this.sent.push({ how, text, ...(to ? { to } : {}) });
    return this.refuse.has(how) ? { ok: false, error: 'not_in_channel' } : { ok: true, route: how };
  }
  async announce(_: Audience, message: { text: string }) {
    return this.deliver('announce', message.text);
  }
  async tellPrivately(_: Audience, message: { text: string }) {
    return this.deliver('private', message.text);
  }
  async post(channel: string, message: { text: string }) {
    return this.deliver('post', message.text, channel);
  }
  async openModal() {
    return { ok: true as const, viewId: 'V1', hash: 'h' };
  }
  async updateModal(_: string, view: { blocks: unknown[] }) {
    return this.deliver('modal', JSON.stringify(view.blocks));
  }
  async fileInfo() {
    return undefined;
  }
  async userProfile() {
    return undefined;
  }
  async uploadPrivately() {
    return this.deliver('upload', '');
  }
  async publishHome() {
    return this.deliver('home', '');
  }
  async postTracked(_: string, message: { text: string }) {
    this.deliver('tracked', message.text);
    return { ok: true as const, ts: '1.0' };
  }
  async updateAnnouncement(_: Audience, __: Delivery, message: { text: string }) {
    return this.deliver('reannounce', message.text);
  }
  async updateMessage(_: string, __: string, message: { text: string }) {
    return this.deliver('update', message.text);
  }
  labelled = <T>(message: T) => message;
  labelledView = <T>(view: T) => view;
  texts(how: string) {
    return this.sent.filter((s) => s.how === how).map((s) => s.text);
  }
}

let store: SqliteStore;
let sendblue: FakeSendblue;
let photo: PhotoVerdict;
let lines: LinesLookup;
let pipeline: ChangePipeline;

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.assign(number, owner, admin);
  sendblue = new FakeSendblue();
  photo = { ok: true, url: 'https://example.com/p.jpg', networkChecked: false, warnings: [] };
  lines = { numbers: () => undefined, mayHave: () => true };
  const access = new Access(store, { numbers: () => lines.numbers(), mayHave: (n) => lines.mayHave(n) }, [
    admin,
  ]);
  pipeline = new ChangePipeline({
    access,
    store,
    sendblue,
    photos: { check: async () => photo },
    turns: storeTurns(store.turns),
  });
});
afterEach(() => store.close());

const set = (
  actorId: string,
  first: string,
  extra: { number?: string; requestKey?: string } = {},
): ChangeRequest => {
  const at = extra.number ?? number;
  return { kind: 'set', number: at, card: card(first, at), actorId, requestKey: extra.requestKey };
};

describe('the change pipeline', () => {
  it('refuses someone without rights before anything is recorded or sent, naming who can help', async () => {
    const result = await pipeline.run(set(other, 'Jane'));
    expect(result).toMatchObject({ status: 'refused', refusal: { helpers: [owner] } });
    expect(await store.history(number)).toEqual([]);
    expect(sendblue.calls).toEqual([]);
  });

  it('refuses a number the account does not have', async () => {
    lines = { numbers: () => [second], mayHave: (n) => n === second };
    const result = await pipeline.run(set(admin, 'Jane'));
    expect(result).toMatchObject({ status: 'refused', refusal: { unknownLine: true, helpers: [admin] } });
    expect(sendblue.calls).toEqual([]);
  });

  it('stops a card whose photo link the checker refuses, recording nothing', async () => {
    photo = { ok: false, code: 'not-image', reason: 'That link is a web page.' };
    expect(await pipeline.run(set(owner, 'Jane'))).toEqual({
      status: 'invalid',
      problem: 'That link is a web page.',
    });
    expect(await store.history(number)).toEqual([]);
    expect(sendblue.calls).toEqual([]);
  });

  it('records, calls, completes and remembers a card; the next change reads it as its "before"', async () => {
    const first = await pipeline.run(set(owner, 'Jane'));
    expect(first).toMatchObject({ status: 'ok', before: null, after: { firstName: 'Jane' } });
    const next = await pipeline.run(set(admin, 'Joan'));
    expect(next).toMatchObject({ status: 'ok', before: { firstName: 'Jane' }, after: { firstName: 'Joan' } });
    expect((await store.lastKnownCard(number))?.firstName).toBe('Joan');
    const history = await store.history(number);
    expect(history.map((e) => [e.action, e.outcome, e.actorId])).toEqual([
      ['set', 'ok', admin],
      ['set', 'ok', owner],
    ]);
    expect(history[0]?.before?.firstName).toBe('Jane');
  });

  it('records a failure with Sendblue status and message, and keeps the last known card', async () => {
    await pipeline.run(set(owner, 'Jane'));
    sendblue.failWith = apiErrorFor(503, 'phone offline', number);
    const result = await pipeline.run(set(owner, 'Joan'));
    expect(result).toMatchObject({
      status: 'failed',
      entry: { outcome: 'failed', status: 503, message: 'phone offline' },
    });
    expect((await store.lastKnownCard(number))?.firstName).toBe('Jane');
  });

  it('records a repeated submission once and sends it once', async () => {
    const [a, b] = await Promise.all([
      pipeline.run(set(owner, 'Jane', { requestKey: 'V1:h1' })),
      pipeline.run(set(owner, 'Jane', { requestKey: 'V1:h1' })),
    ]);
    expect([a?.status, b?.status].sort()).toEqual(['duplicate', 'ok']);
    expect(sendblue.calls).toHaveLength(1);
    expect(await store.history(number)).toHaveLength(1);
  });

  it('runs changes to one number one at a time, in recorded order, telling the waiting ones; other numbers in parallel', async () => {
    sendblue.held = true;
    const waiting: string[] = [];
    const runs = ['A', 'B', 'C'].map((first) =>
      pipeline.run(set(admin, first), { onWaiting: () => waiting.push(first) }),
    );
    const elsewhere = pipeline.run(set(admin, 'Z', { number: second }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sendblue.calls).toEqual([`set ${number} A`, `set ${second} Z`]);
    expect(waiting).toEqual(['B', 'C']);
    sendblue.release();
    // Each change holds again until released, so release until all have run.
    const all = Promise.all([...runs, elsewhere]);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sendblue.release();
    }
    await all;
    expect(sendblue.calls.filter((c) => c.startsWith(`set ${number}`))).toEqual([
      `set ${number} A`,
      `set ${number} B`,
      `set ${number} C`,
    ]);
    expect(sendblue.maxInFlight).toBe(2);
    expect((await store.lastKnownCard(number))?.firstName).toBe('C');
  });

  it('puts assignments through the same steps: admin only, recorded, "no change" when nothing changed', async () => {
    expect(await pipeline.run({ kind: 'assign', number, userId: other, actorId: owner })).toMatchObject({
      status: 'refused',
    });
    expect(await pipeline.run({ kind: 'assign', number, userId: other, actorId: admin })).toMatchObject({
      status: 'ok',
      affected: [other],
    });
    expect(await pipeline.run({ kind: 'assign', number, userId: other, actorId: admin })).toMatchObject({
      status: 'ok',
      affected: [],
      entry: { message: 'no change' },
    });
    expect(await pipeline.run({ kind: 'unassign', number, userId: undefined, actorId: admin })).toMatchObject(
      {
        status: 'ok',
        affected: [other, owner].sort(),
      },
    );
    expect(sendblue.calls).toEqual([]);
  });

  it('deletes through Sendblue and forgets the card', async () => {
    await pipeline.run(set(owner, 'Jane'));
    expect(await pipeline.run({ kind: 'delete', number, actorId: owner })).toMatchObject({
      status: 'ok',
      before: { firstName: 'Jane' },
      after: null,
    });
    expect(await store.lastKnownCard(number)).toBeUndefined();
  });
});

describe('the presenter', () => {
  const audience: Audience = { userId: owner, channelId: 'C0CHANNEL', responseUrl: undefined };
  let outbox: RecordingOutbox;
  let deps: PresentingDeps;

  beforeEach(() => {
    outbox = new RecordingOutbox();
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      CONTACTCARD_NOTIFY_CHANNEL: 'C0NOTIFY',
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const operations = new InFlight();
    const now = () => new Date('2026-12-01T09:00:00Z');
    const log = createLogger('error');
    deps = {
      config: loaded.config,
      log,
      slack: outbox,
      changes: pipeline,
      operations,
      now,
      photoHost: undefined,
      approvals: new ApprovalDesk({ config: loaded.config, store, slack: outbox, log, now, operations }),
      // No reads after a set here: live checks have their own end-to-end test.
      live: new LiveChecks(
        { sendblue: {} as never, store, slack: outbox, log: createLogger('error'), homes: {} as never, now },
        [],
      ),
    };
  });

  const modal = { viewId: 'V1', metadata: { number, channel: 'C0CHANNEL' } };

  it('a card set: the modal says submitted, the channel is told, the notify channel gets the notice', async () => {
    await changeAndPresent(deps, set(owner, 'Jane'), { audience, modal });
    expect(outbox.sent.map((s) => s.how)).toEqual(['modal', 'announce', 'post']);
    expect(outbox.texts('modal')[0]).toContain('Card submitted');
    expect(outbox.texts('post')[0]).toContain('updated the contact card');
  });

  it('falls back to the person privately when the channel or the notify channel refuses, for every kind', async () => {
    outbox.refuse = new Set(['announce', 'post']);
    await changeAndPresent(deps, set(owner, 'Jane'), { audience, modal });
    await changeAndPresent(deps, { kind: 'assign', number, userId: other, actorId: admin }, { audience });
    const told = outbox.texts('private');
    // One fallback for the announcement and one "invite the bot" for the notice, per change.
    expect(told.filter((t) => t.includes('could not be posted'))).toHaveLength(2);
    expect(told.filter((t) => t.includes('submitted') || t.includes('updated by'))).toHaveLength(1);
    expect(told.filter((t) => t.includes('assigned'))).toHaveLength(1);
  });

  it('a failure: the form comes back with the reason, and the person gets Try again privately; nothing in the channel', async () => {
    sendblue.failWith = apiErrorFor(500, 'download failed', number);
    await changeAndPresent(deps, set(owner, 'Jane'), { audience, modal });
    expect(outbox.sent.map((s) => s.how)).toEqual(['modal', 'private']);
    expect(outbox.texts('modal')[0]).toContain('Not saved');
    expect(outbox.texts('private')[0]).toContain('Could not set the contact card');
  });

  it('a refusal: the modal and the person are told who can help', async () => {
    await changeAndPresent(deps, set(other, 'Jane'), { audience, modal });
    expect(outbox.texts('modal')[0]).toContain(`<@${owner}>`);
    expect(outbox.texts('private')[0]).toContain(`<@${owner}>`);
    expect(outbox.texts('announce')).toEqual([]);
  });

  it('an assignment that changes nothing is said privately, not announced', async () => {
    await changeAndPresent(deps, { kind: 'assign', number, userId: owner, actorId: admin }, { audience });
    expect(outbox.sent.map((s) => s.how)).toEqual(['private']);
    expect(outbox.texts('private')[0]).toContain('nothing changed');
  });
});
