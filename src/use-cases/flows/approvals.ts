import type { Approval } from '../../adapters/store/types.js';
import { approvalNote, approvalRequestMessage, endedText, heldText } from '../../slack/views/approval.js';
import { noteMessage } from '../../slack/views/messages.js';
import type { Held } from '../changes/pipeline.js';
import type { Approvals, Audience, Deps } from './ports.js';

type DeskDeps = Pick<Deps, 'config' | 'store' | 'slack' | 'log' | 'now' | 'operations'>;

// Expiry is a matter of days: a sweep a minute is prompt enough, and cheap.
const sweepEveryMs = 60_000;

/** The requester of a request, reached privately where they asked (or in a direct message). */
export const requesterOf = (approval: Approval): Audience => ({
  userId: approval.requesterId,
  channelId: approval.channel,
  responseUrl: undefined,
});

/**
 * The messages of four-eyes approval: a held change is told to its requester and posted to the
 * approvers (CONTACTCARD_APPROVAL_CHANNEL, or each admin's direct message); every request
 * message is updated in place when it is decided, superseded or expires.
 */
export class ApprovalDesk implements Approvals {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeskDeps) {}

  /** Tells the requester that the change waits and for whom, and asks the approvers. */
  async ask(held: Held, requester: Audience, options: { replaceOriginal?: boolean } = {}): Promise<void> {
    const { slack, store, config, log } = this.deps;
    const { approval, approvers } = held;
    await slack.tellPrivately(
      requester,
      approvalNote(heldText(approval, approvers, held.duplicate)),
      options,
    );
    if (held.duplicate) return;
    const targets = config.approval.channel ? [config.approval.channel] : approvers;
    const posted: Approval['messages'] = [];
    const problems: string[] = [];
    for (const channel of targets) {
      const delivery = await this.#post(channel, approval);
      if (delivery.ok) posted.push({ channel, ts: delivery.ts });
      else problems.push(`${channel}: ${delivery.error}`);
    }
    if (posted.length > 0) await store.addApprovalMessages(approval.id, posted);
    if (problems.length > 0)
      log.warn(`request for approval #${approval.id} not posted to ${problems.join(', ')}`);
    if (posted.length === 0) {
      const text = `The request could not be posted to the approvers (${problems.join(', ')}). They can still find it with \`/contactcard pending\`.`;
      await slack.tellPrivately(requester, noteMessage(text));
    }
    for (const old of held.superseded) await this.ended(old);
  }

  /** Replaces every request message of `approval` with its current state and, once decided, the outcome. */
  async show(approval: Approval, outcome?: string): Promise<void> {
    const { slack } = this.deps;
    for (const { channel, ts } of approval.messages) {
      await slack.updateMessage(
        channel,
        ts,
        approvalRequestMessage(approval, { outcome }),
        approvalRequestMessage(approval, { outcome, withImage: false }),
      );
    }
  }

  /** A request that will not be applied (rejected, superseded, expired): shown so, its job cancelled, its requester told. */
  async ended(approval: Approval): Promise<void> {
    const { store, slack } = this.deps;
    // The stored row has the messages: a superseded copy from requestApproval may predate them.
    const current = (await store.approval(approval.id)) ?? approval;
    if (current.jobId !== null) await store.updateBulkJob(current.jobId, { state: 'cancelled' });
    await this.show(current);
    await slack.tellPrivately(requesterOf(current), approvalNote(endedText(current)));
  }

  /** Marks expired what waited too long, in place, once across replicas. */
  async expireDue(): Promise<number> {
    const { store, now } = this.deps;
    const run = await store.runExclusive('approval-expiry', async () => {
      const expired = await store.expireApprovals(now());
      for (const approval of expired) await this.ended(approval);
      return expired.length;
    });
    return run.ran ? run.value : 0;
  }

  start(): void {
    if (this.deps.config.approval.mode === 'off' || this.#timer) return;
    const sweep = () =>
      void this.deps.operations.track(
        this.expireDue().catch((error: unknown) =>
          this.deps.log.warn(`expiring requests for approval failed: ${String(error)}`),
        ),
      );
    sweep();
    this.#timer = setInterval(sweep, sweepEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Slack fetches the photo of a request; if it cannot, the request goes without it. */
  #post(channel: string, approval: Approval) {
    return this.deps.slack.postTracked(
      channel,
      approvalRequestMessage(approval),
      approvalRequestMessage(approval, { withImage: false }),
    );
  }
}
