/**
 * The Home tab of 250 numbers: app_home_opened → views.publish at the fake Slack, through a fresh
 * app whose store knows a card for each of the account's 250 lines, against a bare Bolt app that
 * publishes a static view of 100 blocks (Block Kit's most). One event at a time, with a pause for
 * the publish to land, in ABBA rounds.
 */
import type { Child } from './children.js';
import { drive, homeOpened, poolFor, type Target } from './load.js';
import type { Plan } from './plan.js';
import { homeNumbers } from './protocol.js';
import { orderOf } from './rounds.js';

const homeNames = ['app', 'baseline'] as const;
type HomeName = (typeof homeNames)[number];

/** ms from sending the event to views.publish at the fake Slack, per target and round. */
export type HomeMs = Record<HomeName, number[][]>;

export async function measureHome(deps: {
  start: (name: HomeName, env: Record<string, string>) => Promise<{ child: Child; url: string }>;
  fakes: Child;
  plan: Plan['home'];
  warn: (line: string) => void;
}): Promise<{ ms: HomeMs; children: Child[] }> {
  const { fakes, plan } = deps;
  await fakes.ask('latency', { ms: 0 });
  await fakes.ask('lines', { numbers: homeNumbers });
  const started = {
    app: await deps.start('app', { BENCH_KNOWN_CARD: '0', BENCH_HOME_NUMBERS: String(homeNumbers.length) }),
    baseline: await deps.start('baseline', { BENCH_HOME: '1' }),
  };
  const result: HomeMs = { app: [], baseline: [] };
  let opened = 0;
  // Round -1 warms both up (the JIT, the lines the app lists at start) and is not kept.
  for (let round = -1; round < plan.rounds; round++) {
    for (const name of orderOf(homeNames, Math.max(0, round))) {
      const target: Target = { name, url: started[name].url, pool: poolFor(started[name].url) };
      const options = { concurrency: 1, warm: 0, measured: plan.perRound, cool: 0, pauseMs: plan.pauseMs };
      const run = await drive(target, options, () => homeOpened(`UHOME${name[0]}${++opened}`));
      await target.pool.close();
      const { publishes } = (await fakes.ask('takeViews')) as unknown as { publishes: [string, string][] };
      const at = new Map(publishes.map(([user, ns]) => [user, BigInt(ns)]));
      const found = [...run.sentAt].flatMap(([user, sent]) => {
        const published = at.get(user);
        return published === undefined ? [] : [Number(published - sent) / 1e6];
      });
      if (found.length < run.sentAt.size)
        deps.warn(`  Home tab ${name}: ${run.sentAt.size - found.length} not published`);
      if (round >= 0) result[name].push(found);
    }
  }
  return { ms: result, children: [started.app.child, started.baseline.child] };
}
