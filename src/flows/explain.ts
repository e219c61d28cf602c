import { SendblueApiError, SendblueError } from '../sendblue/errors.js';
import { truncate } from '../views/text.js';

/** A failure told to a person: what happened, what Sendblue said, what it means, what to do. */
export interface Explanation {
  headline: string;
  sendblueMessage: string | undefined;
  meaning: string | undefined;
  advice: string;
}

// The error table of Sendblue's Contact Sharing reference, worded for people.
const statusMeaning: Record<number, string> = {
  400: 'Sendblue found missing or invalid parameters.',
  401: 'Sendblue did not accept this app’s API credentials.',
  403: 'The Sendblue account does not own this phone number.',
  404: 'Sendblue has no active number matching this one.',
  429: 'Sendblue is limiting how fast this account may make requests.',
  500: 'The operation failed on the phone itself.',
  503: 'The phone behind this number is temporarily unavailable.',
};

const maxQuotedMessage = 500;

export function explainFailure(error: unknown): Explanation {
  if (error instanceof SendblueApiError) {
    return {
      headline: `Sendblue answered ${error.status}`,
      sendblueMessage:
        error.sendblueMessage === undefined ? undefined : truncate(error.sendblueMessage, maxQuotedMessage),
      meaning: statusMeaning[error.status],
      advice: error.advice,
    };
  }
  if (error instanceof SendblueError) {
    return {
      headline: truncate(error.message, maxQuotedMessage),
      sendblueMessage: undefined,
      meaning: undefined,
      advice: error.advice,
    };
  }
  // Anything else is our bug: say so without leaking internals (no stack, no raw text).
  return {
    headline: 'Something went wrong inside contactcard',
    sendblueMessage: undefined,
    meaning: undefined,
    advice:
      'Nothing may have changed. Try again; if it keeps failing, an admin can find the details in the app’s log.',
  };
}
