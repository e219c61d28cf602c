import { describe, expect, it } from 'vitest';
import { Access, cached, type LinesLookup, type OwnershipLookup } from '../src/domain/access/access.js';

function ownership(assignments: Record<string, string[]>): OwnershipLookup {
  return {
    ownersOf: async (number) => assignments[number] ?? [],
    numbersOf: async (user) => Object.keys(assignments).filter((n) => assignments[n]?.includes(user)),
    hasAssignments: async () => Object.keys(assignments).length > 0,
  };
}

const anyLine: LinesLookup = { numbers: () => undefined, mayHave: () => true };

describe('Access', () => {
  it('is in open mode only with no admin and no assignment', async () => {
    expect(await new Access(ownership({}), anyLine, []).isOpenMode()).toBe(true);
    expect(await new Access(ownership({}), anyLine, ['U1']).isOpenMode()).toBe(false);
    expect(await new Access(ownership({ '+1': ['U2'] }), anyLine, []).isOpenMode()).toBe(false);
    expect(await new Access(ownership({}), anyLine, [], async () => [], true).isOpenMode()).toBe(false);
  });

  it('lets admins manage everything, owners their numbers, and names who can help otherwise', async () => {
    const access = new Access(ownership({ '+1555': ['UOWNER'] }), anyLine, ['UADMIN']);
    expect(await access.decide('set', 'UADMIN', '+1999')).toEqual({ allowed: true, as: 'admin' });
    expect(await access.decide('set', 'UOWNER', '+1555')).toEqual({ allowed: true, as: 'owner' });
    expect(await access.decide('set', 'UOWNER', '+1999')).toMatchObject({
      allowed: false,
      refusal: { helpers: ['UADMIN'] },
    });
    expect(await access.decide('set', 'UOTHER', '+1555')).toMatchObject({
      allowed: false,
      refusal: { helpers: ['UOWNER'] },
    });
  });

  it('counts admin group members as admins', async () => {
    const access = new Access(ownership({}), anyLine, ['UADMIN'], async () => ['UGROUP', 'UADMIN'], true);
    expect(await access.admins()).toEqual(['UADMIN', 'UGROUP']);
    expect(await access.decide('assign', 'UGROUP', '+1555')).toEqual({ allowed: true, as: 'admin' });
  });

  it('refuses to assign without any admin, saying how to configure one', async () => {
    const decision = await new Access(ownership({}), anyLine, []).decide('assign', 'U1', '+1555');
    expect(decision).toMatchObject({ allowed: false, refusal: { helpers: [] } });
    expect(!decision.allowed && decision.refusal.reason).toContain('CONTACTCARD_ADMINS');
  });
});

describe('cached', () => {
  it('waits for the first load only, then serves stale values while refreshing in the background', async () => {
    let clock = 0;
    let loads = 0;
    let release: (value: string) => void = () => {};
    const get = cached(
      () => {
        loads++;
        return loads === 1 ? Promise.resolve('first') : new Promise<string>((resolve) => (release = resolve));
      },
      { ttlMs: 100, fallback: 'none', now: () => clock },
    );
    expect(await get()).toBe('first');
    clock = 50;
    expect(await get()).toBe('first');
    expect(loads).toBe(1);
    clock = 150;
    expect(await get()).toBe('first');
    expect(await get()).toBe('first');
    expect(loads).toBe(2);
    release('second');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await get()).toBe('second');
  });

  it('keeps the last good value when a load fails, and does not retry before the period ends', async () => {
    let clock = 0;
    let loads = 0;
    const errors: unknown[] = [];
    const get = cached(
      async () => {
        loads++;
        if (loads > 1) throw new Error('missing_scope');
        return ['U1'];
      },
      { ttlMs: 100, fallback: [] as string[], onError: (e) => errors.push(e), now: () => clock },
    );
    expect(await get()).toEqual(['U1']);
    clock = 200;
    await get();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await get()).toEqual(['U1']);
    expect(errors).toHaveLength(1);
    expect(loads).toBe(2);
  });
});
