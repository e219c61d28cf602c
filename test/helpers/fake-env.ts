/** The environment that points the app's Sendblue client at a (fake) Sendblue. */
export function sendblueEnv(sendblue: { keyId: string; secret: string; url: string }) {
  return {
    SENDBLUE_API_KEY_ID: sendblue.keyId,
    SENDBLUE_API_SECRET_KEY: sendblue.secret,
    SENDBLUE_BASE_URL: sendblue.url,
  };
}

/** The environment that points the app at a fake Slack (signed with `signingSecret`) and a fake Sendblue. */
export function fakeEnv(
  slack: { botToken: string; url: string },
  sendblue: { keyId: string; secret: string; url: string },
  signingSecret: string,
) {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.url,
    ...sendblueEnv(sendblue),
  };
}
