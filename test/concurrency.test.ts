import { describe, expect, it } from 'vitest';
import { Limiter } from '../src/runtime/concurrency.js';

// The bulk job's call slots: so many at once, the rest in the order they came.

/** A call that stays open until `finish` is called; records when it starts. */
function openCall(log: string[], name: string) {
  let finish: (ok: boolean) => void = () => {};
  const call = () =>
    new Promise<string>((resolve, reject) => {
      log.push(name);
      finish = (ok) => (ok ? resolve(name) : reject(new Error(name)));
    });
  return { call, finish: (ok = true) => finish(ok) };
}

/** A `stop` for Limiter.run, and the function that rejects it. */
function stopper() {
  let stop: (reason: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  return { stopped, stop: (reason: Error) => stop(reason) };
}

/** One slot, and three calls for it: one that runs, one that will be stopped, one after them. */
function lineWithAStop() {
  const started: string[] = [];
  const calls = {
    first: openCall(started, 'first'),
    stoppedCall: openCall(started, 'stopped'),
    last: openCall(started, 'last'),
  };
  return { limiter: new Limiter(1), started, ...calls, ...stopper() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('runs at most its limit at once, the others in the order they came, each slot passed on when a call ends or fails', async () => {
    const limiter = new Limiter(2);
    const started: string[] = [];
    const calls = ['a', 'b', 'c', 'd', 'e'].map((name) => openCall(started, name));
    const results = calls.map((c) => limiter.run(c.call).catch((error: Error) => `failed ${error.message}`));
    await turn();
    expect(started).toEqual(['a', 'b']);
    calls[1]?.finish(false);
    await turn();
    expect(started).toEqual(['a', 'b', 'c']);
    calls[0]?.finish();
    await turn();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    calls[2]?.finish();
    calls[3]?.finish();
    await turn();
    calls[4]?.finish();
    expect(await Promise.all(results)).toEqual(['a', 'failed b', 'c', 'd', 'e']);
  });

  it('a call stopped while it waits leaves the line with the stop’s reason, never starts, and keeps no slot', async () => {
    const { limiter, started, first, stoppedCall, last, stopped, stop } = lineWithAStop();
    const results = [
      limiter.run(first.call),
      limiter.run(stoppedCall.call, { stop: stopped }).catch((error: Error) => `left: ${error.message}`),
      limiter.run(last.call),
    ];
    await turn();
    stop(new Error('deadline'));
    await expect(results[1]).resolves.toBe('left: deadline');
    first.finish();
    await turn();
    // The slot went to the next one still waiting.
    expect(started).toEqual(['first', 'last']);
    last.finish();
    expect(await Promise.all(results)).toEqual(['first', 'left: deadline', 'last']);
    // A stop that comes after the call got its slot changes nothing.
    const { stopped: lateStop, stop: late } = stopper();
    lateStop.catch(() => undefined);
    const running = limiter.run(async () => 'ran', { stop: lateStop });
    late(new Error('too late'));
    await expect(running).resolves.toBe('ran');
  });

  it('tells how long the call first in line has waited', async () => {
    let clock = 1_000;
    const limiter = new Limiter(1, () => clock);
    const started: string[] = [];
    const first = openCall(started, 'first');
    const second = openCall(started, 'second');
    const third = openCall(started, 'third');
    const results = [limiter.run(first.call)];
    expect(limiter.oldestWaitMs()).toBe(0);
    results.push(limiter.run(second.call));
    clock += 300;
    results.push(limiter.run(third.call));
    clock += 200;
    expect(limiter.oldestWaitMs()).toBe(500);
    first.finish();
    await turn();
    // The third is first in line now.
    expect(limiter.oldestWaitMs()).toBe(200);
    second.finish();
    await turn();
    expect(limiter.oldestWaitMs()).toBe(0);
    third.finish();
    await Promise.all(results);
  });

  it('gives a background call its turn only after every other call waiting, whenever they came; its wait holds no one back', async () => {
    let clock = 1_000;
    const limiter = new Limiter(1, () => clock);
    const started: string[] = [];
    const first = openCall(started, 'first');
    const sync1 = openCall(started, 'sync1');
    const person1 = openCall(started, 'person1');
    const sync2 = openCall(started, 'sync2');
    const person2 = openCall(started, 'person2');
    const results = [
      limiter.run(first.call),
      limiter.run(sync1.call, { background: true }),
      limiter.run(person1.call),
      limiter.run(sync2.call, { background: true }),
    ];
    clock += 400;
    // Only a person's call waiting counts: the background ones wait behind it anyway.
    expect(limiter.oldestWaitMs()).toBe(400);
    results.push(limiter.run(person2.call));
    for (const call of [first, person1, person2, sync1, sync2]) {
      call.finish();
      await turn();
    }
    expect(started).toEqual(['first', 'person1', 'person2', 'sync1', 'sync2']);
    expect(limiter.oldestWaitMs()).toBe(0);
    await Promise.all(results);
    // Background calls alone still run at once while there are slots, and in their order.
    const alone = [openCall(started, 'b1'), openCall(started, 'b2')];
    const more = alone.map((call) => limiter.run(call.call, { background: true }));
    clock += 100;
    expect(limiter.oldestWaitMs()).toBe(0);
    for (const call of alone) {
      call.finish();
      await turn();
    }
    await Promise.all(more);
    expect(started.slice(-2)).toEqual(['b1', 'b2']);
  });

  it('a background call stopped while it waits leaves its line too', async () => {
    const { limiter, started, first, stoppedCall, last, stopped, stop } = lineWithAStop();
    const results = [
      limiter.run(first.call),
      limiter
        .run(stoppedCall.call, { stop: stopped, background: true })
        .catch((error: Error) => error.message),
      limiter.run(last.call, { background: true }),
    ];
    stop(new Error('deadline'));
    await expect(results[1]).resolves.toBe('deadline');
    first.finish();
    await turn();
    last.finish();
    await Promise.all(results);
    expect(started).toEqual(['first', 'last']);
  });

  it('frees its slots once every call has ended: a later call starts at once', async () => {
    const limiter = new Limiter(1);
    await limiter.run(async () => 'first');
    const started: string[] = [];
    const later = openCall(started, 'later');
    const result = limiter.run(later.call);
    await turn();
    expect(started).toEqual(['later']);
    later.finish();
    await expect(result).resolves.toBe('later');
  });
});
