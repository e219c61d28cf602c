import { describe, expect, it } from 'vitest';
import { Access, type LinesLookup, type OwnershipLookup, type Verb } from '../src/domain/access/access.js';
import { refusalText } from '../src/slack/views/access-messages.js';

// The authorization matrix exactly as the README's "Who may change what" section writes it.
// One Access, in-memory ports: no Slack, no HTTP.

const admin = 'UADMIN';
const owner = 'UOWNER';
const other = 'UOTHER';
const owned = '+14155551234';
const unowned = '+14155550000';
const notALine = '+14155559999';

function ownership(assignments: Record<string, string[]>): OwnershipLookup {
  return {
    ownersOf: async (number) => assignments[number] ?? [],
    numbersOf: async (user) => Object.keys(assignments).filter((n) => assignments[n]?.includes(user)),
    hasAssignments: async () => Object.keys(assignments).length > 0,
  };
}

const lines: LinesLookup = { numbers: () => [owned, unowned], mayHave: (n) => n === owned || n === unowned };
const configured = new Access(ownership({ [owned]: [owner] }), lines, [admin]);
const open = new Access(ownership({}), lines, []);

type Who = 'admin' | 'owner' | 'other';
const ids: Record<Who, string> = { admin, owner, other };
// ✓ allowed; a user id: refused, naming that person; 'config': refused, saying how to configure an admin.
type Expect = '✓' | string;

const matrix: Record<Verb, Record<Who, Expect>> = {
  set: { admin: '✓', owner: '✓', other: owner },
  delete: { admin: '✓', owner: '✓', other: owner },
  history: { admin: '✓', owner: '✓', other: owner },
  show: { admin: '✓', owner: '✓', other: '✓' },
  list: { admin: '✓', owner: '✓', other: '✓' },
  assign: { admin: '✓', owner: admin, other: admin },
  unassign: { admin: '✓', owner: admin, other: admin },
};

describe('authorization matrix (README: who may change what)', () => {
  for (const [verb, row] of Object.entries(matrix) as [Verb, Record<Who, Expect>][]) {
    for (const [who, expected] of Object.entries(row) as [Who, Expect][]) {
      it(`${who} ${expected === '✓' ? 'may' : 'may not'} ${verb} an owned number`, async () => {
        const decision = await configured.decide(verb, ids[who], owned);
        if (expected === '✓') expect(decision.allowed).toBe(true);
        else expect(decision).toMatchObject({ allowed: false, refusal: { helpers: [expected] } });
      });
    }
  }

  it.each(['set', 'delete', 'history'] as const)(
    'a number nobody owns: only admins may %s it, and the refusal names them',
    async (verb) => {
      expect((await configured.decide(verb, admin, unowned)).allowed).toBe(true);
      expect(await configured.decide(verb, owner, unowned)).toMatchObject({
        allowed: false,
        refusal: { helpers: [admin], reason: expect.stringContaining('an admin') },
      });
    },
  );

  it.each(['set', 'delete', 'assign'] as const)(
    '%s of a number that is not one of the account’s lines is refused, even for admins',
    async (verb) => {
      const decision = await configured.decide(verb, admin, notALine);
      expect(decision).toMatchObject({ allowed: false, refusal: { unknownLine: true, helpers: [admin] } });
      expect(!decision.allowed && decision.refusal.reason).toContain('+1 415 555 9999');
    },
  );

  it.each(['show', 'history', 'unassign'] as const)(
    '%s of a number that is no longer a line is still allowed (to read and clean up)',
    async (verb) => {
      expect((await configured.decide(verb, admin, notALine)).allowed).toBe(true);
    },
  );

  it.each(['set', 'delete', 'history', 'show', 'list'] as const)(
    'open mode: anyone may %s any line',
    async (verb) => {
      expect(await open.decide(verb, other, owned)).toMatchObject({ allowed: true });
    },
  );

  it.each(['assign', 'unassign'] as const)(
    'open mode: nobody may %s, and the refusal says how to configure an admin',
    async (verb) => {
      const decision = await open.decide(verb, other, owned);
      expect(decision).toMatchObject({ allowed: false, refusal: { helpers: [] } });
      expect(!decision.allowed && decision.refusal.reason).toContain('CONTACTCARD_ADMINS');
    },
  );

  it('every refusal names someone who can help, or says how to get an admin', async () => {
    for (const access of [configured, open])
      for (const verb of Object.keys(matrix) as Verb[])
        for (const user of [admin, owner, other])
          for (const number of [owned, unowned, notALine]) {
            const decision = await access.decide(verb, user, number);
            if (decision.allowed) continue;
            // What the person reads: built in one place for every refusal.
            expect(refusalText(decision.refusal), `${verb} ${user} ${number}`).toMatch(
              /<@U\w+>|CONTACTCARD_ADMINS/,
            );
          }
  });
});

describe('which number, when none is given', () => {
  const two = new Access(ownership({ [owned]: [owner], [unowned]: [owner] }), lines, [admin]);

  it('set: an owner of one number gets it, of several a choice, admins every line, others a refusal naming the admins', async () => {
    expect(await configured.setTarget(owner)).toEqual({ ok: true, number: owned });
    expect(await two.setTarget(owner)).toEqual({ ok: true, number: undefined, choices: [owned, unowned] });
    expect(await configured.setTarget(admin)).toEqual({
      ok: true,
      number: undefined,
      choices: [owned, unowned],
    });
    expect(await configured.setTarget(other)).toMatchObject({ ok: false, refusal: { helpers: [admin] } });
  });

  it('show, delete, history: the only number, else the question which one', async () => {
    expect(await configured.numberTarget('show', owner)).toEqual({ ok: true, number: owned });
    expect(await two.numberTarget('delete', owner)).toMatchObject({
      ok: false,
      question: expect.stringContaining('/contactcard delete'),
    });
    expect(await configured.numberTarget('history', other)).toMatchObject({ ok: false });
  });
});
