import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { ApprovalMode } from '../domain/access/access.js';
import { isRegion } from '../domain/phone.js';
import { parseDuration, parseInterval } from './interval.js';
import type { LogLevelName } from './logger.js';

export type SendblueConfig =
  | { mode: 'live'; baseUrl: string; apiKeyId: string; apiSecretKey: string }
  | { mode: 'sandbox' };

export interface Config {
  slack: {
    botToken: string;
    /** Socket Mode when set; HTTP mode otherwise. */
    appToken: string | undefined;
    signingSecret: string | undefined;
    apiUrl: string;
  };
  http: { port: number; host: string };
  sendblue: SendblueConfig;
  notifyChannel: string | undefined;
  admins: string[];
  /** A Slack user group whose members are admins too. */
  adminGroup: string | undefined;
  /** SQLite file: assignments, audit trail, last known cards (when no databaseUrl is set). */
  databasePath: string;
  /** PostgreSQL, shared by several replicas; undefined: the SQLite file. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections each replica opens at most. */
  databasePoolSize: number;
  /** Prometheus text at /metrics on this port (never the Slack port); undefined: off. */
  metricsPort: number | undefined;
  /** The https origin that reaches this app: enables uploads, served at /photos/<id>.jpg. */
  publicUrl: string | undefined;
  /** Sendblue calls one bulk job makes at once. */
  bulkConcurrency: number;
  /** Reads at once of the sync that reads every line not yet seen at Sendblue; 0: no sync. */
  syncConcurrency: number;
  /** Read the state after a set, to say "live" once Sendblue shows the card. */
  liveCheck: boolean;
  /** How often every known card is compared with Sendblue's (drift alerts); undefined: off. */
  reconcileIntervalMs: number | undefined;
  /** Who needs an admin's approval: nobody, people who are not admins, or everyone (another admin). */
  approval: { mode: ApprovalMode; channel: string | undefined; ttlMs: number };
  defaultRegion: CountryCode;
  photoCheck: boolean;
  logLevel: LogLevelName;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

// `KEY=` in a .env file means "not set", not "set to nothing".
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    schema.optional(),
  );

// Messages are written by hand so that no zod default ever echoes a received value (some are secrets).
const token = (prefix: string, what: string) =>
  z.string().startsWith(prefix, { error: `expected ${what} starting with ${prefix}` });

const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `expected an http(s) URL for ${what}` });

const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, { error: 'expected a channel ID like C0123456789 (not a #name)' });

const minApprovalTtlMs = 60_000;

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int()
  .min(1)
  .max(65535, { error: 'expected a port from 1 to 65535' });

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…) from OAuth & Permissions' })
    .pipe(token('xoxb-', 'a bot token')),
  SLACK_APP_TOKEN: optional(token('xapp-', 'an app-level token')),
  SLACK_SIGNING_SECRET: optional(z.string()),
  PORT: optional(port),
  HOST: optional(z.string()),
  SLACK_API_URL: optional(httpUrl('the Slack Web API')),
  SENDBLUE_API_KEY_ID: optional(z.string()),
  SENDBLUE_API_SECRET_KEY: optional(z.string()),
  SENDBLUE_BASE_URL: optional(httpUrl('the Sendblue API')),
  CONTACTCARD_NOTIFY_CHANNEL: optional(channelId),
  CONTACTCARD_APPROVAL: optional(
    z
      .string()
      .transform((mode) => mode.trim().toLowerCase())
      .pipe(z.enum(['off', 'owners', 'all'], { error: 'expected off, owners or all' })),
  ),
  CONTACTCARD_APPROVAL_CHANNEL: optional(channelId),
  CONTACTCARD_APPROVAL_TTL: optional(
    z
      .string()
      .transform((value) => parseDuration(value) ?? 0)
      .refine((ms) => ms >= minApprovalTtlMs, {
        error: 'expected a duration of at least 1m such as 12h, 7d or 30d',
      }),
  ),
  CONTACTCARD_ADMINS: optional(
    z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().regex(/^[UW][A-Z0-9]{2,}$/, { error: 'expected Slack user IDs like U0123456789' }),
        ),
      ),
  ),
  CONTACTCARD_ADMIN_GROUP: optional(
    z.string().regex(/^S[A-Z0-9]{2,}$/, { error: 'expected a user group ID like S0123456789' }),
  ),
  CONTACTCARD_DB: optional(z.string()),
  CONTACTCARD_DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\//i, { error: 'expected a postgres:// or postgresql:// URL' }),
  ),
  CONTACTCARD_DB_POOL_SIZE: optional(
    z.coerce
      .number({ error: 'expected a number of connections' })
      .int({ error: 'expected a whole number of connections' })
      .min(2, { error: 'expected at least 2 connections' })
      .max(1000, { error: 'expected at most 1000 connections' }),
  ),
  CONTACTCARD_METRICS_PORT: optional(port),
  CONTACTCARD_BULK_CONCURRENCY: optional(
    z.coerce
      .number({ error: 'expected a number of calls at once' })
      .int({ error: 'expected a whole number' })
      .min(1, { error: 'expected 1 to 20' })
      .max(20, { error: 'expected 1 to 20' }),
  ),
  CONTACTCARD_SYNC_CONCURRENCY: optional(
    z.coerce
      .number({ error: 'expected a number of reads at once' })
      .int({ error: 'expected a whole number' })
      .min(0, { error: 'expected 0 (no sync) to 20' })
      .max(20, { error: 'expected 0 (no sync) to 20' }),
  ),
  CONTACTCARD_PUBLIC_URL: optional(
    z
      .url({
        protocol: /^https$/,
        error: 'expected the https:// address that reaches this app, like https://cards.example.com',
      })
      .refine((url) => !/[?#]/.test(url), { error: 'expected an address without ? or #' })
      .transform((url) => url.replace(/\/+$/, '')),
  ),
  CONTACTCARD_DEFAULT_REGION: optional(
    z
      .string()
      .transform((region) => region.toUpperCase())
      .refine(isRegion, { error: 'expected a two-letter ISO region such as US or GB' }),
  ),
  CONTACTCARD_PHOTO_CHECK: optional(z.enum(['true', 'false'], { error: 'expected true or false' })),
  CONTACTCARD_LIVE_CHECK: optional(z.enum(['true', 'false'], { error: 'expected true or false' })),
  CONTACTCARD_RECONCILE_INTERVAL: optional(
    z
      .string()
      .transform((value) => parseInterval(value) ?? ('off' as const))
      .refine((value) => value !== 'invalid', {
        error: 'expected off, or a duration of at least 10s such as 30s, 15m or 1h',
      }),
  ),
  LOG_LEVEL: optional(
    z.enum(['debug', 'info', 'warn', 'error'], { error: 'expected debug, info, warn or error' }),
  ),
});

/** Validates the environment into one typed object, or lists every problem, one line each. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`)),
    ...crossFieldProblems(env),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems: [...new Set(problems)] };

  const vars = parsed.data;
  const keyId = vars.SENDBLUE_API_KEY_ID;
  const secret = vars.SENDBLUE_API_SECRET_KEY;
  return {
    ok: true,
    config: {
      slack: {
        botToken: vars.SLACK_BOT_TOKEN,
        appToken: vars.SLACK_APP_TOKEN,
        signingSecret: vars.SLACK_SIGNING_SECRET,
        apiUrl: withTrailingSlash(vars.SLACK_API_URL ?? 'https://slack.com/api/'),
      },
      http: { port: vars.PORT ?? 3000, host: vars.HOST ?? '0.0.0.0' },
      sendblue:
        keyId !== undefined && secret !== undefined
          ? {
              mode: 'live',
              baseUrl: vars.SENDBLUE_BASE_URL ?? 'https://api.sendblue.co',
              apiKeyId: keyId,
              apiSecretKey: secret,
            }
          : { mode: 'sandbox' },
      notifyChannel: vars.CONTACTCARD_NOTIFY_CHANNEL,
      admins: vars.CONTACTCARD_ADMINS ?? [],
      adminGroup: vars.CONTACTCARD_ADMIN_GROUP,
      databasePath: vars.CONTACTCARD_DB ?? 'data/contactcard.db',
      databaseUrl: vars.CONTACTCARD_DATABASE_URL,
      databasePoolSize: vars.CONTACTCARD_DB_POOL_SIZE ?? 10,
      metricsPort: vars.CONTACTCARD_METRICS_PORT,
      publicUrl: vars.CONTACTCARD_PUBLIC_URL,
      bulkConcurrency: vars.CONTACTCARD_BULK_CONCURRENCY ?? 4,
      syncConcurrency: vars.CONTACTCARD_SYNC_CONCURRENCY ?? 4,
      liveCheck: vars.CONTACTCARD_LIVE_CHECK !== 'false',
      reconcileIntervalMs:
        vars.CONTACTCARD_RECONCILE_INTERVAL === 'off'
          ? undefined
          : ((vars.CONTACTCARD_RECONCILE_INTERVAL as number | undefined) ?? 3_600_000),
      approval: {
        mode: vars.CONTACTCARD_APPROVAL ?? 'off',
        channel: vars.CONTACTCARD_APPROVAL_CHANNEL,
        ttlMs: vars.CONTACTCARD_APPROVAL_TTL ?? 7 * 86_400_000,
      },
      defaultRegion: vars.CONTACTCARD_DEFAULT_REGION ?? 'US',
      photoCheck: vars.CONTACTCARD_PHOTO_CHECK !== 'false',
      logLevel: vars.LOG_LEVEL ?? 'info',
    },
  };
}

function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  const problems: string[] = [];
  if (!isSet('SLACK_APP_TOKEN') && !isSet('SLACK_SIGNING_SECRET')) {
    problems.push(
      'SLACK_SIGNING_SECRET: required in HTTP mode (from Basic Information); or set SLACK_APP_TOKEN for Socket Mode',
    );
  }
  if (
    isSet('CONTACTCARD_METRICS_PORT') &&
    (env.CONTACTCARD_METRICS_PORT ?? '').trim() === (env.PORT ?? '3000').trim()
  ) {
    problems.push(
      'CONTACTCARD_METRICS_PORT: must differ from PORT (metrics are never served on the Slack port)',
    );
  }
  const approval = (env.CONTACTCARD_APPROVAL ?? '').trim().toLowerCase();
  if (
    (approval === 'owners' || approval === 'all') &&
    !isSet('CONTACTCARD_ADMINS') &&
    !isSet('CONTACTCARD_ADMIN_GROUP')
  ) {
    problems.push(
      'CONTACTCARD_APPROVAL: needs someone to approve: set CONTACTCARD_ADMINS or CONTACTCARD_ADMIN_GROUP (with neither, the app is in open mode and no admin exists)',
    );
  }
  if (isSet('SENDBLUE_API_KEY_ID') !== isSet('SENDBLUE_API_SECRET_KEY')) {
    const missing = isSet('SENDBLUE_API_KEY_ID') ? 'SENDBLUE_API_SECRET_KEY' : 'SENDBLUE_API_KEY_ID';
    problems.push(
      `${missing}: required because its partner is set; set both Sendblue keys, or neither for sandbox mode`,
    );
  }
  return problems;
}

// The Web API client joins method names onto this base, so it must end with a slash.
function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
