/** `off`, or a duration like 30s, 15m, 1h (at least 10 s): undefined when off, else milliseconds. */
export function parseInterval(value: string): number | undefined | 'invalid' {
  if (value.trim().toLowerCase() === 'off') return undefined;
  const match = /^(\d+)\s*(s|m|h)$/i.exec(value.trim());
  if (!match) return 'invalid';
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
  const ms = Number(match[1]) * unit;
  return ms >= 10_000 ? ms : 'invalid';
}
