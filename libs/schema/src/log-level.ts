import { Doc, isPlainObject, own, readField } from './fields';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Non-ECS keys loggers write their level to, in order of preference. */
export const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'loglevel', 'log_level'];

const NAMES = new Map<string, LogLevel>([
  ['trace', 'trace'],
  ['trc', 'trace'],
  ['verbose', 'trace'],
  ['silly', 'trace'],
  ['finest', 'trace'],
  ['t', 'trace'],
  ['v', 'trace'],
  ['debug', 'debug'],
  ['dbg', 'debug'],
  ['fine', 'debug'],
  ['finer', 'debug'],
  ['d', 'debug'],
  ['info', 'info'],
  ['inf', 'info'],
  ['information', 'info'],
  ['informational', 'info'],
  ['notice', 'info'],
  ['i', 'info'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['wrn', 'warn'],
  ['w', 'warn'],
  ['error', 'error'],
  ['err', 'error'],
  ['eror', 'error'],
  ['severe', 'error'],
  ['e', 'error'],
  ['fatal', 'fatal'],
  ['ftl', 'fatal'],
  ['crit', 'fatal'],
  ['critical', 'fatal'],
  ['alert', 'fatal'],
  ['emerg', 'fatal'],
  ['emergency', 'fatal'],
  ['panic', 'fatal'],
  ['f', 'fatal'],
  ['a', 'fatal'],
]);

/** Syslog severities 0 (emerg) to 7 (debug). */
const SYSLOG: readonly LogLevel[] = [
  'fatal',
  'fatal',
  'fatal',
  'error',
  'warn',
  'info',
  'info',
  'debug',
];

/** pino / bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
const PINO: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const INTEGER = /^\d{1,3}$/;

/**
 * Maps a level as loggers write it to one of the six ECS levels: names in any
 * case (WARNING, ERR, CRIT, NOTICE, ...), single letters (glog, logcat),
 * syslog severities 0-7 and pino/bunyan numbers 10-60.
 */
export function normalizeLogLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 16) return undefined;
  const exact = NAMES.get(value);
  if (exact !== undefined) return exact;
  const lower = value.trim().toLowerCase();
  return NAMES.get(lower) ?? (INTEGER.test(lower) ? fromNumber(Number(lower)) : undefined);
}

function fromNumber(n: number): LogLevel | undefined {
  if (!Number.isInteger(n) || n < 0) return undefined;
  if (n <= 7) return SYSLOG[n];
  if (n >= 10 && n < 70) return PINO[Math.floor(n / 10) - 1];
  return undefined;
}

/**
 * The level `obj` states, if any maps to an ECS level. An ECS `log.level`
 * (nested or written as a dotted key) is authoritative: when it cannot be
 * mapped, no other field is consulted. A non-ECS key (`level`, `lvl`, ...)
 * that maps is removed, since `log.level` then carries its value.
 */
export function takeLogLevel(obj: Doc): LogLevel | undefined {
  const log = own(obj, 'log');
  const ecs = own(obj, 'log.level') ?? (isPlainObject(log) ? own(log, 'level') : undefined);
  if (ecs !== undefined) return normalizeLogLevel(ecs);
  for (const field of LEVEL_FIELDS) {
    const value = own(obj, field);
    if (value === undefined) continue;
    const level = normalizeLogLevel(value);
    if (level !== undefined) {
      delete obj[field];
      return level;
    }
  }
  const code = readField(obj, 'log.syslog.severity.code');
  const severity = typeof code === 'string' && INTEGER.test(code) ? Number(code) : code;
  return typeof severity === 'number' &&
    Number.isInteger(severity) &&
    severity >= 0 &&
    severity <= 7
    ? SYSLOG[severity]
    : undefined;
}
