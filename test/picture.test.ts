import { describe, expect, it } from 'vitest';
import {
  type ChangeEntry,
  type KnownCard,
  type ObservedCard,
  OUTSIDE_ACTOR,
} from '../src/adapters/store/types.js';
import { type NumberFacts, pictureOf } from '../src/domain/card/picture.js';

// A number's picture from what the store knows: which card is the freshest, and its status.

const number = '+14155551234';
const at = (minute: number) => new Date(Date.UTC(2026, 11, 6, 12, minute));
const names = { firstName: 'Ada', lastName: 'Lovelace', displayName: null };
const applied = (minute: number, card = names): KnownCard => ({
  number,
  ...card,
  photoUrl: 'https://example.com/ada.jpg',
  updatedAt: at(minute),
  updatedBy: 'U1',
});
const seen = (minute: number, card: ObservedCard['card'] = names): ObservedCard => ({
  number,
  card,
  seenAt: at(minute),
  source: 'sync',
});
const change = (minute: number, extra: Partial<ChangeEntry> = {}): ChangeEntry => ({
  id: minute,
  action: 'set',
  number,
  actorId: 'U1',
  startedAt: at(minute),
  finishedAt: at(minute),
  durationMs: 1,
  outcome: 'ok',
  status: null,
  message: null,
  before: null,
  after: null,
  subject: null,
  requestKey: null,
  instanceId: null,
  confirmedAt: null,
  ...extra,
});
const facts = (parts: Partial<NumberFacts>): NumberFacts => ({
  applied: undefined,
  observed: undefined,
  latest: undefined,
  ...parts,
});
const grace = { firstName: 'Grace', lastName: 'Hopper', displayName: 'Admiral' };

describe('a number’s picture', () => {
  it.each([
    ['never read nor changed here', facts({}), 'not read yet', undefined],
    ['seen with a card set elsewhere', facts({ observed: seen(1, grace) }), 'live', 'Grace'],
    ['seen with no card', facts({ observed: seen(1, null) }), 'no card', null],
    ['set here, not yet seen', facts({ applied: applied(2), latest: change(2) }), 'submitted', 'Ada'],
    [
      'set here and confirmed by the live check',
      facts({ applied: applied(2), latest: change(2, { confirmedAt: at(3) }) }),
      'live',
      'Ada',
    ],
    [
      'set here, then seen showing it',
      facts({ applied: applied(2), observed: seen(3), latest: change(2) }),
      'live',
      'Ada',
    ],
    [
      'set here, then seen showing another card',
      facts({ applied: applied(2), observed: seen(3, grace), latest: change(2) }),
      'changed outside contactcard',
      'Grace',
    ],
    [
      'set here, then seen showing none',
      facts({ applied: applied(2), observed: seen(3, null), latest: change(2) }),
      'changed outside contactcard',
      null,
    ],
    [
      'seen with a card, then set here with another',
      facts({ applied: applied(4), observed: seen(3, grace), latest: change(4) }),
      'submitted',
      'Ada',
    ],
    [
      'seen, then accepted as it is',
      facts({ applied: applied(4), observed: seen(3), latest: change(4) }),
      'live',
      'Ada',
    ],
    [
      'seen with a card, then deleted here',
      facts({ observed: seen(3, grace), latest: change(4, { action: 'delete' }) }),
      'no card',
      null,
    ],
    [
      'deleted here, then seen with a card set elsewhere',
      facts({ observed: seen(5, grace), latest: change(4, { action: 'delete' }) }),
      'live',
      'Grace',
    ],
    [
      'a change in progress',
      facts({ observed: seen(1, grace), latest: change(2, { outcome: 'pending', finishedAt: null }) }),
      'in progress',
      'Grace',
    ],
    [
      'a failed change',
      facts({ applied: applied(1), latest: change(2, { outcome: 'failed' }) }),
      'failed',
      'Ada',
    ],
    [
      'a change whose outcome is unknown',
      facts({ latest: change(2, { outcome: 'unknown', finishedAt: null }) }),
      'outcome unknown',
      undefined,
    ],
    [
      'a drift recorded and not yet answered',
      facts({ applied: applied(1), observed: seen(3, grace), latest: change(3, { actorId: OUTSIDE_ACTOR }) }),
      'changed outside contactcard',
      'Grace',
    ],
  ] as const)('%s: %s', (_, given, status, firstName) => {
    const picture = pictureOf(given);
    expect(picture.status).toBe(status);
    expect(picture.card === null || picture.card === undefined ? picture.card : picture.card.firstName).toBe(
      firstName,
    );
  });

  it('keeps the photo applied here only while Sendblue shows the same names', () => {
    expect(pictureOf(facts({ applied: applied(2), observed: seen(3) })).card?.photoUrl).toBe(
      'https://example.com/ada.jpg',
    );
    expect(pictureOf(facts({ applied: applied(2), observed: seen(3, grace) })).card?.photoUrl).toBeNull();
  });

  it('says when Sendblue last showed the card, whatever is newer', () => {
    expect(pictureOf(facts({ applied: applied(4), observed: seen(3) })).seen).toEqual({
      at: at(3),
      source: 'sync',
    });
    expect(pictureOf(facts({ applied: applied(4) })).seen).toBeUndefined();
  });
});
