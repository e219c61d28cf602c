/** Every callback, block and action id the app uses, in one place so listeners and views agree. */
export const ids = {
  command: '/contactcard',
  cardModal: 'contactcard_card',
  bulkModal: 'contactcard_bulk',
  importModal: 'contactcard_import',
  importPreview: 'contactcard_import_preview',
  rejectModal: 'contactcard_reject',
  rejectReason: { block: 'reject_reason', input: 'reason' },
  importFile: { block: 'import_file', input: 'file' },
  bulk: {
    numbersBlock: 'bulk_numbers',
    numbers: 'numbers',
    pasteBlock: 'bulk_paste',
    paste: 'paste',
    allBlock: 'bulk_all',
    all: 'all',
    statusBlock: 'bulk_status',
    status: 'status',
  },
  blocks: {
    number: 'card_number',
    firstName: 'card_first_name',
    lastName: 'card_last_name',
    photoUrl: 'card_photo_url',
    displayName: 'card_display_name',
  },
  /** The optional upload beside the photo link (only with hosting, CONTACTCARD_PUBLIC_URL). */
  upload: { block: 'card_photo_file', input: 'photo_file' },
  /** The "Fill from a Slack profile" section, and the note a refill leaves under it. */
  profilePicker: 'card_profile_picker',
  refillNotice: 'card_refill_notice',
  /** Blocks the app inserts under the photo input: never inputs, so they carry no typed state. */
  photoFeedback: 'card_photo_feedback',
  inputs: {
    number: 'number',
    firstName: 'first_name',
    lastName: 'last_name',
    photoUrl: 'photo_url',
    displayName: 'display_name',
  },
  actions: {
    edit: 'contactcard_edit',
    delete: 'contactcard_delete',
    tryAgain: 'contactcard_try_again',
    /**
     * Home tab: a number's history, a page of the fleet, the status filter. Previous and Next share
     * an actions block, and Slack refuses a block with two equal action ids: one id a direction.
     */
    history: 'contactcard_history',
    homePrevious: 'contactcard_home_previous',
    homeNext: 'contactcard_home_next',
    homeFilter: 'contactcard_home_filter',
    /** A bulk job's progress message. */
    bulkOpen: 'contactcard_bulk_open',
    importOpen: 'contactcard_import_open',
    exportNow: 'contactcard_export',
    bulkCancel: 'contactcard_bulk_cancel',
    bulkRetry: 'contactcard_bulk_retry',
    /** A drift alert: put our last known card back, or adopt Sendblue's. */
    driftRestore: 'contactcard_drift_restore',
    driftAccept: 'contactcard_drift_accept',
    /** A history entry's card back into the editor. */
    restore: 'contactcard_restore',
    /** The editor's "Fill from a Slack profile" user picker. */
    fillFromProfile: 'contactcard_fill_profile',
    /** A request for approval (CONTACTCARD_APPROVAL). */
    approve: 'contactcard_approve',
    reject: 'contactcard_reject_open',
  },
  /** Workflow Builder steps: the callback ids of manifest.yml's `functions`. */
  functions: { setCard: 'set_contact_card', readCard: 'read_contact_card' },
} as const;

export type InputField = keyof typeof ids.blocks;

/**
 * The block id of an input the app may fill in again while the modal is open (from a Slack
 * profile): Slack keeps what was typed in a block it already knows, so a refill needs new ids.
 */
export function refillable(base: string, revision: number | undefined): string {
  return revision ? `${base}_r${revision}` : base;
}
