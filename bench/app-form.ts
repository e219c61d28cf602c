/**
 * The card form exactly as the app opens it for the bench number with its card known, as JSON: the
 * same-job baseline opens this very form, so that the two differ in the code around views.open, not
 * in the size of the view they send. Built by the runner (never loaded into the baselines).
 */
import { cardFormView, knownCardNotice } from '../src/slack/views/card-modal.js';
import { commandNumber, knownCard } from './protocol.js';

export function appFormJson(): string {
  return JSON.stringify(
    cardFormView({
      metadata: { number: commandNumber, channel: 'C0BENCH' },
      prefill: knownCard,
      uploads: false,
      notice: knownCardNotice({ card: knownCard, seenAt: undefined }, true),
    }),
  );
}
