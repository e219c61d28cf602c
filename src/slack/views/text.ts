import type { PlainTextElement } from '@slack/types';

/** Slack's limits that the builders respect (and the tests check). */
export const limits = {
  modalTitle: 24,
  modalButton: 24,
  sectionText: 3000,
  buttonText: 75,
  buttonValue: 2000,
  privateMetadata: 3000,
  modalBlocks: 100,
  messageBlocks: 50,
  altText: 2000,
  contextText: 3000,
} as const;

/**
 * User-given text shown in mrkdwn: escape the three characters Slack treats as control
 * sequences, so a name like `<!channel>` is shown, never obeyed.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts on code points (never inside a surrogate pair) and marks the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const point of text) {
    if (out.length + point.length > max - 1) break;
    out += point;
  }
  return `${out}…`;
}

export function plain(text: string, max = 150): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** Slack renders this in each reader's own time zone, with the fallback for old clients. */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${at.toISOString()}>`;
}

/** `in progress` → `In progress`: a status or word as the first of a label. */
export const capitalised = (text: string) => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
