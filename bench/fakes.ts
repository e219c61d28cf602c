/**
 * Child process of the benchmark: the tests' fake Slack and fake Sendblue on 127.0.0.1, one fake
 * Sendblue per target that calls it, so that each target's calls are counted apart (Slack's by bot
 * token, response_url posts by path). For each command (by trigger_id) it keeps when views.open
 * arrived and when the usable form did (the first view whose inputs hold what they will keep), on
 * the monotonic clock every process of the machine shares, so that the runner can measure
 * command → views.open and command → usable form; and views.publish arrivals by user, for the
 * Home tab.
 */

import { SANDBOX_LINES } from '../src/adapters/sendblue/simulator.js';
import { ANY_NUMBER, type FakeSendblue, faults, startFakeSendblue } from '../test/fakes/fake-sendblue.js';
import { type SlackCall, startFakeSlack } from '../test/fakes/fake-slack.js';
import {
  botTokenOf,
  commandNumber,
  type FakesReady,
  knownCard,
  outsideNumber,
  type SendblueTarget,
  sendblueTargets,
  serveAsks,
  submissionNumbers,
  targetNames,
} from './protocol.js';

const slack = await startFakeSlack({ botToken: botTokenOf('app') });
const sendblues = Object.fromEntries(
  await Promise.all(sendblueTargets.map(async (name) => [name, await startFakeSendblue()] as const)),
) as Record<SendblueTarget, FakeSendblue>;
let lines: readonly string[] = [...SANDBOX_LINES, outsideNumber, ...submissionNumbers];
let latencyMs = 0;

/** Each fake Sendblue as the bench wants it: its lines, the command number's known card, the latency. */
function resetSendblue(): void {
  for (const sendblue of Object.values(sendblues)) {
    // reset() forgets requests, faults and profiles and restores the default lines.
    sendblue.reset();
    sendblue.setLines(lines);
    sendblue.profiles.set(commandNumber, { ...knownCard });
    sendblue.profiles.set(outsideNumber, { ...knownCard });
    if (latencyMs > 0) sendblue.inject(ANY_NUMBER, faults.latency(latencyMs));
  }
}
resetSendblue();

// Every target presents its own token; Bolt checks it with auth.test at start.
const targetOfToken = new Map<string, string>(targetNames.map((name) => [botTokenOf(name), name]));
slack.on('auth.test', (call) =>
  targetOfToken.has(call.token ?? '')
    ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST', url: 'https://test.slack.com/' }
    : { ok: false, error: 'invalid_auth' },
);

let opens: [string, string][] = [];
/** Per trigger_id, every view with inputs it showed: when it arrived and what its inputs held. */
let forms = new Map<string, { at: bigint; inputs: string }[]>();
let triggerOfView = new Map<string, string>();
let publishes: [string, string][] = [];
let viewCounter = 0;

/** The values a view's inputs start with; undefined for a view without inputs (loading, notice). */
function inputsOf(view: unknown): string | undefined {
  const blocks = (view as { blocks?: { type?: string; element?: Record<string, unknown> }[] }).blocks ?? [];
  const inputs = blocks
    .filter((block) => block.type === 'input')
    .map(({ element }) => [element?.action_id, element?.initial_value ?? element?.initial_option ?? null]);
  return inputs.length > 0 ? JSON.stringify(inputs) : undefined;
}

function noteForm(trigger: string, call: SlackCall, at: bigint): void {
  const inputs = inputsOf(call.args.view ?? {});
  if (inputs === undefined) return;
  const shown = forms.get(trigger);
  if (shown) shown.push({ at, inputs });
  else forms.set(trigger, [{ at, inputs }]);
}

/** When the form became usable: the first of the last run of views whose inputs all held the same. */
function usableAt(shown: readonly { at: bigint; inputs: string }[]): bigint | undefined {
  let index = shown.length - 1;
  while (index > 0 && shown[index - 1]?.inputs === shown[index]?.inputs) index -= 1;
  return shown[index]?.at;
}

const answerView = (call: SlackCall, id: string) => ({
  ok: true,
  view: { ...(call.args.view as Record<string, unknown>), id, hash: `hash-${id}-${viewCounter}` },
});
slack.on('views.open', (call) => {
  const at = process.hrtime.bigint();
  const trigger = String(call.args.trigger_id);
  opens.push([trigger, at.toString()]);
  viewCounter += 1;
  const id = `V${viewCounter}`;
  triggerOfView.set(id, trigger);
  noteForm(trigger, call, at);
  return answerView(call, id);
});
slack.on('views.update', (call) => {
  const at = process.hrtime.bigint();
  const id = String(call.args.view_id);
  const trigger = triggerOfView.get(id);
  if (trigger !== undefined) noteForm(trigger, call, at);
  viewCounter += 1;
  return answerView(call, id);
});
slack.on('views.publish', (call) => {
  publishes.push([String(call.args.user_id), process.hrtime.bigint().toString()]);
  viewCounter += 1;
  return answerView(call, `VH${viewCounter}`);
});

// What the fakes received, per target and method; their own records are emptied every second so
// that the fakes' memory stays flat over tens of thousands of requests.
const counts: Record<string, Record<string, number>> = {};
const count = (target: string, key: string) => {
  const of = counts[target] ?? {};
  of[key] = (of[key] ?? 0) + 1;
  counts[target] = of;
};
const responsePrefix = '/response/';
function sweep(): void {
  for (const call of slack.calls.splice(0)) {
    count(targetOfToken.get(call.token ?? '') ?? 'unknown', `slack ${call.method}`);
  }
  for (const post of slack.responsePosts.splice(0)) {
    count(post.path.slice(responsePrefix.length) || 'unknown', 'slack response_url');
  }
  for (const [name, sendblue] of Object.entries(sendblues)) {
    for (const request of sendblue.requests.splice(0))
      count(name, `sendblue ${request.method} ${request.path}`);
  }
}
setInterval(sweep, 1_000).unref();

serveAsks((ask) => {
  switch (ask.type) {
    case 'latency':
      sweep();
      latencyMs = Number(ask.ms);
      resetSendblue();
      return {};
    case 'lines':
      sweep();
      lines = ask.numbers as string[];
      resetSendblue();
      return {};
    case 'takeViews': {
      const usable: [string, string][] = [];
      for (const [trigger, shown] of forms) {
        const at = usableAt(shown);
        if (at !== undefined) usable.push([trigger, at.toString()]);
      }
      const taken = { opens, usable, publishes };
      opens = [];
      publishes = [];
      forms = new Map();
      triggerOfView = new Map();
      return taken;
    }
    case 'counts':
      sweep();
      return { counts: structuredClone(counts) };
    default:
      return undefined;
  }
});

const ready: FakesReady = {
  type: 'ready',
  slackUrl: slack.url,
  responseUrlBase: slack.responseUrl(''),
  sendblue: Object.fromEntries(
    sendblueTargets.map((name) => {
      const { url, keyId, secret } = sendblues[name];
      return [name, { url, keyId, secret }];
    }),
  ) as FakesReady['sendblue'],
};
process.send?.(ready);
