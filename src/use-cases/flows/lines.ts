import type { SendblueClient } from '../../adapters/sendblue/client.js';
import type { Log } from '../../runtime/logger.js';
import type { Lines } from './ports.js';

const refreshEveryMs = 5 * 60_000;

/**
 * The account's numbers from Sendblue's lines endpoint, kept fresh in the background so that no
 * Slack acknowledgement ever waits on it. `numbers()` is undefined while the list is unknown
 * (endpoint missing, failing, or empty): callers then accept typed numbers.
 */
export class LinesDirectory implements Lines {
  private known: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changeListeners: Array<() => void> = [];

  constructor(
    private readonly api: Pick<SendblueClient, 'listLines'>,
    private readonly log: Log,
  ) {}

  numbers(): string[] | undefined {
    return this.known;
  }

  /** False only when the list is known and lacks `number`. */
  mayHave(number: string): boolean {
    return this.known === undefined || this.known.includes(number);
  }

  /** Told when the list becomes known or changes (the initial sync reads the new lines). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  async refresh(): Promise<void> {
    try {
      const lines = await this.api.listLines({ signal: AbortSignal.timeout(15_000) });
      const numbers = [...new Set(lines.map((line) => line.number))].sort();
      const before = this.known?.join(',');
      this.known = numbers.length > 0 ? numbers : undefined;
      if (this.known !== undefined && this.known.join(',') !== before) {
        for (const listener of this.changeListeners) listener();
      }
    } catch (error) {
      // Keep the last good list: a passing outage should not reopen every typed number.
      this.log.warn(
        `could not list the account's lines (${error instanceof Error ? error.message : String(error)}); numbers are typed by hand`,
      );
    }
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
