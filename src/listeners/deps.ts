import type { Deps } from '../deps.js';

/** Runs work after the ack, tracked for graceful shutdown and never left as an unhandled rejection. */
export function afterAck(deps: Deps, what: string, work: () => Promise<unknown>): void {
  deps.operations.track(
    work().catch((error: unknown) => {
      deps.log.error(
        `${what} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      );
    }),
  );
}
