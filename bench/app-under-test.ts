/**
 * Child process of the benchmark: the real app in HTTP mode, started as src/index.ts starts it
 * (bench/start-app.ts). Its in-memory store is seeded before it listens: with BENCH_KNOWN_CARD=1 the command number's card
 * (as if set through the app before), with BENCH_HOME_NUMBERS=n a card for each of n Home tab numbers.
 */

import { commandNumber, homeNumbers, knownCard, serveAsks } from './protocol.js';
import { startBenchApp } from './start-app.js';

const services = await startBenchApp('app-under-test', async ({ store }) => {
  if (process.env.BENCH_KNOWN_CARD === '1') await store.rememberCard(commandNumber, knownCard, 'UBENCH');
  for (const [i, number] of homeNumbers.slice(0, Number(process.env.BENCH_HOME_NUMBERS ?? 0)).entries()) {
    await store.rememberCard(number, { ...knownCard, firstName: `Agent ${i + 1}` }, 'UBENCH');
  }
});
services.lines.start();

serveAsks((ask) => (ask.type === 'inflight' ? { inflight: services.operations.size } : undefined));
