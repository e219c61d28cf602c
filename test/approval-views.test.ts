import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Approval, CardSnapshot } from '../src/adapters/store/types.js';
import { Access } from '../src/domain/access/access.js';
import { approvalHistoryLine, approvalRequestMessage, pendingMessage } from '../src/slack/views/approval.js';
import { ids } from '../src/slack/views/ids.js';
import { blockKitViolations } from './fakes/fake-slack.js';

// The approval rules (who must wait, who may decide) and the request messages within Block Kit's limits.

const ownership = { ownersOf: async () => [], numbersOf: async () => [], hasAssignments: async () => true };
const anyLine = { numbers: () => undefined, mayHave: () => true };
const access = (mode: 'off' | 'owners' | 'all', admins = ['UA1', 'UA2']) =>
  new Access(ownership, anyLine, admins, undefined, false, mode);

describe('who waits, and who may decide', () => {
  it('off: nobody waits; owners: everyone but admins; all: everyone, for another admin', async () => {
    expect(await access('off').approvalFor('UOWNER')).toEqual({ needed: false });
    expect(await access('owners').approvalFor('UA1')).toEqual({ needed: false });
    expect(await access('owners').approvalFor('UOWNER')).toEqual({ needed: true, approvers: ['UA1', 'UA2'] });
    expect(await access('all').approvalFor('UA1')).toEqual({ needed: true, approvers: ['UA2'] });
    expect(await access('all').approvalFor('UOWNER')).toEqual({ needed: true, approvers: ['UA1', 'UA2'] });
    const alone = await access('all', ['UA1']).approvalFor('UA1');
    expect(alone).toMatchObject({ needed: true, refusal: { reason: expect.stringContaining('only admin') } });
  });

  it('an admin other than the requester may decide; the requester and non-admins are refused, told who can', async () => {
    expect(await access('owners').decideApproval('UA1', 'UOWNER')).toEqual({ allowed: true, as: 'admin' });
    expect(await access('all').decideApproval('UA1', 'UA1')).toMatchObject({
      allowed: false,
      refusal: { helpers: ['UA2'] },
    });
    expect(await access('all').decideApproval('UOWNER', 'UA1')).toMatchObject({
      allowed: false,
      refusal: { reason: 'Only an admin may approve or reject changes.', helpers: ['UA2'] },
    });
  });
});

const snapshot = fc.record({
  firstName: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
  lastName: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
  displayName: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
  photoUrl: fc.option(fc.webUrl({ validSchemes: ['https'] }), { nil: null }),
}) as fc.Arbitrary<CardSnapshot>;

const approvalOf = (maxNumbers: number) =>
  fc.record({
    id: fc.integer({ min: 1, max: 1e9 }),
    kind: fc.constantFrom('set', 'delete', 'bulk', 'import'),
    requesterId: fc.constant('UOWNER'),
    channel: fc.constant('C0CHANNEL'),
    changes: fc.array(
      fc.record({
        number: fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }).map((n) => `+1${n}`),
        before: fc.option(snapshot, { nil: null }),
        after: fc.option(snapshot, { nil: null }),
      }),
      { minLength: 1, maxLength: maxNumbers, size: 'max' },
    ),
    photoHosted: fc.boolean(),
    jobId: fc.constant(null),
    requestKey: fc.constant(null),
    state: fc.constantFrom('waiting', 'approved', 'rejected', 'superseded', 'expired'),
    createdAt: fc.constant(new Date('2026-12-01T10:00:00Z')),
    expiresAt: fc.constant(new Date('2026-12-08T10:00:00Z')),
    decidedBy: fc.option(fc.constant('UA1'), { nil: null }),
    decidedAt: fc.constant(null),
    reason: fc.option(fc.string({ maxLength: 500 }), { nil: null }),
    supersededBy: fc.constant(null),
    messages: fc.constant([]),
  }) as fc.Arbitrary<Approval>;
const approval = approvalOf(300);

describe('request messages', () => {
  it('stay within Block Kit’s limits for any request of up to 300 numbers, with buttons only while waiting', () => {
    fc.assert(
      fc.property(approval, fc.option(fc.string({ maxLength: 200 })), (request, outcome) => {
        const message = approvalRequestMessage(request, { outcome: outcome ?? undefined });
        expect(blockKitViolations({ blocks: message.blocks }, 50)).toEqual([]);
        expect(JSON.stringify(message.blocks).includes(ids.actions.approve)).toBe(
          request.state === 'waiting',
        );
        expect(approvalHistoryLine(request).length).toBeLessThan(3000);
      }),
      { numRuns: 200 },
    );
  });

  it('the pending list stays within the limits however many wait', () => {
    fc.assert(
      fc.property(
        fc.array(approvalOf(5), { maxLength: 60, size: 'max' }),
        fc.boolean(),
        (approvals, asAdmin) => {
          const message = pendingMessage({ approvals, total: approvals.length, asAdmin });
          expect(blockKitViolations({ blocks: message.blocks }, 50)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
