import type { SendblueConfig } from '../../runtime/config.js';
import type { Log } from '../../runtime/logger.js';
import { SendblueClient, type SendblueClientOptions } from './client.js';
import { type SimulatorOptions, startSendblueSimulator } from './simulator.js';

export interface SendblueConnection {
  client: SendblueClient;
  /** True when the client talks to the built-in simulator: nothing real changes. */
  sandbox: boolean;
  close(): Promise<void>;
}

/**
 * The live API when credentials are configured; otherwise the simulator on loopback, reached
 * through the very same client code path.
 */
export async function connectSendblue(
  config: SendblueConfig,
  log: Log,
  tuning: { client?: Partial<SendblueClientOptions>; simulator?: SimulatorOptions } = {},
): Promise<SendblueConnection> {
  if (config.mode === 'live') {
    const client = new SendblueClient({ ...config, log, ...tuning.client });
    return { client, sandbox: false, close: () => client.close() };
  }
  const simulator = await startSendblueSimulator(tuning.simulator);
  const client = new SendblueClient({
    baseUrl: simulator.url,
    apiKeyId: simulator.credentials.keyId,
    apiSecretKey: simulator.credentials.secret,
    log,
    ...tuning.client,
  });
  return {
    client,
    sandbox: true,
    close: async () => {
      await client.close();
      await simulator.close();
    },
  };
}
