// The store's assignments: who owns which number.
// Its SQLite and PostgreSQL halves are beside it; both pass test/store-contract-assignments.test.ts.
/** One owner of a number. */
export interface Assignment {
  number: string;
  userId: string;
  assignedBy: string;
  assignedAt: Date;
}

export interface AssignmentStore {
  /** False when the number was already assigned to that user. */
  assign(number: string, userId: string, assignedBy: string): Promise<boolean>;
  /** Removes one owner, or every owner when userId is omitted; resolves to the user ids removed. */
  unassign(number: string, userId?: string): Promise<string[]>;
  ownersOf(number: string): Promise<string[]>;
  numbersOf(userId: string): Promise<string[]>;
  assignments(): Promise<Assignment[]>;
  hasAssignments(): Promise<boolean>;
}
