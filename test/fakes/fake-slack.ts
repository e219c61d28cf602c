import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, readBody, sendJson } from '../helpers/http.js';

/** One Web API call as the fake received it: complex fields (view, blocks) already JSON-parsed. */
export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  at: number;
  /** Set when the fake refused the call's blocks (invalid_blocks): the rules it broke. */
  refusedFor?: string[];
  /** Set when the fake answered `ratelimited` (see limitPublishes). */
  rateLimited?: boolean;
}

export interface ResponseUrlPost {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

/** An answer with its own HTTP status and headers (a 429 with Retry-After, a 500), not Slack's usual 200. */
export interface HttpAnswer {
  readonly httpStatus: number;
  readonly headers: Record<string, string>;
  /** Sent as JSON; a string is sent as-is. */
  readonly body: unknown;
}

const httpAnswers = new WeakSet<object>();

/** Lets an `on()` handler answer with any HTTP status and headers. */
export function httpAnswer(
  httpStatus: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpAnswer {
  const answer = { httpStatus, headers, body };
  httpAnswers.add(answer);
  return answer;
}

/** Slack's rate limiting: HTTP 429 with Retry-After (seconds); the Web API client waits, then retries. */
export function rateLimited(retryAfterSeconds = 1): HttpAnswer {
  return httpAnswer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfterSeconds) });
}

const isHttpAnswer = (value: unknown): value is HttpAnswer =>
  typeof value === 'object' && value !== null && httpAnswers.has(value);

type MethodAnswer = Record<string, unknown> | HttpAnswer;
type MethodHandler = (call: SlackCall) => MethodAnswer | Promise<MethodAnswer>;
type ResponseUrlAnswer = { status: number; body: string };
/** May be async, e.g. to make one response_url slow. */
type ResponseUrlHandler = (post: ResponseUrlPost) => ResponseUrlAnswer | Promise<ResponseUrlAnswer>;

/** Slack refuses a message whose image it cannot download; the fake "cannot download" these. */
export const unreachableImageMarker = 'unfetchable';

function hasUnfetchableImage(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(unreachableImageMarker);
}

/**
 * Block Kit's limits, as Slack enforces them: 100 blocks in a modal or Home view, 50 in a message,
 * 3000 characters of section text, 150 of header text, 75 of button text, 2000 of a button value,
 * 3000 of private_metadata; a block_id at most once in a view or message and an action_id at most
 * once in a block, each at most 255 characters. Every view and message the fake receives is
 * checked; a breach is answered like Slack answers it, `invalid_blocks`, so a test that breaks one fails.
 */
export function blockKitViolations(
  payload: { blocks?: unknown; private_metadata?: unknown },
  maxBlocks: number,
): string[] {
  const problems: string[] = [];
  const blocks = Array.isArray(payload.blocks) ? (payload.blocks as Array<Record<string, unknown>>) : [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (at most ${maxBlocks})`);
  if (typeof payload.private_metadata === 'string' && payload.private_metadata.length > 3000) {
    problems.push('private_metadata over 3000 characters');
  }
  const blockIds = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    const blockId = block?.block_id;
    if (typeof blockId === 'string') {
      if (blockId.length > 255) problems.push(`block_id over 255 characters at /blocks/${index}`);
      if (blockIds.has(blockId)) problems.push(`block_id ${blockId} is used twice`);
      blockIds.add(blockId);
    }
    const actionIds = new Set<string>();
    const walkActions = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const child of node) walkActions(child);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const actionId = (node as Record<string, unknown>).action_id;
      if (typeof actionId === 'string') {
        if (actionId.length > 255) problems.push(`action_id over 255 characters at /blocks/${index}`);
        if (actionIds.has(actionId)) problems.push(`action_id ${actionId} is used twice in /blocks/${index}`);
        actionIds.add(actionId);
      }
      for (const child of Object.values(node)) walkActions(child);
    };
    walkActions(block);
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const value = node as Record<string, unknown>;
    const text = (value.text as { text?: unknown } | undefined)?.text;
    if (value.type === 'section' && typeof text === 'string' && text.length > 3000)
      problems.push('section text over 3000');
    if (value.type === 'header' && typeof text === 'string' && text.length > 150)
      problems.push('header text over 150');
    if (value.type === 'button' && typeof text === 'string' && text.length > 75)
      problems.push('button text over 75');
    if (value.type === 'button' && typeof value.value === 'string' && value.value.length > 2000)
      problems.push('button value over 2000');
    for (const child of Object.values(value)) walk(child);
  };
  walk(blocks);
  return problems;
}

const viewMethods = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);
const messageMethods = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

// Test trigger ids embed their creation time (`trigger-<ms>`); Slack's live for 3 seconds.
function triggerExpired(triggerId: unknown): boolean {
  const created = Number(String(triggerId).split('-')[1]);
  return Number.isFinite(created) && Date.now() - created > 3_000;
}

const imageRefusal = {
  ok: false,
  error: 'invalid_blocks',
  response_metadata: {
    messages: ['[ERROR] downloading image failed [json-pointer:/blocks/0/accessory/image_url]'],
  },
};

const jsonFields = new Set(['view', 'blocks', 'attachments', 'outputs']);

/**
 * A fake Slack Web API on 127.0.0.1: records every call, answers like Slack (`{ok: true, …}`),
 * and lets a test replace the answer of any method. Also receives `response_url` posts under
 * `/response/…`, which is what a test puts in a slash command's `response_url`.
 */
export async function startFakeSlack(options: { botToken?: string } = {}) {
  const botToken = options.botToken ?? 'xoxb-test-token';
  const calls: SlackCall[] = [];
  const responsePosts: ResponseUrlPost[] = [];
  const handlers = new Map<string, MethodHandler>();
  let responseHandler: ResponseUrlHandler | undefined;
  const waiters: Array<() => void> = [];
  let viewCounter = 0;
  /** Uploaded files, served at their url_private_download only with the bot token. */
  const files = new Map<string, { bytes: Buffer; name: string; mimetype: string }>();
  const fileDownloads: Array<{ id: string; authorized: boolean }> = [];
  /** Files the app uploaded (files.getUploadURLExternal, the upload, files.completeUploadExternal). */
  const uploads = new Map<string, { bytes?: Buffer; filename?: string; channel?: string }>();
  let uploadCounter = 0;
  const fileObject = (id: string) => {
    const file = files.get(id);
    if (!file) return undefined;
    return {
      id,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype,
      filetype: file.name.split('.').pop(),
      size: file.bytes.length,
      url_private: `${fake.url}/files-pri/T0TEST-${id}/${encodeURIComponent(file.name)}`,
      url_private_download: `${fake.url}/files-pri/T0TEST-${id}/download/${encodeURIComponent(file.name)}`,
    };
  };

  const defaults: Record<string, MethodHandler> = {
    'auth.test': (call) =>
      call.token === botToken
        ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST', url: 'https://test.slack.com/' }
        : { ok: false, error: 'invalid_auth' },
    'views.open': (call) =>
      triggerExpired(call.args.trigger_id)
        ? { ok: false, error: 'expired_trigger_id' }
        : { ok: true, view: viewFrom(call, `V${++viewCounter}`) },
    'views.update': (call) =>
      hasUnfetchableImage(call.args.view)
        ? imageRefusal
        : { ok: true, view: viewFrom(call, String(call.args.view_id ?? `V${++viewCounter}`)) },
    'views.push': (call) => ({ ok: true, view: viewFrom(call, `V${++viewCounter}`) }),
    'chat.postMessage': (call) =>
      hasUnfetchableImage(call.args.blocks)
        ? imageRefusal
        : { ok: true, channel: call.args.channel, ts: nextTs() },
    'chat.postEphemeral': () => ({ ok: true, message_ts: nextTs() }),
    // One user group exists: S0ADMINS, whose only member is U0GROUPADMIN.
    'usergroups.users.list': (call) =>
      call.args.usergroup === 'S0ADMINS'
        ? { ok: true, users: ['U0GROUPADMIN'] }
        : { ok: false, error: 'no_such_subteam' },
    'chat.update': (call) => ({ ok: true, channel: call.args.channel, ts: call.args.ts }),
    // Three people: U0JANE with a photo and first/last names, U0BOB with only a real name and
    // Slack's default avatar, U0ANON unreadable.
    'users.info': (call) => {
      const profiles: Record<string, Record<string, unknown>> = {
        U0JANE: {
          first_name: 'Jane',
          last_name: 'Doe',
          real_name: 'Jane Doe',
          is_custom_image: true,
          image_512: 'https://avatars.example.test/jane-512.jpg',
          image_original: 'https://avatars.example.test/jane-original.jpg',
        },
        U0BOB: {
          real_name: 'Bob van der Berg',
          is_custom_image: false,
          image_512: 'https://avatars.example.test/default.png',
        },
      };
      const profile = profiles[String(call.args.user)];
      return profile
        ? { ok: true, user: { id: call.args.user, profile } }
        : { ok: false, error: 'user_not_found' };
    },
    'files.getUploadURLExternal': (call) => {
      const id = `FUP${++uploadCounter}`;
      uploads.set(id, { filename: String(call.args.filename ?? '') });
      return { ok: true, file_id: id, upload_url: `${fake.url}/upload/${id}` };
    },
    'files.completeUploadExternal': (call) => {
      const files = (
        typeof call.args.files === 'string' ? JSON.parse(call.args.files) : call.args.files
      ) as Array<{ id: string }>;
      for (const file of files) {
        const upload = uploads.get(file.id);
        if (upload) upload.channel = String(call.args.channel_id ?? '');
      }
      return { ok: true, files: files.map((file) => ({ id: file.id })) };
    },
    'conversations.open': (call) => ({
      ok: true,
      channel: { id: `D${String(call.args.users ?? '').slice(1)}` },
    }),
    // A workflow step ends once, with the token its function_executed event carried (see functionExecuted).
    'functions.completeSuccess': (call) => completeStep(call, call.args.outputs !== undefined),
    'functions.completeError': (call) => completeStep(call, typeof call.args.error === 'string'),
    'files.info': (call) => {
      const file = fileObject(String(call.args.file));
      return file ? { ok: true, file } : { ok: false, error: 'file_not_found' };
    },
  };

  const endedSteps = new Set<string>();
  function completeStep(call: SlackCall, argumentsOk: boolean): MethodAnswer {
    const id = call.args.function_execution_id;
    if (typeof id !== 'string' || !argumentsOk) return { ok: false, error: 'invalid_arguments' };
    if (call.token !== workflowToken(id)) return { ok: false, error: 'invalid_auth' };
    if (endedSteps.has(id)) return { ok: false, error: 'execution_not_in_running_state' };
    endedSteps.add(id);
    return { ok: true };
  }

  /** Opt-in (limitPublishes): views.publish to one user at most once per `gapMs`, as Slack limits it. */
  let publishLimit: { gapMs: number; retryAfterSeconds: number } | undefined;
  const lastPublishTo = new Map<string, number>();
  function publishTooSoon(userId: string): boolean {
    if (!publishLimit) return false;
    const now = Date.now();
    const last = lastPublishTo.get(userId);
    if (last !== undefined && now - last < publishLimit.gapMs) return true;
    lastPublishTo.set(userId, now);
    return false;
  }

  const fake = await listenOnLoopback((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const upload = /^\/upload\/([A-Z0-9]+)$/.exec(path);
    if (upload) {
      const entry = uploads.get(upload[1] ?? '');
      // files.uploadV2 sends the file as multipart form data; the fake keeps the file's own bytes.
      const type = req.headers['content-type'] ?? '';
      const form = type.startsWith('multipart/')
        ? await new Request('http://fake/upload', {
            method: 'POST',
            headers: { 'content-type': type },
            body: text,
          }).formData()
        : undefined;
      const part = form ? [...form.values()].find((value) => typeof value !== 'string') : undefined;
      if (entry)
        entry.bytes = part ? Buffer.from(await (part as Blob).arrayBuffer()) : Buffer.from(text, 'utf8');
      res.writeHead(entry ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(entry ? 'OK' : 'no such upload');
      return;
    }
    const download = /^\/files-pri\/T0TEST-([^/]+)\/download\//.exec(path);
    if (download) {
      const id = decodeURIComponent(download[1] ?? '');
      const authorized = req.headers.authorization === `Bearer ${botToken}`;
      fileDownloads.push({ id, authorized });
      const file = files.get(id);
      // Slack answers a request without the right token with its login page, not the file.
      if (!authorized || !file) {
        res.writeHead(authorized ? 404 : 302, authorized ? {} : { location: 'https://slack.com/signin' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.bytes.length) });
      res.end(file.bytes);
      return;
    }
    if (path.startsWith('/response/')) {
      const post = { path, body: JSON.parse(text) as Record<string, unknown>, at: Date.now() };
      responsePosts.push(post);
      notify();
      const answer =
        (await responseHandler?.(post)) ??
        (hasUnfetchableImage(post.body.blocks)
          ? { status: 400, body: JSON.stringify(imageRefusal) }
          : { status: 200, body: 'ok' });
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
      return;
    }
    const method = path.replace(/^\/(api\/)?/, '');
    const call: SlackCall = {
      method,
      token: req.headers.authorization?.replace(/^Bearer /, ''),
      args: parseArgs(text, req.headers['content-type']),
      at: Date.now(),
    };
    calls.push(call);
    notify();
    const checked = viewMethods.has(method)
      ? blockKitViolations((call.args.view ?? {}) as Record<string, unknown>, 100)
      : messageMethods.has(method)
        ? blockKitViolations(call.args, 50)
        : [];
    if (checked.length > 0) {
      call.refusedFor = checked;
      sendJson(res, 200, {
        ok: false,
        error: 'invalid_blocks',
        response_metadata: { messages: checked.map((p) => `[ERROR] ${p}`) },
      });
      return;
    }
    if (method === 'views.publish' && publishTooSoon(String(call.args.user_id))) {
      call.rateLimited = true;
      const answer = rateLimited(publishLimit?.retryAfterSeconds);
      res.writeHead(answer.httpStatus, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const handler = handlers.get(method) ?? defaults[method];
    const answer = handler ? await handler(call) : { ok: true };
    if (isHttpAnswer(answer)) {
      res.writeHead(answer.httpStatus, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      return;
    }
    sendJson(res, 200, answer);
  }

  function notify(): void {
    for (const wake of waiters.splice(0)) wake();
  }

  return {
    url: `${fake.url}/api/`,
    responseUrl: (id = 'cmd') => `${fake.url}/response/${id}`,
    botToken,
    calls,
    responsePosts,
    /** Replaces the answer of one Web API method until `reset()`; `httpAnswer()`/`rateLimited()` set the HTTP status. */
    on(method: string, handler: MethodHandler) {
      handlers.set(method, handler);
    },
    /**
     * Answers views.publish with `ratelimited` (HTTP 429, Retry-After) when the last one accepted
     * for the same user was less than `gapMs` ago, until `reset()`.
     */
    limitPublishes(gapMs = 1_000, retryAfterSeconds = 1) {
      publishLimit = { gapMs, retryAfterSeconds };
      lastPublishTo.clear();
    },
    /** Replaces how `response_url` posts are answered until `reset()`. */
    onResponseUrl(handler: ResponseUrlHandler) {
      responseHandler = handler;
    },
    fileDownloads,
    uploads,
    /** Stores an upload as Slack would; resolves to the file object a file_input's state carries. */
    addFile(id: string, bytes: Buffer, name = 'photo.jpg', mimetype = 'image/jpeg') {
      files.set(id, { bytes, name, mimetype });
      return fileObject(id) as NonNullable<ReturnType<typeof fileObject>>;
    },
    callsTo(method: string): SlackCall[] {
      return calls.filter((call) => call.method === method);
    },
    /** Resolves once `predicate` holds over what the fake has received, polling on every arrival. */
    async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = predicate();
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('fake Slack: the expected call never arrived');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    reset() {
      calls.length = 0;
      responsePosts.length = 0;
      handlers.clear();
      publishLimit = undefined;
      responseHandler = undefined;
      fileDownloads.length = 0;
    },
    close: fake.close,
  };
}

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;

/** The bot_access_token Slack gives one workflow step execution (only it may complete the step). */
export function workflowToken(executionId: string): string {
  return `xwfp-test-${executionId}`;
}

let tsCounter = 0;
function nextTs(): string {
  tsCounter += 1;
  return `1700000000.${String(tsCounter).padStart(6, '0')}`;
}

function viewFrom(call: SlackCall, id: string): Record<string, unknown> {
  const view = (call.args.view ?? {}) as Record<string, unknown>;
  return { ...view, id, hash: `hash-${id}-${Date.now()}` };
}

function parseArgs(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = jsonFields.has(key) ? JSON.parse(value) : value;
  }
  return args;
}
