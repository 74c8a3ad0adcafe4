import logfmt from 'logfmt';
import { Doc, expandInto, isPlainObject, own, setField } from '../fields';
import { takeLogLevel } from '../log-level';
import { formatTimestamp, takeTimestamp } from '../timestamp';

/** Keys loggers put the human-readable text in; `event` is structlog's. */
const MESSAGE_FIELDS = ['message', 'msg', 'event'];

/** A logfmt line starts with `key=`; checked before running the full parser. */
const LOGFMT_START = /^[A-Za-z_@][\w.@/-]*=/;

/** Removes and returns the first string among `message`, `msg` and `event`. */
export function takeMessageText(obj: Doc): string | undefined {
  for (const field of MESSAGE_FIELDS) {
    const value = own(obj, field);
    if (typeof value === 'string') {
      delete obj[field];
      return value;
    }
  }
  return undefined;
}

/** The object a message holds as JSON, or undefined; only text shaped `{…}` is parsed. */
export function parseJsonObject(text: string): Doc | undefined {
  if (text.charCodeAt(0) !== 123) return undefined;
  let end = text.length - 1;
  while (end > 0 && text.charCodeAt(end) <= 32) end--;
  if (text.charCodeAt(end) !== 125) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pairs of a logfmt line, or undefined unless the line is made only of
 * `key=value` pairs, at least two of them: prose with an `=` in it is not logfmt.
 */
export function parseLogfmt(text: string): Doc | undefined {
  if (!LOGFMT_START.test(text)) return undefined;
  const pairs = logfmt.parse(text);
  const keys = Object.keys(pairs);
  if (keys.length < 2) return undefined;
  for (const key of keys) {
    // The parser reports a bare word as `true`, like an explicit `key=true`.
    if (pairs[key] === true && !text.includes(`${key}=`)) return undefined;
  }
  return pairs;
}

/**
 * Lifts the fields of a structured message body into the event. The body's
 * own text (`message` / `msg`), time and level describe the event better than
 * its envelope and win; other fields merge, keeping both values on a clash.
 * Without text of its own, the message stays `originalText`.
 */
export function liftFields(
  doc: Doc,
  fields: Doc,
  originalText: string | undefined,
  referenceMs: number,
): void {
  const text = takeMessageText(fields);
  const ms = takeTimestamp(fields, referenceMs);
  const level = takeLogLevel(fields);
  delete doc.message;
  expandInto(doc, fields);
  if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);
  if (level !== undefined) setField(doc, 'log.level', level);
  if (text !== undefined) doc.message = text;
  else if (own(doc, 'message') === undefined && originalText !== undefined) {
    doc.message = originalText;
  }
}
