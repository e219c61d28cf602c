import { request } from 'undici';
import { z } from 'zod';
import { MAX_UPLOAD_BYTES } from './photo/process.js';

/** A file object as Slack puts it in a file_input's state (or files.info answers). */
export const slackFileSchema = z.looseObject({
  id: z.string().max(64),
  name: z.string().max(1024).optional(),
  size: z.number().int().nonnegative().optional(),
  url_private_download: z.string().max(4096).optional(),
  url_private: z.string().max(4096).optional(),
});

export type SlackFile = z.infer<typeof slackFileSchema>;

export type Download = { ok: true; bytes: Buffer } | { ok: false; reason: string };

const downloadTimeoutMs = 20_000;
// Slack's own file hosts; GovSlack's too. The configured Web API's origin serves tests.
const fileHosts = new Set(['files.slack.com', 'files.slack-gov.com']);

/** Only Slack's file host may be sent the bot token: any other URL in a file object is refused. */
export function isSlackFileUrl(url: string, apiUrl: string): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  if (target.username || target.password) return false;
  if (target.protocol === 'https:' && fileHosts.has(target.hostname)) return true;
  return target.origin === new URL(apiUrl).origin;
}

export const downloadReasons = {
  noFile: 'The uploaded file could not be found in Slack. Upload it again.',
  foreignHost:
    'The uploaded file does not come from Slack’s file host, so it was not downloaded. Upload it again.',
  tooLarge: 'The file is larger than 10 MB; use a smaller image.',
  failed: (status: string) =>
    `Slack did not hand over the uploaded file (${status}). Upload it again in a minute.`,
} as const;

/**
 * Downloads an uploaded file with the bot token from Slack's file host only, at most 10 MB, and
 * stops reading as soon as it is larger. The token never goes anywhere else.
 */
export async function downloadSlackFile(
  file: SlackFile,
  botToken: string,
  apiUrl: string,
): Promise<Download> {
  const url = file.url_private_download ?? file.url_private;
  if (url === undefined) return { ok: false, reason: downloadReasons.noFile };
  if (!isSlackFileUrl(url, apiUrl)) return { ok: false, reason: downloadReasons.foreignHost };
  if (file.size !== undefined && file.size > MAX_UPLOAD_BYTES)
    return { ok: false, reason: downloadReasons.tooLarge };
  try {
    const response = await request(url, {
      headers: { authorization: `Bearer ${botToken}` },
      headersTimeout: downloadTimeoutMs,
      bodyTimeout: downloadTimeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { ok: false, reason: downloadReasons.failed(`HTTP ${response.statusCode}`) };
    }
    const declared = Number(response.headers['content-length']);
    if (declared > MAX_UPLOAD_BYTES) {
      await response.body.dump();
      return { ok: false, reason: downloadReasons.tooLarge };
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of response.body) {
      length += (chunk as Buffer).length;
      if (length > MAX_UPLOAD_BYTES) {
        response.body.destroy();
        return { ok: false, reason: downloadReasons.tooLarge };
      }
      chunks.push(chunk as Buffer);
    }
    return { ok: true, bytes: Buffer.concat(chunks) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, reason: downloadReasons.failed(typeof code === 'string' ? code : 'no answer') };
  }
}
