/**
 * One fleet size of the scale section (BENCH_SCALE_NUMBERS, default 100 numbers). The real app runs
 * in a process of its own (bench/scale-app.ts, as src/index.ts starts it); this process holds the
 * fake Slack and the fake Sendblue (test/fakes) and drives the app with signed requests, as in the
 * rest of the bench. The store is seeded with a live card for each of the account's lines, then:
 * start-up, the Home tab opened and paged, one drift round (Sendblue instant: the app's own cost),
 * an import of one row a number (preview, then Apply at 20 ms per Sendblue call), an export, a bulk
 * change of every number at 20 ms per call, the app process's peak resident memory, and every call
 * the fake Slack refused (Block Kit limits) or answered `ratelimited` (views.publish at most once a
 * second per person, on during the changes). A section of `npm run bench` (compiled, one process
 * per size); alone: `npx tsx bench/scale.ts`. Prints one line of JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/adapters/store/sqlite.js';
import { ids } from '../src/slack/views/ids.js';
import { encodeMetadata } from '../src/slack/views/metadata.js';
import { ANY_NUMBER, faults, startFakeSendblue } from '../test/fakes/fake-sendblue.js';
import { type SlackCall, startFakeSlack } from '../test/fakes/fake-slack.js';
import { fakeEnv } from '../test/helpers/fake-env.js';
import { appHomeOpened, buttonClick, viewSubmission } from '../test/helpers/payloads.js';
import { postSigned, signedHeaders } from '../test/helpers/slack-signing.js';
import { commandBody } from '../test/helpers/test-app.js';
import { freePort, residentMiB, spawnChild, startFlags } from './children.js';
import { signingSecret } from './protocol.js';
import { median } from './stats.js';

const count = Number(process.env.BENCH_SCALE_NUMBERS ?? 100);
const latencyMs = 20;
// The default CONTACTCARD_BULK_CONCURRENCY (src/runtime/config.ts).
const concurrency = 4;
// A few people with the Home tab open: each opens and pages it, then it stays open (re-published
// while the import and the bulk change run, as Slack's limit allows).
const viewers = Array.from({ length: 5 }, (_, i) => `U0VIEWER${i}`);
const looksPerViewer = 4;
const admin = viewers[0] as string;
const channel = 'C0SCALE';
// Last four digits from 1000 to 9999: the simulator behind the fake answers numbers ending 0400,
// 0403, 0404, 0500 and 0503 with that status (src/adapters/sendblue/simulator.ts).
const lines = Array.from(
  { length: count },
  (_, i) => `+1628${200 + Math.floor(i / 9_000)}${1_000 + (i % 9_000)}`,
);
const cardOf = (i: number, firstName: string) => ({
  firstName,
  lastName: `Agent${i}`,
  displayName: null,
  photoUrl: 'https://example.com/a.jpg',
});
const mib = (value: number) => Number(value.toFixed(1));

// The store, seeded directly (not through thousands of commands): each number's card applied here
// and seen at Sendblue, as after a sync; the fake Sendblue shows the same cards.
const folder = mkdtempSync(join(tmpdir(), 'contactcard-scale-'));
const dbPath = join(folder, 'contactcard.db');
const seed = openSqliteStore(dbPath);
for (const [i, number] of lines.entries()) {
  const card = cardOf(i, 'Seeded');
  await seed.rememberCard(number, card, admin);
  await seed.observeCard(number, { card, source: 'sync' });
}
await seed.close();

const slack = await startFakeSlack();
const sendblue = await startFakeSendblue();
sendblue.setLines(lines);
for (const [i, number] of lines.entries()) sendblue.profiles.set(number, cardOf(i, 'Seeded'));

// Compiled by `npm run bench` (.js beside this file), or run through tsx (.ts, its loader inherited).
const here = fileURLToPath(import.meta.url);
const port = await freePort();
const appProcess = spawnChild(
  'scale app',
  join(here, '..', `scale-app${here.slice(here.lastIndexOf('.'))}`),
  {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...fakeEnv(slack, sendblue, signingSecret),
    CONTACTCARD_ADMINS: viewers.join(','),
    CONTACTCARD_DB: dbPath,
    CONTACTCARD_BULK_CONCURRENCY: String(concurrency),
    CONTACTCARD_RECONCILE_INTERVAL: 'off',
    // Every card is seeded as seen; the phases count only their own Sendblue calls.
    CONTACTCARD_SYNC_CONCURRENCY: '0',
    CONTACTCARD_LIVE_CHECK: 'false',
    CONTACTCARD_PHOTO_CHECK: 'false',
    LOG_LEVEL: 'error',
  },
  [...startFlags(), ...process.execArgv],
);
const { startupMs } = (await appProcess.announcement()) as { startupMs: number };
const rssAfterStartMiB = mib(residentMiB(appProcess.pid));
// The start-up listing of the lines is not one of the phases' calls.
sendblue.requests.splice(0);

const url = `http://127.0.0.1:${port}`;
const post = (body: string, contentType?: string) =>
  postSigned(url, signingSecret, body, {
    ...signedHeaders(signingSecret, body),
    ...(contentType ? { 'content-type': contentType } : {}),
  });
const app = {
  slack,
  sendblue,
  deliver: (event: Record<string, unknown>) => post(JSON.stringify(event), 'application/json'),
  interact: (payload: Record<string, unknown>) =>
    post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString()),
  settle: () => appProcess.ask('drain'),
  /** `/contactcard export` by `user`, waited for: the file it uploaded. */
  async exportAs(user: string) {
    const before = slack.uploads.size;
    const ack = await post(commandBody('export', slack.responseUrl(`export-${user}`), { user }));
    if (ack.status !== 200) throw new Error(`export was answered ${ack.status}`);
    await appProcess.ask('drain');
    return [...slack.uploads.values()].slice(before)[0];
  },
};

// What the fake Slack refused or rate-limited, counted as calls arrive; the calls themselves are
// dropped after each phase, so that the harness's memory does not grow with the fleet.
const refusals: Record<string, number> = {};
let rateLimited = 0;
let seen = 0;
function tally(): SlackCall[] {
  const fresh = app.slack.calls.slice(seen);
  seen = app.slack.calls.length;
  for (const call of fresh) {
    if (call.refusedFor) refusals[call.method] = (refusals[call.method] ?? 0) + 1;
    if (call.rateLimited) rateLimited += 1;
  }
  return fresh;
}
function forgetCalls(): void {
  tally();
  app.slack.calls.length = 0;
  app.slack.uploads.clear();
  seen = 0;
  app.sendblue.requests.splice(0);
}

/** Sends `send()` and resolves to the ms until the fake Slack receives a call that `matches`. */
async function timeUntil(send: () => Promise<{ status: number }>, matches: (call: SlackCall) => boolean) {
  const from = app.slack.calls.length;
  const sent = Date.now();
  const answer = await send();
  if (answer.status !== 200) throw new Error(`answered ${answer.status}`);
  const call = await app.slack.waitFor(() => app.slack.calls.slice(from).find(matches), 60_000);
  return { ms: call.at - sent, call };
}
const publishedTo = (user: string) => (call: SlackCall) =>
  call.method === 'views.publish' && call.args.user_id === user && !call.rateLimited;

// Home: opened, then the next page, by each viewer in turn (the first of each kind warms up).
const homeOpenMs: number[] = [];
const homePageMs: number[] = [];
for (let look = 0; look < looksPerViewer; look++) {
  for (const user of viewers) {
    const opened = await timeUntil(() => app.deliver(appHomeOpened(user)), publishedTo(user));
    await app.settle();
    const paged = await timeUntil(
      () =>
        app.interact({
          ...buttonClick(ids.actions.homeNext, '1', { responseUrl: app.slack.responseUrl('page'), user }),
          container: { type: 'view', view_id: 'VHOME' },
        }),
      publishedTo(user),
    );
    await app.settle();
    if (look > 0 || user !== admin) {
      homeOpenMs.push(opened.ms);
      homePageMs.push(paged.ms);
    }
    await sleep(20);
  }
}
forgetCalls();

// One drift round over every known card, Sendblue answering at once: the app's own cost.
const driftMs = Number((await appProcess.ask('drift')).ms);
const driftReads = app.sendblue.requests.filter((request) => request.method === 'GET').length;
forgetCalls();

// From here on Slack's per-person limit on views.publish is enforced: the tabs stay open.
app.slack.limitPublishes(1_000, 1);
app.sendblue.inject(ANY_NUMBER, faults.latency(latencyMs));

// Import: one row a number with a new card; the preview, then Apply to the final message.
const csv = [
  'number,first_name,last_name,photo_url',
  ...lines.map((number, i) => `${number},Imported,Agent${i},https://example.com/i.jpg`),
].join('\n');
const file = app.slack.addFile('F0SCALE', Buffer.from(csv), 'fleet.csv', 'text/csv');
const metadata = encodeMetadata({ channel, responseUrl: app.slack.responseUrl('import') });
const preview = await timeUntil(
  () =>
    app.interact(
      viewSubmission(
        { id: 'VIMPORT', callback_id: ids.importModal, private_metadata: metadata },
        { [ids.importFile.block]: { [ids.importFile.input]: { type: 'file_input', files: [file] } } },
        admin,
      ),
    ),
  (call) =>
    call.method === 'views.update' &&
    (call.args.view as { callback_id?: string }).callback_id === ids.importPreview,
);
const applyFrom = app.slack.calls.length;
const applyStarted = Date.now();
const applied = await app.interact(
  viewSubmission(
    {
      id: 'VIMPORT',
      callback_id: ids.importPreview,
      private_metadata: (preview.call.args.view as { private_metadata: string }).private_metadata,
    },
    {},
    admin,
  ),
);
if (applied.status !== 200) throw new Error(`Apply was answered ${applied.status}`);
await app.settle();
const finalImportMessage = app.slack.calls
  .slice(applyFrom)
  .filter((call) => call.method === 'chat.update' && call.args.channel === channel)
  .at(-1);
const importApplyMs = (finalImportMessage?.at ?? Number.NaN) - applyStarted;
const importPosts = app.sendblue.requests.filter((request) => request.method === 'POST').length;
forgetCalls();

// Export of every number (an admin's), to the file in the DM.
const exportStarted = Date.now();
const exported = await app.exportAs(admin);
const exportMs = Date.now() - exportStarted;
const exportBytes = exported?.bytes?.length ?? 0;
forgetCalls();

// A bulk change of every number, as the bulk form starts one.
const bulkStarted = Date.now();
await appProcess.ask('bulk', {
  request: {
    actorId: admin,
    audience: { userId: admin, channelId: channel },
    numbers: lines,
    card: { firstName: 'Bulk', lastName: 'Acme', displayName: null, photoUrl: 'https://example.com/b.jpg' },
  },
});
const bulkMs = Date.now() - bulkStarted;
const bulkPosts = app.sendblue.requests.filter((request) => request.method === 'POST').length;
await app.settle();
forgetCalls();

const boundMs = (count / concurrency) * latencyMs;
console.log(
  JSON.stringify({
    numbers: count,
    startupMs,
    rssAfterStartMiB,
    homeOpenP50: median(homeOpenMs),
    homePageP50: median(homePageMs),
    homeSamples: homeOpenMs.length,
    importPreviewMs: preview.ms,
    importApplyMs,
    importPosts,
    exportMs,
    exportBytes,
    bulkMs,
    bulkPosts,
    boundMs,
    driftMs,
    driftReads,
    peakRssMiB: mib(residentMiB(appProcess.pid, 'VmHWM')),
    refusals,
    rateLimited,
  }),
);
await appProcess.stop();
await slack.close();
await sendblue.close();
rmSync(folder, { recursive: true, force: true });
