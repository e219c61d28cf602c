/**
 * What both baselines share: a Bolt app with the app's receiver (HTTPReceiver on /slack/events and
 * /healthz) at Bolt's defaults, configured from the environment the runner gives the child.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${process.argv[1] ?? 'bench child'}: ${name} is not set`);
  return value;
}

export function boltChild(): App {
  const receiver = new HTTPReceiver({
    signingSecret: env('SLACK_SIGNING_SECRET'),
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
      },
    ],
  });
  return new App({
    receiver,
    token: env('SLACK_BOT_TOKEN'),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: env('SLACK_API_URL') },
  });
}
