import type { HomeView, KnownBlock } from '@slack/types';
import type { ObservationSource } from '../../adapters/store/types.js';
import { type CardStatus, type PicturedNumber, statuses } from '../../domain/card/picture.js';
import { formatPhone } from '../../domain/phone.js';
import { actions, button, context, deleteButton, editButton, section } from './blocks.js';
import { ids } from './ids.js';
import { capitalised, escapeMrkdwn, limits, plain, slackDate } from './text.js';

export interface HomeNumber extends PicturedNumber {
  owners: readonly string[];
}

// Three blocks a number (card, buttons, divider) plus a header of at most six and the pager: within 100.
export const numbersPerPage = 25;

const statusIcon: Record<CardStatus, string> = {
  'not read yet': ':hourglass:',
  live: ':large_green_circle:',
  'changed outside contactcard': ':warning:',
  submitted: ':white_check_mark:',
  failed: ':x:',
  'in progress': ':hourglass_flowing_sand:',
  'outcome unknown': ':grey_question:',
  'no card': ':white_circle:',
};

const sourceWords: Record<ObservationSource, string> = {
  editor: 'when the editor opened',
  show: 'by show',
  list: 'by list',
  live: 'by the live check',
  drift: 'by the drift check',
  sync: 'by the sync',
};

function numberBlocks(entry: HomeNumber, showOwners: boolean): KnownBlock[] {
  const { card, latest, seen } = entry;
  const names = card ? [card.firstName, card.lastName].filter(Boolean).join(' ') : '';
  const lines = [
    `*${formatPhone(entry.number)}*  ${statusIcon[entry.status]} ${entry.status}`,
    card
      ? `${escapeMrkdwn(names || 'no name')}${card.displayName ? ` · “${escapeMrkdwn(card.displayName)}”` : ''}`
      : card === null
        ? '_no contact card_'
        : '_not read from Sendblue yet_',
  ];
  if (seen) lines.push(`Seen at Sendblue ${slackDate(seen.at)} (${sourceWords[seen.source]})`);
  if (latest)
    lines.push(`Last change: ${latest.action} by <@${latest.actorId}> ${slackDate(latest.startedAt)}`);
  if (showOwners) {
    lines.push(
      `Owners: ${entry.owners.length > 0 ? entry.owners.map((user) => `<@${user}>`).join(', ') : 'nobody yet'}`,
    );
  }
  const photo = card?.photoUrl
    ? ({
        type: 'image',
        image_url: card.photoUrl,
        alt_text: `Photo of ${names || formatPhone(entry.number)}`.slice(0, limits.altText),
      } as const)
    : undefined;
  return [
    section(lines.join('\n'), photo),
    actions(
      editButton(entry.number),
      button('History', ids.actions.history, entry.number),
      deleteButton(entry.number),
    ),
    { type: 'divider' },
  ];
}

/** Which numbers a page is: how many there are of each status, and where this page starts. */
export function homePaging(
  counts: Partial<Record<CardStatus, number>>,
  filter: CardStatus | 'all',
  page: number,
) {
  const total = statuses.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  const shown = filter === 'all' ? total : (counts[filter] ?? 0);
  const pages = Math.max(1, Math.ceil(shown / numbersPerPage));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { total, pages, page: current, offset: current * numbersPerPage, limit: numbersPerPage };
}

/** The Home tab: counts, a filter by status, one page of numbers, Previous/Next. Never over 100 blocks. */
export function homeView(options: {
  /** This page's numbers only. */
  numbers: readonly HomeNumber[];
  counts: Partial<Record<CardStatus, number>>;
  page: number;
  filter: CardStatus | 'all';
  showOwners: boolean;
  openMode: boolean;
}): HomeView {
  const { total, pages, page } = homePaging(options.counts, options.filter, options.page);
  const counts = statuses
    .map((status) => [status, options.counts[status] ?? 0] as const)
    .filter(([, count]) => count > 0);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('Your Sendblue numbers', 150) },
    section(
      total === 0
        ? 'You manage no number yet. An admin can assign you one: `/contactcard assign <number> @you`.'
        : `*${total}* number${total === 1 ? '' : 's'}: ${counts.map(([status, count]) => `${count} ${status}`).join(' · ')}`,
      {
        type: 'static_select',
        action_id: ids.actions.homeFilter,
        placeholder: plain('Filter by status', 75),
        options: [
          { text: plain('All numbers', 75), value: 'all' },
          ...statuses.map((status) => ({
            text: plain(capitalised(status), 75),
            value: status,
          })),
        ],
        ...(options.filter === 'all'
          ? {}
          : {
              initial_option: {
                text: plain(capitalised(options.filter), 75),
                value: options.filter,
              },
            }),
      },
    ),
  ];
  if (options.showOwners && total > 0) {
    blocks.push(
      actions(
        button('Bulk change', ids.actions.bulkOpen, 'home'),
        button('Import', ids.actions.importOpen, 'home'),
        button('Export', ids.actions.exportNow, 'home'),
      ),
    );
  }
  if (options.openMode) {
    blocks.push(
      context(
        ':unlock: *Open mode*: no admin is configured, so everyone may change every number. Set CONTACTCARD_ADMINS to restrict it.',
      ),
    );
  }
  blocks.push({ type: 'divider' });
  for (const entry of options.numbers.slice(0, numbersPerPage)) {
    blocks.push(...numberBlocks(entry, options.showOwners));
  }
  if (options.numbers.length === 0 && total > 0) blocks.push(section(`No number is ${options.filter}.`));
  if (pages > 1) {
    const pager = [
      ...(page > 0 ? [button('Previous', ids.actions.homePrevious, String(page - 1))] : []),
      ...(page < pages - 1 ? [button('Next', ids.actions.homeNext, String(page + 1))] : []),
    ];
    blocks.push(context(`Page ${page + 1} of ${pages}`), actions(...pager));
  }
  return { type: 'home', blocks };
}
