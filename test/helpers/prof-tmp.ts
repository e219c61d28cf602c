import { startTestApp } from './test-app.js';

const app = await startTestApp({ env: { CONTACTCARD_ADMINS: 'U0ALICE', LOG_LEVEL: 'info' } });
const number = '+14155551234';
await app.services.store.rememberCard(
  number,
  { firstName: 'Jane', lastName: 'Smith', displayName: null, photoUrl: 'https://example.com/j.jpg' },
  'U0ALICE',
);
app.sendblue.profiles.set(number, {
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/j.jpg',
} as never);
const run = async (count: number) => {
  const workers = Array.from({ length: 20 }, async () => {
    for (let i = 0; i < count / 20; i++) await app.command(`set ${number}`);
  });
  await Promise.all(workers);
  await app.settle();
};
await run(1000);
app.slack.reset();
const t0 = process.cpuUsage();
const w0 = Date.now();
await run(4000);
const c = process.cpuUsage(t0);
console.log(
  `4000 commands: ${Date.now() - w0} ms wall, ${((c.user + c.system) / 1000 / 4000).toFixed(3)} ms CPU/command (app+fakes+load in one process); views.update ${app.slack.callsTo('views.update').length}, views.open ${app.slack.callsTo('views.open').length}`,
);
await app.stop();
