import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/runtime/config.js';

const minimal = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'signing-secret-value' };

function problemsOf(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected configuration problems');
  return result.problems;
}

describe('loadConfig', () => {
  it('applies the documented defaults: HTTP mode, sandbox, US, photo check on, info logs', () => {
    const result = loadConfig(minimal);
    expect(result).toEqual({
      ok: true,
      config: {
        slack: {
          botToken: 'xoxb-1-2-abc',
          appToken: undefined,
          signingSecret: 'signing-secret-value',
          apiUrl: 'https://slack.com/api/',
        },
        http: { port: 3000, host: '0.0.0.0' },
        sendblue: { mode: 'sandbox' },
        notifyChannel: undefined,
        admins: [],
        adminGroup: undefined,
        databasePath: 'data/contactcard.db',
        databaseUrl: undefined,
        databasePoolSize: 10,
        metricsPort: undefined,
        publicUrl: undefined,
        bulkConcurrency: 4,
        syncConcurrency: 4,
        liveCheck: true,
        reconcileIntervalMs: 3_600_000,
        approval: { mode: 'off', channel: undefined, ttlMs: 604_800_000 },
        defaultRegion: 'US',
        photoCheck: true,
        logLevel: 'info',
      },
    });
  });

  it('reads every variable when set', () => {
    const result = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      PORT: '8080',
      HOST: '127.0.0.1',
      SLACK_API_URL: 'https://slack-gov.com/api',
      SENDBLUE_API_KEY_ID: 'key-id',
      SENDBLUE_API_SECRET_KEY: 'key-secret',
      SENDBLUE_BASE_URL: 'http://127.0.0.1:9999',
      CONTACTCARD_NOTIFY_CHANNEL: 'C0123ABC',
      CONTACTCARD_ADMINS: ' U01AAA , W02BBB,',
      CONTACTCARD_ADMIN_GROUP: 'S0ADMINS',
      CONTACTCARD_DB: '/var/lib/contactcard/cards.db',
      CONTACTCARD_DATABASE_URL: 'postgres://cc:pw@db.example:5432/cards',
      CONTACTCARD_DB_POOL_SIZE: '4',
      CONTACTCARD_METRICS_PORT: '9464',
      CONTACTCARD_PUBLIC_URL: 'https://cards.example.com/',
      CONTACTCARD_DEFAULT_REGION: 'gb',
      CONTACTCARD_PHOTO_CHECK: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(result.ok && result.config).toMatchObject({
      slack: { appToken: 'xapp-1', signingSecret: undefined, apiUrl: 'https://slack-gov.com/api/' },
      http: { port: 8080, host: '127.0.0.1' },
      sendblue: {
        mode: 'live',
        baseUrl: 'http://127.0.0.1:9999',
        apiKeyId: 'key-id',
        apiSecretKey: 'key-secret',
      },
      notifyChannel: 'C0123ABC',
      admins: ['U01AAA', 'W02BBB'],
      adminGroup: 'S0ADMINS',
      databasePath: '/var/lib/contactcard/cards.db',
      databaseUrl: 'postgres://cc:pw@db.example:5432/cards',
      databasePoolSize: 4,
      metricsPort: 9464,
      publicUrl: 'https://cards.example.com',
      defaultRegion: 'GB',
      photoCheck: false,
      logLevel: 'debug',
    });
  });

  it('needs no signing secret in Socket Mode', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).ok).toBe(true);
  });

  it('treats an empty value as unset', () => {
    const result = loadConfig({
      ...minimal,
      PORT: '',
      SENDBLUE_API_KEY_ID: ' ',
      SENDBLUE_API_SECRET_KEY: '',
    });
    expect(result.ok && result.config.http.port).toBe(3000);
    expect(result.ok && result.config.sendblue.mode).toBe('sandbox');
  });

  it.each([
    [{ SLACK_BOT_TOKEN: undefined }, 'SLACK_BOT_TOKEN: required'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'SLACK_BOT_TOKEN: expected a bot token starting with xoxb-'],
    [{ SLACK_SIGNING_SECRET: undefined }, 'SLACK_SIGNING_SECRET: required in HTTP mode'],
    [{ SLACK_APP_TOKEN: 'xoxb-wrong' }, 'SLACK_APP_TOKEN: expected an app-level token starting with xapp-'],
    [{ PORT: 'eighty' }, 'PORT: expected a port number'],
    [{ PORT: '70000' }, 'PORT: expected a port from 1 to 65535'],
    [{ SLACK_API_URL: 'not a url' }, 'SLACK_API_URL: expected an http(s) URL'],
    [{ SENDBLUE_BASE_URL: 'ftp://x.example' }, 'SENDBLUE_BASE_URL: expected an http(s) URL'],
    [{ CONTACTCARD_NOTIFY_CHANNEL: '#general' }, 'CONTACTCARD_NOTIFY_CHANNEL: expected a channel ID'],
    [{ CONTACTCARD_ADMINS: 'U01AAA,@bob' }, 'CONTACTCARD_ADMINS: expected Slack user IDs'],
    [{ CONTACTCARD_ADMIN_GROUP: 'admins' }, 'CONTACTCARD_ADMIN_GROUP: expected a user group ID'],
    [{ CONTACTCARD_DEFAULT_REGION: 'XX' }, 'CONTACTCARD_DEFAULT_REGION: expected a two-letter ISO region'],
    [{ CONTACTCARD_PHOTO_CHECK: 'yes' }, 'CONTACTCARD_PHOTO_CHECK: expected true or false'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: expected debug, info, warn or error'],
    [{ CONTACTCARD_SYNC_CONCURRENCY: '21' }, 'CONTACTCARD_SYNC_CONCURRENCY: expected 0 (no sync) to 20'],
    [
      { CONTACTCARD_SYNC_CONCURRENCY: 'many' },
      'CONTACTCARD_SYNC_CONCURRENCY: expected a number of reads at once',
    ],
  ])('reports %o as "%s"', (change, expected) => {
    const env: Record<string, string | undefined> = { ...minimal, ...change };
    const problems = problemsOf(
      Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as never,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('requires both Sendblue keys or neither, naming the missing one', () => {
    expect(problemsOf({ ...minimal, SENDBLUE_API_KEY_ID: 'id' })).toEqual([
      expect.stringMatching(/^SENDBLUE_API_SECRET_KEY: required because its partner is set/),
    ]);
    expect(problemsOf({ ...minimal, SENDBLUE_API_SECRET_KEY: 'secret' })).toEqual([
      expect.stringMatching(/^SENDBLUE_API_KEY_ID: required because its partner is set/),
    ]);
  });

  it('reports every problem at once, one per line', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'nope',
      PORT: '0',
      LOG_LEVEL: 'x',
      SENDBLUE_API_KEY_ID: 'k',
    });
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'SLACK_BOT_TOKEN',
      'PORT',
      'LOG_LEVEL',
      'SLACK_SIGNING_SECRET',
      'SENDBLUE_API_SECRET_KEY',
    ]);
  });

  it('never prints a secret value in a problem', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'sekrit-bot-token-123',
      SLACK_APP_TOKEN: 'sekrit-app-token-456',
      SLACK_SIGNING_SECRET: 'sekrit-signing-789',
      SENDBLUE_API_SECRET_KEY: 'sekrit-sendblue-000',
    };
    const text = problemsOf(secrets).join('\n');
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
  });

  it('refuses a database URL that is not PostgreSQL, a pool under 2, and metrics on the Slack port, without echoing the URL', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      CONTACTCARD_DATABASE_URL: 'mysql://root:hunter2@db/x',
      CONTACTCARD_DB_POOL_SIZE: '1',
      PORT: '8080',
      CONTACTCARD_METRICS_PORT: '8080',
      CONTACTCARD_PUBLIC_URL: 'http://cards.example.com',
    });
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'CONTACTCARD_DATABASE_URL',
      'CONTACTCARD_DB_POOL_SIZE',
      'CONTACTCARD_PUBLIC_URL',
      'CONTACTCARD_METRICS_PORT',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('reads CONTACTCARD_RECONCILE_INTERVAL as off or a duration of at least 10 s', () => {
    const interval = (value: string) => {
      const loaded = loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        CONTACTCARD_RECONCILE_INTERVAL: value,
      });
      return loaded.ok ? loaded.config.reconcileIntervalMs : loaded.problems;
    };
    expect(interval('off')).toBeUndefined();
    expect(interval('30s')).toBe(30_000);
    expect(interval('15m')).toBe(900_000);
    expect(interval('1h')).toBe(3_600_000);
    for (const bad of ['5s', '1d', 'soon', '-1h']) {
      expect(interval(bad)).toEqual([expect.stringMatching(/^CONTACTCARD_RECONCILE_INTERVAL: expected off/)]);
    }
  });

  it('reads CONTACTCARD_APPROVAL, _CHANNEL and _TTL; approval with nobody to approve is refused', () => {
    const load = (env: Record<string, string>) =>
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        CONTACTCARD_ADMINS: 'U0ADMIN',
        ...env,
      });
    const approval = (env: Record<string, string>) => {
      const loaded = load(env);
      return loaded.ok ? loaded.config.approval : loaded.problems;
    };
    expect(approval({})).toEqual({ mode: 'off', channel: undefined, ttlMs: 604_800_000 });
    expect(
      approval({
        CONTACTCARD_APPROVAL: 'Owners',
        CONTACTCARD_APPROVAL_CHANNEL: 'C0APPROVE',
        CONTACTCARD_APPROVAL_TTL: '12h',
      }),
    ).toEqual({ mode: 'owners', channel: 'C0APPROVE', ttlMs: 43_200_000 });
    expect(approval({ CONTACTCARD_APPROVAL: 'all', CONTACTCARD_APPROVAL_TTL: '30d' })).toMatchObject({
      mode: 'all',
      ttlMs: 30 * 86_400_000,
    });
    expect(approval({ CONTACTCARD_APPROVAL: 'sometimes' })).toEqual([
      'CONTACTCARD_APPROVAL: expected off, owners or all',
    ]);
    expect(approval({ CONTACTCARD_APPROVAL_CHANNEL: '#brand' })).toEqual([
      expect.stringMatching(/^CONTACTCARD_APPROVAL_CHANNEL: expected a channel ID/),
    ]);
    for (const bad of ['30s', '7', 'a week', '-1d']) {
      expect(approval({ CONTACTCARD_APPROVAL_TTL: bad })).toEqual([
        expect.stringMatching(/^CONTACTCARD_APPROVAL_TTL: expected a duration of at least 1m/),
      ]);
    }
    // Open mode has no admin: with approval on, nobody could approve anything.
    const open = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      CONTACTCARD_APPROVAL: 'all',
    });
    expect(open.ok ? open.config : open.problems).toEqual([
      expect.stringMatching(
        /^CONTACTCARD_APPROVAL: needs someone to approve: set CONTACTCARD_ADMINS or CONTACTCARD_ADMIN_GROUP/,
      ),
    ]);
    expect(
      load({ CONTACTCARD_ADMINS: '', CONTACTCARD_ADMIN_GROUP: 'S0ADMINS', CONTACTCARD_APPROVAL: 'owners' })
        .ok,
    ).toBe(true);
  });
});
