import type { Approval } from '../../adapters/store/types.js';
import { profileInputSchema } from '../../domain/card/rules.js';
import { refusalMessage } from '../../slack/views/access-messages.js';
import {
  alreadyDecidedText,
  approvalNote,
  endedText,
  maxPendingShown,
  pendingMessage,
} from '../../slack/views/approval.js';
import { explainFailure } from '../../slack/views/explain.js';
import type { Message } from '../../slack/views/messages.js';
import type { ChangeRequest, ChangeResult } from '../changes/pipeline.js';
import { requesterOf } from './approvals.js';
import { itemOf } from './bulk.js';
import { changeAndPresent } from './card.js';
import type { Audience, Deps } from './ports.js';

type Decision = { state: 'approved' } | { state: 'rejected'; reason: string };

/**
 * Approve or Reject, from whichever replica gets the click: the clicker's rights are read at that
 * moment (an admin, not the requester), and the store's conditional update makes it happen once.
 */
async function decide(
  deps: Deps,
  approvalId: number,
  admin: Audience,
  decision: Decision,
): Promise<Approval | undefined> {
  const { store, access, slack } = deps;
  const approval = await store.approval(approvalId);
  if (approval === undefined) {
    await slack.tellPrivately(admin, approvalNote(alreadyDecidedText(undefined)));
    return undefined;
  }
  const rights = await access.decideApproval(admin.userId, approval.requesterId);
  if (!rights.allowed) {
    await slack.tellPrivately(admin, refusalMessage(rights.refusal));
    return undefined;
  }
  const decided = await store.decideApproval(approvalId, {
    state: decision.state,
    by: admin.userId,
    reason: decision.state === 'rejected' ? decision.reason : null,
    at: deps.now(),
  });
  if (decided === undefined) {
    // Its time ran out before the sweep marked it: marked now, so the click is told why.
    if (approval.state === 'waiting') await deps.approvals.expireDue();
    await slack.tellPrivately(admin, approvalNote(alreadyDecidedText(await store.approval(approvalId))));
  }
  return decided;
}

export async function approveRequest(deps: Deps, approvalId: number, admin: Audience): Promise<void> {
  const approved = await decide(deps, approvalId, admin, { state: 'approved' });
  if (approved === undefined) return;
  await deps.approvals.show(approved, 'Applying it now…');
  let outcome: string;
  try {
    outcome = await applyApproved(deps, approved);
  } catch (error) {
    deps.log.error(`approved request #${approved.id} did not complete: ${String(error)}`);
    outcome = `It could not be applied: ${explainFailure(error).headline}.`;
  }
  await deps.approvals.show(approved, outcome);
}

export async function rejectRequest(
  deps: Deps,
  approvalId: number,
  admin: Audience,
  reason: string,
): Promise<void> {
  const rejected = await decide(deps, approvalId, admin, { state: 'rejected', reason });
  if (rejected === undefined) return;
  await deps.approvals.ended(rejected);
  await deps.slack.tellPrivately(admin, approvalNote(`Rejected. ${endedText(rejected)}`));
}

/** Runs what was approved as its requester, where they asked; the outcome is presented as usual. */
async function applyApproved(deps: Deps, approval: Approval): Promise<string> {
  if (approval.kind === 'bulk' || approval.kind === 'import') {
    const summary = await deps.bulk.runApproved(approval);
    if (summary === undefined) return 'Its job had already started or was cancelled.';
    return `Applied to ${summary.done} of ${summary.total} numbers${summary.done < summary.total ? '; see the progress message for the rest' : ''}.`;
  }
  const [change] = approval.changes;
  if (change === undefined) return 'It held no change.';
  const base = {
    number: change.number,
    actorId: approval.requesterId,
    requestKey: `approval:${approval.id}`,
    approvalId: approval.id,
  };
  let request: ChangeRequest;
  if (approval.kind === 'delete' || change.after === null) request = { ...base, kind: 'delete' };
  else {
    const card = profileInputSchema.safeParse({ ...change.after, fromNumber: change.number });
    if (!card.success) return 'The card it holds can no longer be sent.';
    request = { ...base, kind: 'set', card: card.data, photoHosted: approval.photoHosted };
  }
  const result = await changeAndPresent(deps, request, { audience: requesterOf(approval) });
  return result === undefined ? 'It could not be completed; see the history.' : outcomeText(result);
}

function outcomeText(result: ChangeResult): string {
  const item = itemOf(result);
  return item.status === 'done'
    ? 'Applied.'
    : `Not applied: ${'reason' in item ? item.reason : item.status}.`;
}

/** `/contactcard pending`: admins see every waiting request (with the buttons), others their own. */
export async function pendingFor(deps: Deps, userId: string): Promise<Message> {
  const asAdmin = await deps.access.isAdmin(userId);
  const waiting = await deps.store.approvals({
    state: 'waiting',
    ...(asAdmin ? {} : { requesterId: userId }),
    limit: 500,
  });
  // Oldest first: the one closest to expiring is the one to decide.
  const oldestFirst = [...waiting].reverse();
  return pendingMessage({ approvals: oldestFirst.slice(0, maxPendingShown), total: waiting.length, asAdmin });
}
