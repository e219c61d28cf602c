import { describe, expect, it } from 'vitest';
import { runDemo } from '../demo/demo.js';

describe('npm run demo', () => {
  it('plays help, set, show and delete against the sandbox and prints what Slack users would see', async () => {
    const transcript = await runDemo();
    const inOrder = [
      '@alice types: /contactcard help',
      '/contactcard set [number]',
      '@alice types: /contactcard set +1 415 555 1234',
      'Loading the current card of *+1 415 555 1234*',
      'First name: [',
      'Applying the card to +1 415 555 1234',
      'everyone in #support sees',
      'Contact card of +1 415 555 1234 submitted',
      '*Display name:* Jane at Acme',
      '@alice types: /contactcard show +1 415 555 1234',
      '[Edit]  [Delete] (asks to confirm)',
      'Deleted the contact card of +1 415 555 1234.',
      'Contact card of +1 415 555 1234 deleted',
    ];
    let from = 0;
    for (const expected of inOrder) {
      const at = transcript.indexOf(expected, from);
      expect(at, `"${expected}" after position ${from}`).toBeGreaterThanOrEqual(from);
      from = at + expected.length;
    }
    expect(transcript.match(/Sandbox/g)?.length).toBeGreaterThan(8);
  });
});
