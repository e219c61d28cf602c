const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration like 30s, 15m, 1h or 7d in milliseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd])$/i.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * units[(match[2] ?? 's').toLowerCase() as keyof typeof units];
}

/** `off`, or a duration like 30s, 15m, 1h (at least 10 s): undefined when off, else milliseconds. */
export function parseInterval(value: string): number | undefined | 'invalid' {
  if (value.trim().toLowerCase() === 'off') return undefined;
  const ms = /d$/i.test(value.trim()) ? undefined : parseDuration(value);
  return ms !== undefined && ms >= 10_000 ? ms : 'invalid';
}
