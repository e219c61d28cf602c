/**
 * Child process of the benchmark: the tests' fake Slack and fake Sendblue on 127.0.0.1, answering
 * both the app and the baseline. views.open is answered like Slack does (the view, with an id and a
 * hash) and the moment each one arrives is kept by trigger_id, on the monotonic clock shared by every
 * process of the machine, so the runner can measure command → views.open.
 */

import { SANDBOX_LINES } from '../src/sendblue/simulator.js';
import { ANY_NUMBER, faults, startFakeSendblue } from '../test/fakes/fake-sendblue.js';
import { startFakeSlack } from '../test/fakes/fake-slack.js';
import { type FakesReady, serveAsks, submissionNumbers } from './protocol.js';

const slack = await startFakeSlack({ botToken: 'xoxb-bench-token' });
const sendblue = await startFakeSendblue();
const lines = [...SANDBOX_LINES, ...submissionNumbers];
sendblue.setLines(lines);

let opens: [string, string][] = [];
let viewCounter = 0;
slack.on('views.open', (call) => {
  const at = process.hrtime.bigint();
  opens.push([String(call.args.trigger_id), at.toString()]);
  viewCounter += 1;
  const id = `V${viewCounter}`;
  return { ok: true, view: { ...(call.args.view as Record<string, unknown>), id, hash: `hash-${id}` } };
});

// What both fakes received, by method; their own records are emptied every second so that the
// fakes' memory stays flat over tens of thousands of requests.
const counts: Record<string, number> = {};
const count = (key: string, n = 1) => {
  counts[key] = (counts[key] ?? 0) + n;
};
function sweep(): void {
  for (const call of slack.calls.splice(0)) count(`slack ${call.method}`);
  count('slack response_url', slack.responsePosts.splice(0).length);
  for (const request of sendblue.requests.splice(0)) count(`sendblue ${request.method} ${request.path}`);
}
setInterval(sweep, 1_000).unref();

serveAsks((ask) => {
  switch (ask.type) {
    case 'latency': {
      const ms = Number(ask.ms);
      // reset() forgets faults and restores the default lines; the benchmark's lines go back at once.
      sweep();
      sendblue.reset();
      sendblue.setLines(lines);
      if (ms > 0) sendblue.inject(ANY_NUMBER, faults.latency(ms));
      return {};
    }
    case 'takeOpens': {
      const taken = opens;
      opens = [];
      return { opens: taken };
    }
    case 'counts': {
      sweep();
      return { counts: { ...counts } };
    }
    default:
      return undefined;
  }
});

const ready: FakesReady = {
  type: 'ready',
  slackUrl: slack.url,
  responseUrl: slack.responseUrl('bench'),
  botToken: slack.botToken,
  sendblue: { url: sendblue.url, keyId: sendblue.keyId, secret: sendblue.secret },
};
process.send?.(ready);
