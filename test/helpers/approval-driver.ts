import { ids } from '../../src/slack/views/ids.js';
import { encodeMetadata } from '../../src/slack/views/metadata.js';
import { buttonClick, formValues, modalOf, viewSubmission } from './payloads.js';
import type { TestApp } from './test-app.js';

// Drives each kind of change through the real app as a person would: the editor, the Delete
// button, the bulk form, a CSV import (file → preview → Apply) and a history Restore.

export type Kind = 'set' | 'delete' | 'bulk' | 'import' | 'restore';
export const kinds: readonly Kind[] = ['set', 'delete', 'bulk', 'import', 'restore'];

export const card = {
  firstName: 'Jane',
  lastName: 'Smith',
  photoUrl: 'https://example.com/jane.jpg',
  displayName: 'Jane at Acme',
};

let sequence = 0;
const next = () => `${Date.now()}${++sequence}`;

/** A view_submission of one of the app's modals (`callback`), as `user`. */
export function viewSubmit(
  app: TestApp,
  user: string,
  callback: string,
  privateMetadata: string,
  values: unknown,
) {
  return app.interact({
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: user, username: user, name: user, team_id: 'T0TEST' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${next()}`,
    view: {
      id: `V${next()}`,
      hash: `h${next()}`,
      type: 'modal',
      callback_id: callback,
      private_metadata: privateMetadata,
      state: { values },
    },
  });
}

export async function submitCard(
  app: TestApp,
  user: string,
  number: string,
  typed = card,
  view = `V${next()}`,
) {
  const metadata = encodeMetadata({
    number,
    channel: 'C0CHANNEL',
    responseUrl: app.slack.responseUrl(`set-${view}`),
  });
  await app.interact(viewSubmission({ id: view, private_metadata: metadata }, formValues(typed), user));
  await app.settle();
}

async function clickDelete(app: TestApp, user: string, number: string) {
  await app.interact(
    buttonClick(ids.actions.delete, number, { responseUrl: app.slack.responseUrl(`del-${next()}`), user }),
  );
  await app.settle();
}

async function submitBulk(app: TestApp, user: string, number: string) {
  const input = (value: string | null) => ({ type: 'plain_text_input', value });
  await viewSubmit(app, user, ids.bulkModal, encodeMetadata({ channel: 'C0CHANNEL' }), {
    [ids.bulk.numbersBlock]: {
      [ids.bulk.numbers]: { type: 'multi_static_select', selected_options: [{ value: number }] },
    },
    [ids.bulk.allBlock]: { [ids.bulk.all]: { type: 'checkboxes', selected_options: [] } },
    [ids.blocks.firstName]: { [ids.inputs.firstName]: input(card.firstName) },
    [ids.blocks.lastName]: { [ids.inputs.lastName]: input(card.lastName) },
    [ids.blocks.photoUrl]: { [ids.inputs.photoUrl]: { type: 'url_text_input', value: card.photoUrl } },
    [ids.blocks.displayName]: { [ids.inputs.displayName]: input(null) },
  });
  await app.settle();
}

/** A one-row CSV through the import form; Apply only when the preview offers it (someone with rights). */
async function runImport(app: TestApp, user: string, number: string) {
  const csv = `number,first_name,last_name,photo_url\r\n${number},${card.firstName},${card.lastName},${card.photoUrl}\r\n`;
  const file = app.slack.addFile(`F${next()}`, Buffer.from(csv), 'cards.csv', 'text/csv');
  const updates = app.slack.callsTo('views.update').length;
  await viewSubmit(app, user, ids.importModal, encodeMetadata({ channel: 'C0CHANNEL' }), {
    [ids.importFile.block]: { [ids.importFile.input]: { type: 'file_input', files: [file] } },
  });
  await app.settle();
  const preview = app.slack.callsTo('views.update').slice(updates).at(-1)?.args.view as
    | { private_metadata: string; submit?: unknown }
    | undefined;
  if (preview?.submit === undefined) return;
  await viewSubmit(app, user, ids.importPreview, preview.private_metadata, {});
  await app.settle();
}

/** History's Restore on an earlier card (recorded here), then the filled-in editor submitted. */
async function restore(app: TestApp, user: string, number: string) {
  const { store } = app.services;
  const earlier = await store.beginChange({
    action: 'set',
    number,
    actorId: 'U0SOMEONE',
    after: { ...card, displayName: null },
  });
  await store.completeChange(earlier.id, { outcome: 'ok' });
  const opens = app.slack.callsTo('views.open').length;
  await app.interact(
    buttonClick(ids.actions.restore, JSON.stringify({ number, change: earlier.id }), {
      responseUrl: app.slack.responseUrl(`restore-${next()}`),
      user,
    }),
  );
  await app.settle();
  const opened = app.slack.callsTo('views.open').slice(opens)[0];
  if (opened === undefined) return;
  const modal = modalOf(opened);
  await app.interact(
    viewSubmission(
      { id: `V${next()}`, private_metadata: modal.private_metadata },
      formValues({ ...card, displayName: null }),
      user,
    ),
  );
  await app.settle();
}

export function change(app: TestApp, kind: Kind, user: string, number: string): Promise<void> {
  switch (kind) {
    case 'set':
      return submitCard(app, user, number);
    case 'delete':
      return clickDelete(app, user, number);
    case 'bulk':
      return submitBulk(app, user, number);
    case 'import':
      return runImport(app, user, number);
    case 'restore':
      return restore(app, user, number);
  }
}

/** A click on Approve in a request message (or the pending list) as `user`. */
export async function clickApprove(app: TestApp, user: string, approvalId: number, channel = 'C0APPROVALS') {
  const reply = `approve-${next()}`;
  await app.interact(
    buttonClick(ids.actions.approve, String(approvalId), {
      responseUrl: app.slack.responseUrl(reply),
      user,
      channel,
    }),
  );
  await app.settle();
  return JSON.stringify(app.slack.responsePosts.filter((post) => post.path === `/response/${reply}`));
}

/** The approval request messages posted so far (their blocks carry Approve with the request id). */
export function requestPosts(app: TestApp, approvalId: number) {
  return app.slack
    .callsTo('chat.postMessage')
    .filter((call) =>
      JSON.stringify(call.args.blocks ?? []).includes(
        `"action_id":"${ids.actions.approve}","value":"${approvalId}"`,
      ),
    );
}

/** Everything the app said privately or posted, as one string, since `from` calls. */
export function saidSince(app: TestApp, from: number): string {
  return JSON.stringify([
    ...app.slack.calls.slice(from).map((call) => call.args),
    ...app.slack.responsePosts,
  ]);
}
