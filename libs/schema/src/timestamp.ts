import { Doc, own } from './fields';

/** Fields an event time is read from, in order of preference. */
export const TIMESTAMP_FIELDS = ['@timestamp', 'timestamp', 'time', 'ts', 'date', 'datetime'];

const DAY_MS = 86_400_000;
const MIN_YEAR = 1970;
/** 9999-12-31T23:59:59.999Z, the last instant an ISO-8601 year of four digits can write. */
const MAX_MS = 253_402_300_799_999;
/**
 * Numbers below this (2001-09-09 read as seconds) are durations, counters or
 * `0` placeholders far more often than event times.
 */
const MIN_EPOCH = 1e9;

const MONTHS = new Map([
  ['jan', 0],
  ['feb', 1],
  ['mar', 2],
  ['apr', 3],
  ['may', 4],
  ['jun', 5],
  ['jul', 6],
  ['aug', 7],
  ['sep', 8],
  ['oct', 9],
  ['nov', 10],
  ['dec', 11],
]);

/** The time of day is required: a bare date (`"date":"2024-05-01"`) is a business date, not an event time. */
const ISO =
  /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)? ?(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;
const CLF =
  /^(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/;
const SYSLOG = /^([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
const NUMERIC = /^\d+(?:\.\d+)?$/;

/**
 * Events of one batch mostly share their second; `Date#toISOString` costs
 * more than the rest of a timestamp's handling, so the `YYYY-MM-DDTHH:MM:SS.`
 * prefix of the last second formatted is reused.
 */
let cachedSecond = NaN;
let cachedPrefix = '';

/** ISO-8601 UTC with milliseconds, the one format every event carries. */
export function formatTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * Reads an event time as epoch milliseconds, or `undefined` when the value is
 * not a plausible time (year before 1970 or after 9999, NaN, junk).
 *
 * Accepts ISO-8601 / RFC 3339 date-times with any fraction (zoneless means UTC), epoch
 * seconds / ms / µs / ns as numbers or numeric strings (unit chosen by
 * magnitude), Common Log Format (`10/Oct/2000:13:55:36 -0700`) and syslog
 * `Oct 11 22:14:15` (UTC; the year is the one that puts it no more than a day
 * after `referenceMs`).
 */
export function parseTimestamp(value: unknown, referenceMs: number): number | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value.length < 6) return undefined;
  const first = value.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    const fifth = value.charCodeAt(4);
    if (fifth === 45 || fifth === 47) {
      return isCanonical(value) ? fromCanonical(value) : fromIso(value);
    }
    if (value.charCodeAt(1) === 47 || value.charCodeAt(2) === 47) return fromClf(value);
    return NUMERIC.test(value) ? fromEpoch(Number(value)) : undefined;
  }
  return fromSyslog(value, referenceMs);
}

/**
 * The time `value` holds (see parseTimestamp) in the one format every event
 * carries, or undefined when it holds none. A value already in that format is
 * returned as it is: most events arrive so, and formatting would copy it.
 */
export function eventTime(value: unknown, referenceMs: number): string | undefined {
  if (typeof value === 'string' && isCanonical(value)) {
    const ms = fromCanonical(value);
    if (ms === undefined) return undefined;
    // A leap second (`:60`) reads as the next minute, so only its text changes.
    return value.charCodeAt(17) === 54 ? formatTimestamp(ms) : value;
  }
  const ms = parseTimestamp(value, referenceMs);
  return ms === undefined ? undefined : formatTimestamp(ms);
}

/**
 * Removes and returns the first field of `obj` that holds a valid event time;
 * fields holding something unparseable stay where they are.
 */
export function takeTimestamp(obj: Doc, referenceMs: number): number | undefined {
  for (const field of TIMESTAMP_FIELDS) {
    const value = own(obj, field);
    if (value === undefined) continue;
    const ms = parseTimestamp(value, referenceMs);
    if (ms !== undefined) {
      delete obj[field];
      return ms;
    }
  }
  return undefined;
}

export function hasTimestampField(obj: Doc): boolean {
  for (const field of TIMESTAMP_FIELDS) if (own(obj, field) !== undefined) return true;
  return false;
}

function fromEpoch(n: number): number | undefined {
  if (!Number.isFinite(n) || n < MIN_EPOCH) return undefined;
  // The epsilon absorbs binary float error (1714557600.123 * 1000 = ...122.9999).
  const ms = n < 1e11 ? n * 1000 + 1e-3 : n < 1e14 ? n : n < 1e17 ? n / 1e3 : n / 1e6;
  return inRange(Math.floor(ms));
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`, as `formatTimestamp` writes it; only the separators are checked here. */
function isCanonical(value: string): boolean {
  return (
    value.length === 24 &&
    value.charCodeAt(4) === 45 &&
    value.charCodeAt(7) === 45 &&
    value.charCodeAt(10) === 84 &&
    value.charCodeAt(13) === 58 &&
    value.charCodeAt(16) === 58 &&
    value.charCodeAt(19) === 46 &&
    value.charCodeAt(23) === 90
  );
}

/**
 * Reads the canonical form from its character codes: the general ISO
 * expression and its capture strings cost more than the rest of an event's
 * time handling, and nearly every event is stamped this way.
 */
function fromCanonical(value: string): number | undefined {
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  const hour = digitsAt(value, 11, 13);
  const minute = digitsAt(value, 14, 16);
  const second = digitsAt(value, 17, 19);
  const millis = digitsAt(value, 20, 23);
  // digitsAt gives -1 for a non-digit, and only a negative operand makes the union negative.
  if ((year | month | day | hour | minute | second | millis) < 0) return undefined;
  const ms = utcTime(year, month - 1, day, hour, minute, second, millis);
  return ms === undefined ? undefined : inRange(ms);
}

function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

function fromIso(value: string): number | undefined {
  const m = ISO.exec(value);
  if (m === null) return undefined;
  const ms = utc(+m[1], +m[2] - 1, +m[3], m[4], m[5], m[6], m[7]);
  return ms === undefined ? undefined : inRange(ms - offsetMs(m[8]));
}

function fromClf(value: string): number | undefined {
  const m = CLF.exec(value);
  if (m === null) return undefined;
  const month = MONTHS.get(m[2].toLowerCase());
  if (month === undefined) return undefined;
  const ms = utc(+m[3], month, +m[1], m[4], m[5], m[6], m[7]);
  return ms === undefined ? undefined : inRange(ms - offsetMs(m[8]));
}

function fromSyslog(value: string, referenceMs: number): number | undefined {
  const m = SYSLOG.exec(value);
  if (m === null) return undefined;
  const month = MONTHS.get(m[1].toLowerCase());
  if (month === undefined) return undefined;
  return withoutYear(month, +m[2], m[3], m[4], m[5], m[6], referenceMs);
}

/**
 * A time stamped without a year (syslog, klog) in UTC: the current year of
 * `referenceMs`, or the year before when that would be more than a day ahead.
 */
export function withoutYear(
  month: number,
  day: number,
  hour: string,
  minute: string,
  second: string,
  fraction: string | undefined,
  referenceMs: number,
): number | undefined {
  const year = new Date(referenceMs).getUTCFullYear();
  const ms = utc(year, month, day, hour, minute, second, fraction);
  if (ms !== undefined && ms <= referenceMs + DAY_MS) return ms;
  return utc(year - 1, month, day, hour, minute, second, fraction);
}

function utc(
  year: number,
  month: number,
  day: number,
  hour = '0',
  minute = '0',
  second = '0',
  fraction = '',
): number | undefined {
  const millis =
    fraction === '' ? 0 : +(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0'));
  return utcTime(year, month, day, +hour, +minute, +second, millis);
}

function utcTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number | undefined {
  if (year < MIN_YEAR || month < 0 || month > 11 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(year, month, day, hour, minute, second, millis);
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.length < 3) return 0;
  const sign = zone.charCodeAt(0) === 45 ? -1 : zone.charCodeAt(0) === 43 ? 1 : 0;
  if (sign === 0) return 0;
  const digits =
    zone.length > 3 && zone.charCodeAt(3) === 58 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
  const minutes = +digits.slice(0, 2) * 60 + (digits.length >= 4 ? +digits.slice(2, 4) : 0);
  return sign * minutes * 60_000;
}

function inRange(ms: number): number | undefined {
  return ms >= 0 && ms <= MAX_MS ? ms : undefined;
}
