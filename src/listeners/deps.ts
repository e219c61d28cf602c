import type { webApi } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { NumbersDeps } from '../flows/numbers.js';
import type { InFlight } from '../operations.js';

/** What the Slack listeners share: the flows' dependencies plus the Slack-only pieces. */
export interface ListenerDeps {
  flows: NumbersDeps;
  /** No retries, short timeout: for views.open inside the 3-second trigger window. */
  triggerClient: webApi.WebClient;
  operations: InFlight;
  region: CountryCode;
}

/** Runs work after the ack, tracked for graceful shutdown and never left as an unhandled rejection. */
export function afterAck(deps: ListenerDeps, what: string, work: () => Promise<unknown>): void {
  deps.operations.track(
    work().catch((error: unknown) => {
      deps.flows.log.error(
        `${what} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      );
    }),
  );
}
