import { formatPhone } from '../../domain/phone.js';
import type { Explanation } from './explain.js';
import { truncate } from './text.js';

// What a Workflow Builder step tells people. An error (functions.completeError) reaches the person
// running the workflow as a Slackbot message: plain text, a few sentences, nothing to click.

/** Slack documents no limit on a step's error; a few sentences are what a Slackbot message should hold. */
export const maxStepErrorLength = 500;

const howToFill = 'Fill it in in the step, or choose a Slack user to take it from.';

export const stepTexts = {
  noActor:
    'This step does not know who is running the workflow, so it cannot check their rights. Start the workflow from a link or a button (or put a step someone clicks before this one) and run it again.',
  input: (title: string, problem: string) => `${title}: ${problem}`,
  /** A card field still missing or wrong once the profile (if any) filled in what it could. */
  card: (problems: readonly string[], fillable: boolean) =>
    `The card cannot be set: ${problems.join(' ')}${fillable ? ` ${howToFill}` : ''}`,
  unreadableProfile:
    'The Slack user chosen to take names or a photo from has a profile the app cannot read (is the users:read scope granted?). Fill in the names and the photo link in the step instead.',
  profilePhoto: (problem: string) =>
    `The profile photo of the chosen Slack user cannot be used: ${problem} Give the step a photo link instead.`,
  noProfilePhoto:
    'The chosen Slack user has no profile photo (only Slack’s default avatar). Give the step a photo link instead.',
  unusablePhoto: (problem: string) =>
    `The photo link cannot be used: ${problem} Use a public https link to a JPEG or PNG.`,
  /** The pipeline itself broke (the database went away mid-change): whether it happened is in the history. */
  broke: (number: string) =>
    `The change to ${formatPhone(number)} could not be completed. Check /contactcard history ${formatPhone(number)} before running the workflow again.`,
  /** The step itself threw: it must still end, or the workflow shows it "in progress" for good. */
  stepBroke:
    'contactcard could not run this step. Try the workflow again in a few minutes; if it keeps failing, ask an admin to check the app.',
  unread: (number: string, explanation: Explanation) =>
    `Could not read the card of ${formatPhone(number)}: ${failureReason(explanation)}`,
};

/** A failed change in one or two sentences: what Sendblue said (or what happened) and what to do. */
export function failureReason(explanation: Explanation): string {
  return `${explanation.sendblueMessage ?? explanation.headline}. ${explanation.advice}`;
}

/** A step error as completeError takes it. */
export function stepError(text: string): string {
  return truncate(text, maxStepErrorLength);
}
