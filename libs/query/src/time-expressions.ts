/** A time or interval the user wrote that cannot be understood. */
export class TimeExpressionError extends Error {
  override readonly name = 'TimeExpressionError';

  constructor(
    readonly value: string,
    kind: keyof typeof EXPECTED,
  ) {
    super(`Invalid ${kind} "${value}": expected ${EXPECTED[kind]}`);
  }
}

const EXPECTED = {
  time: 'ISO-8601 (2024-05-01T12:00:00Z), epoch milliseconds, or date math like now-15m or now-1d/d',
  interval: 'a positive whole number and a unit (ms, s, m, h, d, w), like 30s or 5m, at most 365d',
} as const;

/**
 * Which end of a unit date-math rounding (`now/d`) lands on. Like Elasticsearch, an
 * exclusive lower bound (`gt`) and an inclusive upper bound (`lte`) round up to the last
 * millisecond of the unit, so `[now/d TO now/d]` covers the whole of today.
 */
export type Rounding = 'down' | 'up';

const MAX_EPOCH_MS = 8.64e15;
const FIXED_UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  H: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const EPOCH_MILLIS = /^[0-9]{1,15}$/;
const ISO_DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?)?$/;
const DATE_MATH = /^now((?:[+-][0-9]{1,9}[smhHdwMy])*)(?:\/([smhHdwMy]))?$/;
const DATE_MATH_STEP = /([+-])([0-9]+)([smhHdwMy])/g;

/**
 * Epoch milliseconds for an ISO-8601 date or date-time (UTC unless it carries an
 * offset), epoch milliseconds written as digits, or Elasticsearch-style date math:
 * `now`, `now-15m`, `now+1h`, `now-7d/d` (units s m h d w M y; `/unit` rounds).
 */
export function parseTime(value: string, now = Date.now(), rounding: Rounding = 'down'): number {
  const text = value.trim();
  const millis = EPOCH_MILLIS.test(text)
    ? Number(text)
    : text.startsWith('now')
      ? dateMath(text, now, rounding)
      : isoMillis(text);
  if (millis === undefined || !(Math.abs(millis) <= MAX_EPOCH_MS)) {
    throw new TimeExpressionError(value, 'time');
  }
  return millis;
}

/**
 * Epoch milliseconds of an event's `@timestamp` as stored (ISO-8601 string or epoch
 * milliseconds), or undefined when it has none. A store's event-time column must hold
 * exactly this value for stored and in-memory comparisons to agree.
 */
export function eventTimeMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? isoMillis(value) : undefined;
}

/** Milliseconds in an interval such as `30s`, `5m`, `1h`, `1d`. */
export function parseInterval(value: string): number {
  const match = /^([0-9]{1,9})(ms|s|m|h|d|w)$/.exec(value.trim());
  const millis = match ? Number(match[1]) * FIXED_UNIT_MS[match[2]] : 0;
  if (millis <= 0 || millis > 365 * FIXED_UNIT_MS.d) {
    throw new TimeExpressionError(value, 'interval');
  }
  return millis;
}

function isoMillis(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const offsetSign = m[9] === '-' ? -1 : 1;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month - 1) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return undefined;
  }
  const local = utc(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return local - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function dateMath(text: string, now: number, rounding: Rounding): number | undefined {
  const m = DATE_MATH.exec(text);
  if (!m) return undefined;
  let time = now;
  for (const [, sign, amount, unit] of m[1].matchAll(DATE_MATH_STEP)) {
    time = addUnits(time, (sign === '-' ? -1 : 1) * Number(amount), unit);
  }
  const roundTo = m[2];
  if (roundTo === undefined) return time;
  const start = startOfUnit(time, roundTo);
  return rounding === 'down' ? start : addUnits(start, 1, roundTo) - 1;
}

function addUnits(time: number, amount: number, unit: string): number {
  if (unit !== 'M' && unit !== 'y') return time + amount * FIXED_UNIT_MS[unit];
  const date = new Date(time);
  const months = date.getUTCMonth() + amount * (unit === 'y' ? 12 : 1);
  const year = date.getUTCFullYear() + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  // Like Elasticsearch, Jan 31 + 1M is the last day of February, not March 3.
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  const sinceMidnight = time - utc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return utc(year, month, day) + sinceMidnight;
}

function startOfUnit(time: number, unit: string): number {
  const date = new Date(time);
  switch (unit) {
    case 'y':
      return utc(date.getUTCFullYear(), 0, 1);
    case 'M':
      return utc(date.getUTCFullYear(), date.getUTCMonth(), 1);
    case 'w': {
      const day = utc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
      // ISO weeks start on Monday; getUTCDay() counts from Sunday.
      return day - ((date.getUTCDay() + 6) % 7) * FIXED_UNIT_MS.d;
    }
    default:
      return time - (((time % FIXED_UNIT_MS[unit]) + FIXED_UNIT_MS[unit]) % FIXED_UNIT_MS[unit]);
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, monthIndex: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return monthIndex === 1 && leap ? 29 : DAYS_IN_MONTH[monthIndex];
}

/** Midnight UTC of a day. Date.UTC would take years 0..99 as 1900..1999. */
function utc(year: number, monthIndex: number, day: number): number {
  return year >= 100
    ? Date.UTC(year, monthIndex, day)
    : new Date(0).setUTCFullYear(year, monthIndex, day);
}
