import type { ContextBlock, HomeView, KnownBlock, ModalView } from '@slack/types';
import type { Message } from './blocks.js';
import { limits, truncate } from './text.js';

const noticeBlockId = 'contactcard_sandbox';

function sandboxNotice(): ContextBlock {
  return {
    type: 'context',
    block_id: noticeBlockId,
    elements: [
      { type: 'mrkdwn', text: ':test_tube: *Sandbox* — Sendblue is simulated; no real number was changed.' },
    ],
  };
}

/** Adds the notice once: a view Slack sends back (photo feedback) already carries it. */
function withNotice(blocks: readonly KnownBlock[], max: number): KnownBlock[] {
  if (blocks.some((block) => block.block_id === noticeBlockId) || blocks.length >= max) return [...blocks];
  return [...blocks, sandboxNotice()];
}

/**
 * In sandbox mode every message and view says so. Applied where they leave the app (the Slack
 * outbox and the listeners' acks), so no builder needs to know.
 */
export function sandboxMessage<M extends Message>(message: M): M {
  const text = message.text.startsWith('[Sandbox] ') ? message.text : `[Sandbox] ${message.text}`;
  return {
    ...message,
    text: truncate(text, limits.sectionText),
    blocks: withNotice(message.blocks, limits.messageBlocks),
  };
}

/** A modal or a Home tab (both hold 100 blocks). */
export function sandboxView<V extends ModalView | HomeView>(view: V): V {
  return { ...view, blocks: withNotice(view.blocks as KnownBlock[], limits.modalBlocks) };
}
