import type { webApi } from '@slack/bolt';
import type { HomeView, ModalView } from '@slack/types';
import { request } from 'undici';
import type { Log } from '../runtime/logger.js';
import type { Audience, Delivery, Opened, SlackOutbox, SlackProfile } from '../use-cases/flows/ports.js';
import type { Message } from './views/blocks.js';
import { sandboxMessage, sandboxView } from './views/sandbox.js';

const responseUrlTimeoutMs = 10_000;

// response_url comes back to us through private_metadata and button payloads; only Slack's own
// hooks hosts (or, for GovSlack and tests, the configured Web API's host) may receive a post.
const slackHookHosts = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

export function isSlackResponseUrl(url: string, apiUrl: string): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  if (target.protocol === 'https:' && slackHookHosts.has(target.hostname)) return true;
  return target.origin === new URL(apiUrl).origin;
}

/** Slack refuses a whole message when it cannot download one of its images. */
function isImageError(error: string): boolean {
  return error.includes('invalid_blocks') || error.includes('downloading image');
}

export interface OutboxOptions {
  /** Retries with backoff: for messages that may arrive a little late. */
  client: webApi.WebClient;
  /** No retries, short timeout: for views.open inside the trigger window and previews. */
  quickClient: webApi.WebClient;
  apiUrl: string;
  log: Log;
  sandbox: boolean;
}

/**
 * A view as the JSON text the Web API receives anyway. Given an object, the client walks all of it
 * to redact its debug line (built at every log level) and then serialises it; given the text, it
 * sends it as it is: the same request, encoded once.
 */
function encoded<V extends ModalView | HomeView>(view: V): V {
  return JSON.stringify(view) as unknown as V;
}

export class WebApiOutbox implements SlackOutbox {
  private readonly client: webApi.WebClient;
  private readonly quickClient: webApi.WebClient;
  private readonly apiUrl: string;
  private readonly log: Log;
  private readonly sandbox: boolean;

  constructor(options: OutboxOptions) {
    ({
      client: this.client,
      quickClient: this.quickClient,
      apiUrl: this.apiUrl,
      log: this.log,
      sandbox: this.sandbox,
    } = options);
  }

  labelled(message: Message): Message {
    return this.sandbox ? sandboxMessage(message) : message;
  }

  labelledView(view: ModalView): ModalView {
    return this.sandbox ? sandboxView(view) : view;
  }

  async announce(to: Audience, original: Message, withoutImagesOriginal?: Message): Promise<Delivery> {
    const message = this.labelled(original);
    const withoutImages = withoutImagesOriginal && this.labelled(withoutImagesOriginal);
    const attempt = (m: Message) =>
      this.firstThatWorks([
        () =>
          this.toResponseUrl(to.responseUrl, { response_type: 'in_channel', replace_original: false, ...m }),
        async () => {
          // Labelling twice is harmless: the sandbox label is added once per message.
          const posted = await this.postTracked(to.channelId, m);
          return posted.ok
            ? { ok: true, route: 'chat.postMessage', channel: to.channelId, ts: posted.ts }
            : posted;
        },
      ]);
    const delivery = await attempt(message);
    if (!delivery.ok && withoutImages && isImageError(delivery.error)) {
      this.log.warn(`Slack could not fetch an image (${delivery.error}); posting without it`);
      return attempt(withoutImages);
    }
    return delivery;
  }

  /** Replaces an announcement where it was made: through its response_url, or chat.update. */
  async updateAnnouncement(to: Audience, delivered: Delivery, original: Message): Promise<Delivery> {
    if (!delivered.ok) return delivered;
    const message = this.labelled(original);
    if (delivered.route === 'response_url') {
      return this.toResponseUrl(to.responseUrl, {
        response_type: 'in_channel',
        replace_original: true,
        ...message,
      });
    }
    if (delivered.ts && delivered.channel)
      return this.updateMessage(delivered.channel, delivered.ts, original);
    return { ok: false, error: 'not_updatable' };
  }

  tellPrivately(
    to: Audience,
    original: Message,
    options: { replaceOriginal?: boolean } = {},
  ): Promise<Delivery> {
    const message = this.labelled(original);
    return this.firstThatWorks([
      () =>
        this.toResponseUrl(to.responseUrl, {
          response_type: 'ephemeral',
          replace_original: options.replaceOriginal ?? false,
          ...message,
        }),
      () =>
        this.call('chat.postEphemeral', () =>
          this.client.chat.postEphemeral({ channel: to.channelId, user: to.userId, ...message }),
        ),
      // A direct message from the app reaches the person even where the bot is in no channel.
      () =>
        this.call('chat.postMessage', () => this.client.chat.postMessage({ channel: to.userId, ...message })),
    ]);
  }

  post(channel: string, message: Message): Promise<Delivery> {
    return this.call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel, ...this.labelled(message) }),
    );
  }

  async postTracked(
    channel: string,
    message: Message,
    withoutImages?: Message,
  ): Promise<{ ok: true; ts: string } | { ok: false; error: string }> {
    const attempt = async (m: Message): Promise<{ ok: true; ts: string } | { ok: false; error: string }> => {
      try {
        const posted = await this.client.chat.postMessage({ channel, ...this.labelled(m) });
        return posted.ts ? { ok: true, ts: posted.ts } : { ok: false, error: 'no_ts' };
      } catch (error) {
        const code = slackErrorCode(error);
        this.log.warn(`chat.postMessage failed: ${code}`);
        return { ok: false, error: code };
      }
    };
    const posted = await attempt(message);
    return !posted.ok && withoutImages && isImageError(posted.error) ? attempt(withoutImages) : posted;
  }

  async updateMessage(
    channel: string,
    ts: string,
    message: Message,
    withoutImages?: Message,
  ): Promise<Delivery> {
    const attempt = (m: Message) =>
      this.call('chat.update', () => this.client.chat.update({ channel, ts, ...this.labelled(m) }));
    const updated = await attempt(message);
    return !updated.ok && withoutImages && isImageError(updated.error) ? attempt(withoutImages) : updated;
  }

  async openModal(triggerId: string, view: ModalView): Promise<Opened> {
    try {
      const opened = await this.quickClient.views.open({
        trigger_id: triggerId,
        view: encoded(this.labelledView(view)),
      });
      return { ok: true, viewId: opened.view?.id, hash: opened.view?.hash };
    } catch (error) {
      const code = slackErrorCode(error);
      this.log.warn(`views.open failed: ${code}`);
      return { ok: false, error: code };
    }
  }

  async updateModal(
    viewId: string,
    view: ModalView,
    options: { hash?: string | undefined; quick?: boolean; withoutImages?: ModalView } = {},
  ): Promise<Delivery> {
    const client = options.quick ? this.quickClient : this.client;
    const { hash } = options;
    const attempt = (next: ModalView) =>
      this.call('views.update', () =>
        client.views.update({
          view_id: viewId,
          view: encoded(this.labelledView(next)),
          ...(hash ? { hash } : {}),
        }),
      );
    const delivery = await attempt(view);
    if (!delivery.ok && options.withoutImages && isImageError(delivery.error)) {
      this.log.warn(`Slack could not fetch an image of a modal (${delivery.error}); showing it without`);
      return attempt(options.withoutImages);
    }
    return delivery;
  }

  async uploadPrivately(
    userId: string,
    file: { filename: string; path: string; comment: string },
  ): Promise<Delivery> {
    try {
      const opened = await this.client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) return { ok: false, error: 'no_dm_channel' };
      await this.client.filesUploadV2({
        channel_id: channel,
        // filesUploadV2 reads the file into one Buffer (it sends its length first, then its bytes),
        // so the upload holds the whole file in memory for its duration; building it did not.
        file: file.path,
        filename: file.filename,
        initial_comment: this.labelled({ text: file.comment, blocks: [] }).text,
      });
      return { ok: true, route: 'files.uploadV2', channel };
    } catch (error) {
      const code = slackErrorCode(error);
      this.log.warn(`files upload failed: ${code}`);
      return { ok: false, error: code };
    }
  }

  publishHome(userId: string, view: HomeView): Promise<Delivery> {
    return this.call('views.publish', () =>
      this.client.views.publish({ user_id: userId, view: encoded(this.sandbox ? sandboxView(view) : view) }),
    );
  }

  async userProfile(userId: string): Promise<SlackProfile | undefined> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      const profile = user?.profile;
      if (!profile) return undefined;
      const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
      // Slack's generated avatar is not a photo of anyone: only a custom image counts.
      const image = profile.is_custom_image
        ? (profile.image_original ?? profile.image_1024 ?? profile.image_512 ?? profile.image_192)
        : undefined;
      return {
        firstName: text(profile.first_name),
        lastName: text(profile.last_name),
        realName: text(profile.real_name ?? user?.real_name),
        image,
      };
    } catch (error) {
      this.log.warn(`users.info failed: ${slackErrorCode(error)}`);
      return undefined;
    }
  }

  async fileInfo(fileId: string): Promise<unknown> {
    try {
      return (await this.client.files.info({ file: fileId })).file;
    } catch (error) {
      this.log.warn(`files.info failed: ${slackErrorCode(error)}`);
      return undefined;
    }
  }

  private async firstThatWorks(routes: Array<() => Promise<Delivery>>): Promise<Delivery> {
    let last: Delivery = { ok: false, error: 'no_route' };
    for (const route of routes) {
      last = await route();
      if (last.ok) return last;
    }
    return last;
  }

  private async toResponseUrl(url: string | undefined, body: Record<string, unknown>): Promise<Delivery> {
    if (url === undefined) return { ok: false, error: 'no_response_url' };
    if (!isSlackResponseUrl(url, this.apiUrl)) {
      this.log.warn('Ignored a response_url that is not a Slack hooks URL');
      return { ok: false, error: 'untrusted_response_url' };
    }
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        headersTimeout: responseUrlTimeoutMs,
        bodyTimeout: responseUrlTimeoutMs,
      });
      const text = (await response.body.text()).slice(0, 200);
      if (response.statusCode >= 200 && response.statusCode < 300 && !text.includes('"ok":false')) {
        return { ok: true, route: 'response_url' };
      }
      this.log.warn(`response_url answered ${response.statusCode}: ${text}`);
      return { ok: false, error: `response_url ${response.statusCode} ${text}` };
    } catch (error) {
      this.log.warn(`response_url failed: ${describe(error)}`);
      return { ok: false, error: `response_url ${describe(error)}` };
    }
  }

  private async call(method: string, run: () => Promise<unknown>): Promise<Delivery> {
    try {
      await run();
      return { ok: true, route: method };
    } catch (error) {
      const code = slackErrorCode(error);
      this.log.warn(`${method} failed: ${code}`);
      return { ok: false, error: code };
    }
  }
}

/** The Web API's error code (`not_in_channel`, `invalid_blocks`, …), never a stack or a token. */
export function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown; response_metadata?: { messages?: unknown } } }).data;
  if (typeof data?.error === 'string') {
    const details = Array.isArray(data.response_metadata?.messages)
      ? ` ${data.response_metadata.messages.join(' ')}`
      : '';
    return `${data.error}${details}`.slice(0, 300);
  }
  return describe(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown error';
}
