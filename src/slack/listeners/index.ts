import type { Deps } from '../../use-cases/flows/ports.js';
import * as approvalButtons from './actions/approval-buttons.js';
import * as bulkButtons from './actions/bulk-buttons.js';
import * as cardButtons from './actions/card-buttons.js';
import * as homeActions from './actions/home.js';
import * as photoUrl from './actions/photo-url.js';
import * as profilePick from './actions/profile-pick.js';
import * as contactcardCommand from './commands/contactcard.js';
import * as appHome from './events/app-home.js';
import * as workflowSteps from './functions/workflow-steps.js';
import type { ListenerTable } from './table.js';
import * as bulkSubmission from './views/bulk-submission.js';
import * as cardSubmission from './views/card-submission.js';
import * as importSubmission from './views/import-submission.js';
import * as rejectSubmission from './views/reject-submission.js';

/** Every listener into the table, which then serves them: the table is all the app handles. */
export function registerListeners(app: ListenerTable, deps: Deps): void {
  contactcardCommand.register(app, deps);
  cardSubmission.register(app, deps);
  cardButtons.register(app, deps);
  photoUrl.register(app, deps);
  profilePick.register(app, deps);
  homeActions.register(app, deps);
  appHome.register(app, deps);
  bulkSubmission.register(app, deps);
  bulkButtons.register(app, deps);
  importSubmission.register(app, deps);
  approvalButtons.register(app, deps);
  rejectSubmission.register(app, deps);
  workflowSteps.register(app, deps);
  app.install();
}
