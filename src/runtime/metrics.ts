import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Log } from './logger.js';

/**
 * What people who run several replicas want to see, in Prometheus text (prom-client). Every
 * metric is listed in the README; each replica serves its own, labelled by nothing that could be
 * secret or personal (no numbers, no user ids).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly changes = new Counter({
    name: 'contactcard_changes_total',
    help: 'Changes to numbers that went through the change pipeline, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly sendblueDuration = new Histogram({
    name: 'contactcard_sendblue_request_duration_seconds',
    help: 'Duration of each Sendblue request attempt, by method and status (HTTP status or error code).',
    labelNames: ['method', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly waiting = new Gauge({
    name: 'contactcard_changes_waiting',
    help: 'Changes on this instance recorded and waiting for their turn behind an earlier change to the same number.',
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'contactcard_store_errors_total',
    help: 'Store (database) operations that failed, by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly databaseUp = new Gauge({
    name: 'contactcard_database_up',
    help: '1 when the last health check reached the database, 0 when it did not.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'contactcard_' });
  }

  /** `kind` and `outcome`: the pipeline's change kind and result status. */
  countChange(kind: string, outcome: string): void {
    this.changes.inc({ kind, outcome });
  }

  /** Serves GET /metrics on its own port; anything else is a 404. */
  async serve(port: number, host: string, log: Log): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => {
          log.warn(
            `metrics could not be collected: ${error instanceof Error ? error.message : String(error)}`,
          );
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server;
  }
}
