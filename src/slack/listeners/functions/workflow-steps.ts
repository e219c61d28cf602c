import type { Deps } from '../../../use-cases/flows/ports.js';
import {
  runReadCardStep,
  runSetCardStep,
  type StepEnd,
  type StepExecution,
} from '../../../use-cases/flows/workflow-steps.js';
import { ids } from '../../views/ids.js';
import { stepTexts } from '../../views/workflow-steps.js';
import { afterAck } from '../deps.js';
import type { ListenerTable } from '../table.js';

const steps: Record<string, (deps: Deps, execution: StepExecution) => Promise<StepEnd>> = {
  [ids.functions.setCard]: runSetCardStep,
  [ids.functions.readCard]: runReadCardStep,
};

/**
 * The Workflow Builder steps. Bolt acknowledges function_executed at once (autoAcknowledge); the step
 * runs after that and ends with complete/fail, which Bolt sends with the execution's own token.
 */
export function register(app: ListenerTable, deps: Deps): void {
  for (const [callbackId, run] of Object.entries(steps)) {
    app.function(callbackId, async ({ event, complete, fail }) => {
      afterAck(deps, `the workflow step ${callbackId}`, async () => {
        let end: StepEnd;
        try {
          end = await run(deps, { id: event.function_execution_id, inputs: event.inputs });
        } catch (error) {
          // A step that is never ended stays "in progress" in the workflow: it must fail instead.
          deps.log.error(
            `the workflow step ${callbackId} broke: ${error instanceof Error ? error.message : String(error)}`,
          );
          end = { end: 'fail', error: stepTexts.stepBroke };
        }
        if (end.end === 'complete') await complete({ outputs: end.outputs });
        else if (end.end === 'fail') await fail({ error: end.error });
        else deps.log.info(`the workflow step ${callbackId} was delivered again; the first delivery ends it`);
      });
    });
  }
}
