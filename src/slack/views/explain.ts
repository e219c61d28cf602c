import {
  SendblueAbortError,
  SendblueApiError,
  SendblueBusyError,
  SendblueConnectionError,
  SendblueError,
  SendblueProtocolError,
  SendblueTimeoutError,
  SendblueValidationError,
} from '../../adapters/sendblue/errors.js';
import { StoreUnavailableError, TooManyWaitingError } from '../../adapters/store/types.js';
import { truncate } from './text.js';

/** A failure told to a person: what happened, what Sendblue said, what it means, what to do. */
export interface Explanation {
  headline: string;
  sendblueMessage: string | undefined;
  meaning: string | undefined;
  advice: string;
}

interface StatusWords {
  meaning: string;
  advice: string;
}

// The error table of Sendblue's Contact Sharing reference, worded for people.
const statusWords: Record<number, StatusWords> = {
  400: {
    meaning: 'Sendblue found missing or invalid parameters.',
    advice:
      'Sendblue rejected the request as invalid. Check the number is in +E.164 format and every required field is filled in.',
  },
  401: {
    meaning: 'Sendblue did not accept this app’s API credentials.',
    advice:
      'Sendblue rejected the API credentials. An admin must check SENDBLUE_API_KEY_ID and SENDBLUE_API_SECRET_KEY.',
  },
  403: {
    meaning: 'The Sendblue account does not own this phone number.',
    advice:
      'This Sendblue account does not own that number. Check the number, or use the API key of the account that owns it.',
  },
  404: {
    meaning: 'Sendblue has no active number matching this one.',
    advice:
      'Sendblue has no active number matching that. Check the number is an active line on this Sendblue account.',
  },
  429: {
    meaning: 'Sendblue is limiting how fast this account may make requests.',
    advice: 'Sendblue is receiving too many requests from this account. Wait a minute and try again.',
  },
  500: {
    meaning: 'The operation failed on the phone itself.',
    advice:
      'The phone could not apply the card. Usually the photo URL could not be downloaded: use a public https link to a JPEG or PNG and try again.',
  },
  503: {
    meaning: 'The phone behind this number is temporarily unavailable.',
    advice: "The number's phone is temporarily unavailable. Try again in a few minutes.",
  },
};

// A failed read or delete never downloaded a photo: the set's advice would send people the wrong way.
const deviceFailedOtherwise: StatusWords = {
  meaning: 'The operation failed on the phone itself.',
  advice: "The number's phone could not do it just now. Try again in a few minutes.",
};

const unexpectedStatusAdvice = 'Sendblue answered with an unexpected error. Try again in a few minutes.';

/** What to do about an error raised before or instead of an HTTP answer. */
function adviceFor(error: SendblueError): string {
  if (error instanceof SendblueValidationError) return error.problems.map((p) => `${p}.`).join(' ');
  if (error instanceof SendblueConnectionError)
    return 'Could not reach Sendblue. Try again in a minute; if it keeps failing, an admin should check the network.';
  // The device may still finish the change after we stop waiting, hence "check first".
  if (error instanceof SendblueTimeoutError)
    return "Sendblue took too long to answer. A change may still go through: check the number's current card before trying again.";
  if (error instanceof SendblueProtocolError)
    return 'Sendblue answered in a format this app does not understand. Try again later; if it persists, tell the app maintainer.';
  if (error instanceof SendblueAbortError) return 'The request was cancelled before Sendblue answered.';
  return 'Try again in a few minutes; if it keeps failing, an admin can find the details in the app’s log.';
}

const maxQuotedMessage = 500;

export function explainFailure(error: unknown): Explanation {
  if (error instanceof TooManyWaitingError) {
    return {
      headline: 'Too many changes to this number are waiting',
      sendblueMessage: undefined,
      meaning: `${error.ahead} earlier changes to it have not finished yet.`,
      advice: 'Nothing was sent. Try again in a few minutes, once the earlier changes are done.',
    };
  }
  if (error instanceof StoreUnavailableError) {
    return {
      headline: 'contactcard could not reach its database',
      sendblueMessage: undefined,
      meaning: undefined,
      advice:
        'Nothing was changed. Try again in a minute; if it keeps failing, an admin should check the database.',
    };
  }
  if (error instanceof SendblueApiError) {
    const words =
      error.status === 500 && error.method !== undefined && error.method !== 'POST'
        ? deviceFailedOtherwise
        : statusWords[error.status];
    return {
      headline: `Sendblue answered ${error.status}`,
      sendblueMessage:
        error.sendblueMessage === undefined ? undefined : truncate(error.sendblueMessage, maxQuotedMessage),
      meaning: words?.meaning,
      advice: words?.advice ?? unexpectedStatusAdvice,
    };
  }
  if (error instanceof SendblueBusyError) {
    return {
      headline: 'contactcard is sending many requests to Sendblue',
      sendblueMessage: undefined,
      meaning: `contactcard had more requests to Sendblue than it sends at once, and could not send this one within ${error.timeoutMs / 1000} s: nothing reached Sendblue.`,
      advice: 'Try again in a minute; if it keeps happening, an admin can see the load in the app’s metrics.',
    };
  }
  if (error instanceof SendblueError) {
    return {
      headline: truncate(error.message, maxQuotedMessage),
      sendblueMessage: undefined,
      meaning: undefined,
      advice: adviceFor(error),
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

/** Sendblue's own answer says the number itself cannot be edited: a form would only be refused again. */
export function isHopeless(error: unknown): boolean {
  return error instanceof SendblueApiError && [401, 403, 404].includes(error.status);
}
