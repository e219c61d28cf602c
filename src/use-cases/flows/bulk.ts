import type { Approval, BulkJob, CardSnapshot } from '../../adapters/store/types.js';
import { profileInputSchema } from '../../domain/card/rules.js';
import { Limiter, mapWithLimit } from '../../runtime/concurrency.js';
import { refusalMessage, refusalText } from '../../slack/views/access-messages.js';
import { type BulkItem, type BulkProgress, bulkNotice, bulkProgressMessage } from '../../slack/views/bulk.js';
import { explainFailure } from '../../slack/views/explain.js';
import { noteMessage } from '../../slack/views/messages.js';
import { type ChangeResult, snapshotOf } from '../changes/pipeline.js';
import { requesterOf } from './approvals.js';
import type { Audience, BulkChanges, BulkSummary, Deps } from './ports.js';

// Slack asks apps not to update a message more than about once a second; every 2 s is plenty.
const updateEveryMs = 2_000;

const requestKey = (job: number, number: string) => `bulk:${job}:${number}`;

/** A change's result in a word and a reason: one number of a job, or an approved change. */
/** The job was cancelled while a number waited for its call: recorded as failed with this, never sent. */
class CancelledBeforeCall extends Error {
  constructor() {
    super('the bulk job was cancelled before this change was sent to Sendblue');
    this.name = 'CancelledBeforeCall';
  }
}

export function itemOf(result: ChangeResult): BulkItem {
  switch (result.status) {
    case 'ok':
      return { status: 'done' };
    case 'duplicate':
      return result.existing.outcome === 'ok'
        ? { status: 'done' }
        : { status: 'failed', reason: `already ${result.existing.outcome}` };
    case 'refused':
      return { status: 'failed', reason: refusalText(result.refusal) };
    case 'held':
      return { status: 'failed', reason: 'waiting for approval' };
    case 'invalid':
      return { status: 'failed', reason: result.problem };
    case 'failed': {
      const explanation = explainFailure(result.error);
      return {
        status: 'failed',
        reason: explanation.sendblueMessage ?? explanation.meaning ?? explanation.headline,
      };
    }
  }
}

/**
 * One card applied to many numbers, each through the change pipeline (checked, recorded, ordered
 * and audited on its own), at most CONTACTCARD_BULK_CONCURRENCY at once. One progress message,
 * updated in place at most every 2 s, with Cancel; one notice in the notify channel at the end.
 * A job cut short by a restart is reported, not resumed: what did not run is "not applied", and
 * Retry runs it (with the failures) as a new job.
 */
export class BulkJobs implements BulkChanges {
  private readonly cancelled = new Set<number>();

  constructor(
    private readonly deps: Omit<Deps, 'bulk'>,
    private readonly concurrency: number,
  ) {}

  /**
   * One card for all the numbers (the bulk form), or, with `cards`, each number its own (an import, a retry).
   * With approval on, the job is recorded as a draft and one request for all its numbers waits instead.
   */
  async start(request: {
    actorId: string;
    audience: Audience;
    numbers: readonly string[];
    card: CardSnapshot;
    cards?: Record<string, CardSnapshot> | null;
  }): Promise<void> {
    const need = await this.deps.access.approvalFor(request.actorId);
    if (need.needed && 'refusal' in need) {
      await this.deps.slack.tellPrivately(request.audience, refusalMessage(need.refusal));
      return;
    }
    const job = await this.deps.store.createBulkJob({
      actorId: request.actorId,
      channel: request.audience.channelId,
      numbers: [...request.numbers],
      card: request.card,
      cards: request.cards ?? null,
      state: need.needed ? 'draft' : 'running',
    });
    if (need.needed) await this.hold(job, 'bulk', request.audience, need.approvers);
    else await this.run(job, request.audience);
  }

  /** An import waiting for its Apply click: recorded (so any replica can start it), not started. */
  prepare(request: {
    actorId: string;
    channel: string;
    cards: Record<string, CardSnapshot>;
  }): Promise<BulkJob> {
    const numbers = Object.keys(request.cards);
    const first = request.cards[numbers[0] ?? ''];
    if (first === undefined) throw new Error('an import needs at least one card');
    return this.deps.store.createBulkJob({ ...request, numbers, card: first, state: 'draft' });
  }

  /** Starts a prepared import (or asks for its approval); only the person who prepared it may, once. */
  async startPrepared(jobId: number, userId: string, audience: Audience): Promise<boolean> {
    const job = await this.deps.store.bulkJob(jobId);
    if (job?.state !== 'draft' || job.actorId !== userId) return false;
    const need = await this.deps.access.approvalFor(userId);
    if (need.needed) {
      // Refused: the draft stays, to be applied once someone can approve it.
      if ('refusal' in need) await this.deps.slack.tellPrivately(audience, refusalMessage(need.refusal));
      else await this.hold(job, 'import', audience, need.approvers);
      return true;
    }
    // The conditional update, not the read above, decides: two Apply clicks start it once.
    if (!(await this.deps.store.startDraftJob(job.id))) return false;
    await this.run({ ...job, state: 'running' }, audience);
    return true;
  }

  /** An approved job runs once (its draft starts once), as its requester, each change on the approval. */
  async runApproved(approval: Approval): Promise<BulkSummary | undefined> {
    const job = approval.jobId === null ? undefined : await this.deps.store.bulkJob(approval.jobId);
    if (!job || !(await this.deps.store.startDraftJob(job.id))) return undefined;
    return this.run({ ...job, state: 'running' }, requesterOf(approval), approval.id);
  }

  /** One request for approval for the whole job: its numbers, each card before and after. */
  private async hold(
    job: BulkJob,
    kind: 'bulk' | 'import',
    audience: Audience,
    approvers: string[],
  ): Promise<void> {
    const { deps } = this;
    const known = new Map((await deps.store.knownCards()).map((card) => [card.number, snapshotOf(card)]));
    const held = await deps.changes.requestApproval(
      {
        kind,
        requesterId: job.actorId,
        channel: job.channel,
        jobId: job.id,
        requestKey: `${kind}:${job.id}`,
        changes: job.numbers.map((number) => ({
          number,
          before: known.get(number) ?? null,
          after: job.cards?.[number] ?? job.card,
        })),
      },
      approvers,
    );
    await deps.approvals.ask(held, audience);
  }

  private async run(job: BulkJob, audience: Audience, approvalId?: number): Promise<BulkSummary> {
    const { deps } = this;
    const items = new Map<string, BulkItem>(job.numbers.map((number) => [number, { status: 'waiting' }]));
    const progress = (state: BulkProgress['state']): BulkProgress => ({
      jobId: job.id,
      actorId: job.actorId,
      card: job.cards
        ? { firstName: `${job.numbers.length} cards`, lastName: 'from a file', displayName: null }
        : job.card,
      items,
      state,
    });
    const posted = await deps.slack.postTracked(job.channel, bulkProgressMessage(progress('running')));
    if (posted.ok) await deps.store.updateBulkJob(job.id, { messageTs: posted.ts });
    else {
      const text = `Bulk change of ${items.size} numbers started; the bot cannot post in this conversation (${posted.error}), so you will be told here when it ends.`;
      await deps.slack.tellPrivately(audience, noteMessage(text));
    }
    const show = throttled(async () => {
      if (posted.ok)
        await deps.slack.updateMessage(job.channel, posted.ts, bulkProgressMessage(progress('running')));
    });

    // `concurrency` Sendblue calls at once, and as many numbers again recorded and waiting for one,
    // so that a call ending hands its slot to a number whose record is already on disk. A number
    // still waiting when the job is cancelled is not sent; one shows as running once it has a slot.
    const slots = new Limiter(this.concurrency);
    const slotFor =
      (number: string) =>
      <T>(call: () => Promise<T>) =>
        slots.run(() => {
          if (this.cancelled.has(job.id)) return Promise.reject(new CancelledBeforeCall());
          items.set(number, { status: 'running' });
          show.soon();
          return call();
        });
    await mapWithLimit(job.numbers, this.concurrency * 2, async (number) => {
      if (this.cancelled.has(job.id)) {
        items.set(number, { status: 'cancelled' });
        return;
      }
      const card = profileInputSchema.safeParse({ ...(job.cards?.[number] ?? job.card), fromNumber: number });
      if (!card.success) {
        items.set(number, {
          status: 'failed',
          reason: card.error.issues.map((issue) => issue.message).join('; '),
        });
        return;
      }
      try {
        const result = await deps.changes.run(
          {
            kind: 'set',
            number,
            card: card.data,
            actorId: job.actorId,
            requestKey: requestKey(job.id, number),
            approvalId,
          },
          { callSlot: slotFor(number) },
        );
        const cancelled = result.status === 'failed' && result.error instanceof CancelledBeforeCall;
        items.set(number, cancelled ? { status: 'cancelled' } : itemOf(result));
      } catch (error) {
        items.set(number, { status: 'failed', reason: explainFailure(error).headline });
      }
      show.soon();
    });

    const state = this.cancelled.has(job.id) ? 'cancelled' : 'done';
    this.cancelled.delete(job.id);
    await show.stop();
    await deps.store.updateBulkJob(job.id, { state });
    const final = bulkProgressMessage(progress(state));
    const updated = posted.ok ? await deps.slack.updateMessage(job.channel, posted.ts, final) : { ok: false };
    if (!updated.ok) await deps.slack.tellPrivately(audience, final);
    const channel = deps.config.notifyChannel;
    if (channel !== undefined) await deps.slack.post(channel, bulkNotice(progress(state)));
    const done = [...items.values()].filter((item) => item.status === 'done').length;
    return { total: items.size, done };
  }

  /** Cancel: only whoever started the job, or an admin; numbers already running finish. */
  async cancel(jobId: number, userId: string): Promise<boolean> {
    const job = await this.deps.store.bulkJob(jobId);
    if (job?.state !== 'running') return false;
    if (job.actorId !== userId && !(await this.deps.access.isAdmin(userId))) return false;
    this.cancelled.add(jobId);
    return true;
  }

  /** The numbers of a finished job that did not get the card (failed, cancelled, not applied). */
  async unfinished(job: BulkJob): Promise<string[]> {
    const out: string[] = [];
    for (const number of job.numbers) {
      const entry = (await this.deps.store.history(number, 50)).find(
        (e) => e.requestKey === requestKey(job.id, number),
      );
      if (entry?.outcome !== 'ok') out.push(number);
    }
    return out;
  }

  /**
   * At start-up: jobs a stopped instance left running (its lease is gone) are reported where they
   * were started. A live replica's jobs are left alone.
   */
  async reportInterrupted(): Promise<number> {
    const live = new Set(await this.deps.store.instanceIds());
    const jobs = (await this.deps.store.bulkJobs('running')).filter((job) => !live.has(job.instanceId ?? ''));
    for (const job of jobs) {
      const items = new Map<string, BulkItem>();
      for (const number of job.numbers) {
        const entry = (await this.deps.store.history(number, 50)).find(
          (e) => e.requestKey === requestKey(job.id, number),
        );
        items.set(
          number,
          entry === undefined
            ? { status: 'not applied' }
            : entry.outcome === 'ok'
              ? { status: 'done' }
              : {
                  status: 'failed',
                  reason:
                    entry.outcome === 'failed' ? (entry.message ?? 'failed') : `outcome ${entry.outcome}`,
                },
        );
      }
      await this.deps.store.updateBulkJob(job.id, { state: 'interrupted' });
      const final = bulkProgressMessage({
        jobId: job.id,
        actorId: job.actorId,
        card: job.card,
        items,
        state: 'interrupted',
      });
      if (job.messageTs) await this.deps.slack.updateMessage(job.channel, job.messageTs, final);
      else await this.deps.slack.post(job.channel, final);
    }
    return jobs.length;
  }
}

/** Runs `work` at most every updateEveryMs; `soon` asks for a run, `stop` waits for the last one. */
function throttled(work: () => Promise<void>) {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    timer = undefined;
    last = Date.now();
    running = running.then(work).catch(() => undefined);
  };
  return {
    soon() {
      if (timer) return;
      const wait = Math.max(0, last + updateEveryMs - Date.now());
      timer = setTimeout(run, wait);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
