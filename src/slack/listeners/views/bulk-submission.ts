import type { ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { statuses } from '../../../domain/card/picture.js';
import { appNumberSchema, profileInputSchema } from '../../../domain/card/rules.js';
import { formatPhone, parsePastedNumbers } from '../../../domain/phone.js';
import { manageable } from '../../../use-cases/flows/numbers.js';
import type { Deps } from '../../../use-cases/flows/ports.js';
import type { ViewStateValues } from '../../../use-cases/flows/submission.js';
import { bulkNumberErrors } from '../../views/bulk.js';
import { noticeView } from '../../views/card-modal.js';
import { ids } from '../../views/ids.js';
import { decodeMetadata } from '../../views/metadata.js';
import { afterAck, jobStartResponse } from '../deps.js';
import type { ListenerTable } from '../table.js';

const cardFields = {
  firstName: [ids.blocks.firstName, ids.inputs.firstName],
  lastName: [ids.blocks.lastName, ids.inputs.lastName],
  photoUrl: [ids.blocks.photoUrl, ids.inputs.photoUrl],
  displayName: [ids.blocks.displayName, ids.inputs.displayName],
} as const;

type State = Record<
  string,
  | {
      value?: unknown;
      selected_options?: Array<{ value?: unknown }> | null;
      selected_option?: { value?: unknown } | null;
    }
  | undefined
>;

const statusSchema = z.enum(statuses);

type Chosen = { numbers: string[] } | { block: string; error: string };

/**
 * Which numbers the form chose: all the person may manage (of one status, when one is chosen), or
 * the ones picked or pasted, each of which must be theirs.
 */
async function chosenNumbers(
  deps: Deps,
  raw: Record<string, State | undefined>,
  mine: readonly string[],
): Promise<Chosen> {
  const all =
    raw[ids.bulk.allBlock]?.[ids.bulk.all]?.selected_options?.some((option) => option.value === 'all') ??
    false;
  if (all) {
    const status = statusSchema.safeParse(
      raw[ids.bulk.statusBlock]?.[ids.bulk.status]?.selected_option?.value,
    );
    if (!status.success) return { numbers: [...mine] };
    const records = await deps.store.fleetPage(mine, { status: status.data, offset: 0, limit: mine.length });
    return records.length > 0
      ? { numbers: records.map((record) => record.number) }
      : { block: ids.bulk.statusBlock, error: bulkNumberErrors.noneOfStatus(status.data) };
  }
  const picked = (raw[ids.bulk.numbersBlock]?.[ids.bulk.numbers]?.selected_options ?? [])
    .map((option) => appNumberSchema.safeParse(option.value))
    .flatMap((number) => (number.success ? [number.data] : []));
  const pastedText = raw[ids.bulk.pasteBlock]?.[ids.bulk.paste]?.value;
  const pasted = parsePastedNumbers(
    typeof pastedText === 'string' ? pastedText : '',
    deps.config.defaultRegion,
  );
  if (pasted.unreadable.length > 0)
    return { block: ids.bulk.pasteBlock, error: bulkNumberErrors.unreadable(pasted.unreadable) };
  const yours = new Set(mine);
  const notYours = pasted.numbers.filter((number) => !yours.has(number));
  if (notYours.length > 0) return { block: ids.bulk.pasteBlock, error: bulkNumberErrors.notYours(notYours) };
  const numbers = [...new Set([...picked.filter((number) => yours.has(number)), ...pasted.numbers])];
  return numbers.length > 0 ? { numbers } : { block: ids.bulk.allBlock, error: bulkNumberErrors.none };
}

/**
 * The bulk form: the card is checked with the editor's schema, the numbers are the chosen ones (or
 * all the person may manage); each is checked again by the pipeline when its turn comes.
 */
export async function handleBulkSubmission(
  deps: Deps,
  body: ViewSubmitAction,
  ack: (response?: ViewResponseAction) => Promise<void>,
): Promise<void> {
  const metadata = decodeMetadata(body.view.private_metadata);
  const raw = (body.view.state?.values ?? {}) as ViewStateValues as Record<string, State | undefined>;
  if (metadata === undefined || typeof raw !== 'object') {
    return ack({
      response_action: 'update',
      view: deps.slack.labelledView(
        noticeView(
          { metadata: { channel: body.user.id } },
          ':warning: This form could not be read back. Run `/contactcard bulk` again.',
        ),
      ),
    });
  }
  const text = (field: keyof typeof cardFields) => {
    const [block, action] = cardFields[field];
    const value = raw[block]?.[action]?.value;
    return typeof value === 'string' ? value : undefined;
  };
  const parsed = profileInputSchema.omit({ fromNumber: true }).safeParse({
    firstName: text('firstName') ?? '',
    lastName: text('lastName') ?? '',
    photoUrl: text('photoUrl') ?? '',
    displayName: text('displayName'),
  });
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const block = cardFields[issue.path[0] as keyof typeof cardFields]?.[0] ?? ids.blocks.firstName;
      errors[block] ??= issue.message;
    }
  }
  const mine = await manageable(deps, body.user.id);
  const chosen = await chosenNumbers(deps, raw, mine);
  if ('error' in chosen) errors[chosen.block] = chosen.error;
  const numbers = 'numbers' in chosen ? chosen.numbers : [];
  if (Object.keys(errors).length > 0 || !parsed.success) return ack({ response_action: 'errors', errors });

  const where = metadata.channel.startsWith('U') ? 'a direct message' : `<#${metadata.channel}>`;
  await ack(
    await jobStartResponse(deps, {
      metadata,
      userId: body.user.id,
      count: numbers.length,
      applying: `:arrows_counterclockwise: *Applying the card to ${numbers.length} number${numbers.length === 1 ? '' : 's'}* (${numbers.slice(0, 3).map(formatPhone).join(', ')}${numbers.length > 3 ? ', …' : ''}). Progress is posted in ${where}; you can close this window.`,
    }),
  );
  const card = parsed.data;
  afterAck(deps, 'a bulk change', () =>
    deps.bulk.start({
      actorId: body.user.id,
      audience: { userId: body.user.id, channelId: metadata.channel, responseUrl: metadata.responseUrl },
      numbers,
      card: { ...card, displayName: card.displayName ?? null },
    }),
  );
}

export function register(app: ListenerTable, deps: Deps): void {
  app.view<ViewSubmitAction>(ids.bulkModal, ({ body, ack }) => handleBulkSubmission(deps, body, ack));
}
