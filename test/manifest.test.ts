import { existsSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const schemaPath = new URL(
  '../../shared/reference/slack-manifest-schema/manifest.schema.1.0.0.json',
  import.meta.url,
);
const haveSchema = existsSync(schemaPath);
const manifest = parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8'));

describe('manifest.yml', () => {
  it.skipIf(!haveSchema)(
    "validates against Slack's official manifest schema 1.0.0 (skipped when ../shared/reference is absent)",
    () => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
      const valid = validate(manifest);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  it.skipIf(!haveSchema)('is checked by a schema that does reject a broken manifest', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    expect(validate({ ...manifest, display_information: { name: 42 } })).toBe(false);
  });

  it('declares the /contactcard command, interactivity, Socket Mode and only the scopes it needs', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({
        command: '/contactcard',
        should_escape: true,
        usage_hint: expect.any(String),
      }),
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'commands',
      'chat:write',
      'chat:write.public',
      'files:read',
      'users:read',
      'files:write',
      'im:write',
    ]);
  });
});

if (!haveSchema) {
  console.warn(
    'manifest.test.ts: ../shared/reference/slack-manifest-schema is absent; schema validation SKIPPED',
  );
}
