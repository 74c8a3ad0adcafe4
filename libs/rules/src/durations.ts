import { parseInterval } from '@logwarden/query';

const UNITS: [string, number][] = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * Milliseconds of a rule duration (`30s`, `5m`, `1h`, `7d`), or undefined when it is
 * not one. A bare number is rejected rather than guessed to be seconds or milliseconds.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return parseInterval(value);
  } catch {
    return undefined;
  }
}

/** The largest whole unit that writes `ms` exactly: 300000 → `5m`, 90000 → `90s`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
