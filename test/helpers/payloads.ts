import { ids } from '../../src/slack/views/ids.js';
import { workflowToken } from '../fakes/fake-slack.js';

/** The number and card most tests use: one of the fake Sendblue's lines and a complete card. */
export const sampleNumber = '+14155551234';
export const sampleCard = {
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/team/jane.jpg',
  displayName: 'Jane at Acme',
};

export interface TypedCard {
  number?: string;
  firstName?: string | null;
  lastName?: string | null;
  photoUrl?: string | null;
  displayName?: string | null;
}

/** `view.state.values` as Slack sends it for the card modal; untouched optional inputs are null. */
export function formValues(card: TypedCard) {
  const entry = (action: string, type: string, value: string | null | undefined) => ({
    [action]: { type, value: value ?? null },
  });
  return {
    ...(card.number !== undefined
      ? { [ids.blocks.number]: entry(ids.inputs.number, 'plain_text_input', card.number) }
      : {}),
    [ids.blocks.firstName]: entry(ids.inputs.firstName, 'plain_text_input', card.firstName),
    [ids.blocks.lastName]: entry(ids.inputs.lastName, 'plain_text_input', card.lastName),
    [ids.blocks.photoUrl]: entry(ids.inputs.photoUrl, 'url_text_input', card.photoUrl),
    [ids.blocks.displayName]: entry(ids.inputs.displayName, 'plain_text_input', card.displayName),
  };
}

const base = (user: string) => ({
  team: { id: 'T0TEST', domain: 'test' },
  user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0TEST' },
  api_app_id: 'A0APP',
  token: 'legacy-verification-token',
  trigger_id: `trigger-${Date.now()}`,
});

/** A view_submission for a modal the app opened (as the fake Slack recorded it). */
export function viewSubmission(
  view: { id: string; private_metadata?: unknown; callback_id?: string },
  values: Record<string, unknown>,
  user = 'U0ALICE',
) {
  return {
    type: 'view_submission',
    ...base(user),
    view: {
      id: view.id,
      type: 'modal',
      callback_id: view.callback_id ?? ids.cardModal,
      private_metadata: view.private_metadata ?? '',
      hash: `hash-${view.id}`,
      state: { values },
      team_id: 'T0TEST',
      app_id: 'A0APP',
      bot_id: 'BBOT',
    },
    response_urls: [],
  };
}

/** A button click in a message (block_actions) with its response_url. */
export function buttonClick(
  actionId: string,
  value: string,
  where: { channel?: string; responseUrl: string; user?: string },
) {
  return {
    type: 'block_actions',
    ...base(where.user ?? 'U0ALICE'),
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: where.channel ?? 'C0CHANNEL' },
    channel: { id: where.channel ?? 'C0CHANNEL', name: 'support' },
    response_url: where.responseUrl,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1700000000.1' }],
  };
}

/** The modal a views.open/views.update call put up, as a later submission refers to it. */
export function modalOf(call: { args: Record<string, unknown> } | undefined): {
  id: string;
  private_metadata: string;
} {
  const view = call?.args.view as { private_metadata?: string } | undefined;
  if (call === undefined || view === undefined) throw new Error('no modal was opened or updated');
  return { id: String(call.args.view_id ?? 'V1'), private_metadata: view.private_metadata ?? '' };
}

let executions = 0;

/**
 * A function_executed event (a Workflow Builder step of the app), as Slack's Events API delivers it
 * (the shape of Slack's function_executed reference and Bolt's own tests): the step's inputs and
 * the execution's id and token.
 */
export function functionExecuted(
  callbackId: string,
  inputs: unknown,
  executionId = `Fx${Date.now()}${++executions}`,
) {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    event: {
      type: 'function_executed',
      function: {
        id: `Fn${callbackId.length}APP`,
        callback_id: callbackId,
        title: callbackId,
        description: '',
        type: 'app',
        input_parameters: [],
        output_parameters: [],
        app_id: 'A0APP',
        date_created: now - 86_400,
        date_updated: now - 3_600,
        date_deleted: 0,
      },
      inputs,
      function_execution_id: executionId,
      workflow_execution_id: `Wx${executionId}`,
      event_ts: `${now}.000100`,
      bot_access_token: workflowToken(executionId),
    },
    type: 'event_callback',
    event_id: `Ev${executionId}`,
    event_time: now,
    authorizations: [
      { enterprise_id: null, team_id: 'T0TEST', user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

/** The user_context Slack sets for the person running a workflow. */
export const runBy = (id: string) => ({ id, secret: `secret-of-${id}` });

/** An app_home_opened event (Events API, JSON) for the Home tab of `user`. */
export function appHomeOpened(user: string) {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${user}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1700000000.1' },
  };
}
