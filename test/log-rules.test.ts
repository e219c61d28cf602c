import { LogLevel } from '@slack/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/runtime/logger.js';
import { libraryLogger, withoutContents } from '../src/slack/log-rules.js';
import { LogAudit } from './helpers/log-audit.js';
import { formValues, sampleCard, viewSubmission } from './helpers/payloads.js';

// The rule for what a library may log from a request (src/slack/log-rules.ts), and the audit that
// checks it over every end-to-end test (test/helpers/log-audit.ts).

/** How Bolt 5.1, @slack/web-api 7 and @slack/socket-mode 2 introduce the data they log at debug. */
const libraryPrefixes = [
  '',
  'Received a message on the WebSocket: ',
  'Sending a WebSocket message: ',
  'http request body: ',
  'http request result: ',
  'ack() call begins (body: ',
  'Calling ack() - type: interactive, envelope_id: 1, data: ',
  'Unable to parse an incoming WebSocket message (will ignore): SyntaxError, ',
  'Error details: ',
];

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringLeaves);
}

describe('withoutContents', () => {
  it('keeps no string of a JSON body or value a library appends to its line', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...libraryPrefixes),
        fc.oneof(fc.jsonValue(), fc.string()),
        (prefix, value) => {
          const line = withoutContents(`${prefix}${JSON.stringify(value)}`);
          for (const leaf of stringLeaves(value)) {
            if (leaf.length >= 4 && !prefix.includes(leaf) && !'(contents not logged)'.includes(leaf))
              expect(line).not.toContain(leaf);
          }
        },
      ),
      // A quote escaped inside a JSON string once ended the cut there (CI, seed 810683854).
      { examples: [['', '"   ']] },
    );
  });

  it('passes a line on only at the level the app logs at', () => {
    const lines: string[] = [];
    const keep = (line: unknown) => void lines.push(String(line));
    const atInfo = { debug: keep, info: keep, warn: keep, error: keep, setLevel() {}, setName() {} };
    const log = libraryLogger({ ...atInfo, getLevel: () => LogLevel.INFO });
    log.debug('http request body: {"a":1}');
    log.info('Will retry in 3 seconds');
    expect(lines).toEqual(['Will retry in 3 seconds']);
  });

  it('cuts tokens and quoted text from a plain line, and keeps its words', () => {
    expect(withoutContents("apiCall('views.open') start with xoxb-123-abc")).toBe(
      'apiCall("…") start with [token]',
    );
    expect(withoutContents('Unexpected token a, "abc" is not valid JSON')).toBe(
      'Unexpected token a, "…" is not valid JSON',
    );
    expect(withoutContents('An incoming event was not acknowledged within 3 seconds.')).toBe(
      'An incoming event was not acknowledged within 3 seconds.',
    );
  });
});

describe('the log audit', () => {
  const submission = viewSubmission({ id: 'V0CARD' }, formValues({ ...sampleCard, number: '+14155551234' }));

  it('fails on a library line that quotes a body, and passes once the line goes through the rule', () => {
    const raw = new LogAudit(createLogger('error'));
    raw.forbidTypedIn(submission);
    // What Bolt's App logs at debug for every request it processes.
    raw.logger().debug(JSON.stringify(submission));
    expect(raw.leaks().join('\n')).toContain('<typed value>');
    expect(() => raw.assertClean()).toThrow(/typed value/);

    const ruled = new LogAudit(createLogger('error'));
    ruled.forbidTypedIn(submission);
    libraryLogger(ruled.logger()).debug(JSON.stringify(submission));
    expect(ruled.lines).toHaveLength(1);
    expect(ruled.leaks()).toEqual([]);
  });

  it("does not count JavaScript's property names, which fast-check types on purpose, as a leak in Bolt's own words", () => {
    const audit = new LogAudit(createLogger('error'));
    audit.forbidTypedIn(
      viewSubmission(
        { id: 'V0CARD' },
        formValues({ ...sampleCard, firstName: 'call', number: '+14155551234' }),
      ),
    );
    audit.logger().debug('ack() call begins (body: (contents not logged)');
    expect(audit.leaks()).toEqual([]);
    audit.logger().debug(`set card for ${sampleCard.lastName}`);
    expect(audit.leaks()).toHaveLength(1);
  });

  it('records every level, and tells Bolt it logs at debug whatever it prints', () => {
    const audit = new LogAudit(createLogger('error'));
    const log = audit.logger();
    expect(log.getLevel()).toBe(LogLevel.DEBUG);
    log.debug('a');
    log.info('b');
    expect(audit.lines).toEqual(['[debug] a', '[info] b']);
  });
});
