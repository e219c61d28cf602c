/**
 * Rounds: the order the targets take their turns in, and what a round of each keeps.
 */
import type { Run } from './load.js';
import { type TargetName, targetNames } from './protocol.js';

export type Name = TargetName;
export const names = targetNames;
export const label: Record<Name, string> = { app: 'app', samejob: 'same job', baseline: 'bare Bolt' };

export const perTarget = <T>(make: (name: Name) => T) =>
  Object.fromEntries(names.map((name) => [name, make(name)])) as Record<Name, T>;

/** "app 1; same job 2; bare Bolt 3", for progress lines. */
export const each = (values: Record<Name, string>) =>
  names.map((name) => `${label[name]} ${values[name]}`).join('; ');

/**
 * ABBA extended to any number of targets: rounds 0..n-1 rotate the list, rounds n..2n-1 rotate it
 * reversed. Over 2n rounds every target runs in every position twice and follows every other target
 * as often as it precedes it, so that a drift of the machine (or a cache warmed by the previous
 * target) hits them all alike. With two targets this is exactly ABBA.
 */
export function orderOf<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  const shift = round % n;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return Math.floor(round / n) % 2 === 0 ? rotated : rotated.reverse();
}

export interface RoundOf {
  runs: Run[];
  /** CPU ms used by the target's process and by the fakes during the target's rounds. */
  cpu: { own: number; fakes: number; requests: number };
}
export type Rounds = Record<Name, RoundOf>;

/** Per target and round: ms from sending each command to views.open, and to the usable form. */
export type Views = { opens: Record<Name, number[][]>; usable: Record<Name, number[][]> };

/** Ack latencies per target and round. */
export const acks = (rounds: Rounds) => perTarget((name) => rounds[name].runs.map((run) => run.latencies));

/** Usable form per target; for the bare Bolt app, whose modal has no inputs, its views.open. */
export const usableOrOpen = (views: Views) => ({ ...views.usable, baseline: views.opens.baseline });

/** CPU ms of the target (or of the fakes while it ran) per request sent in its rounds. */
export const cpuPerRequest = (rounds: Rounds, name: Name, of: 'own' | 'fakes' = 'own') =>
  rounds[name].cpu[of] / rounds[name].cpu.requests;
