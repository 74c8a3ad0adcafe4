import { Doc, fillField } from '../fields';
import { formatTimestamp, hasTimestampField, parseTimestamp } from '../timestamp';

/**
 * A syslog line as written to /var/log by rsyslog / syslog-ng: optional
 * `<PRI>`, a BSD (`May  1 10:00:00`) or RFC 3339 time, host, program[pid]:.
 */
const SYSLOG_LINE =
  /^(?:<\d{1,3}>)?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (\S+) ([^\s[\]:]+)(?:\[(\d+)\])?: ?(.*)$/s;

export interface SyslogLine {
  program: string;
  /** The text after `program[pid]: `. */
  body: string;
}

/**
 * Maps the header of a syslog line (host, program, pid, time) into fields
 * the event does not already have; returns undefined when `line` is not one.
 */
export function parseSyslogLine(
  doc: Doc,
  line: string,
  referenceMs: number,
): SyslogLine | undefined {
  const first = line.charCodeAt(0);
  // `Mmm `: a capital and two small letters, which an HTTP method (`GET /`) is not.
  const bsd =
    first >= 65 &&
    first <= 90 &&
    isLowerCase(line.charCodeAt(1)) &&
    isLowerCase(line.charCodeAt(2)) &&
    line.charCodeAt(3) === 32;
  const rfc3339 =
    first >= 48 && first <= 57 && line.charCodeAt(4) === 45 && line.charCodeAt(10) === 84;
  if (!bsd && !rfc3339 && first !== 60) return undefined;
  const m = SYSLOG_LINE.exec(line);
  if (m === null) return undefined;
  const [, time, host, program, pid, body] = m;
  if (!hasTimestampField(doc)) {
    const ms = parseTimestamp(time, referenceMs);
    if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);
  }
  fillField(doc, 'host.name', host);
  fillField(doc, 'process.name', program);
  if (pid !== undefined) fillField(doc, 'process.pid', Number(pid));
  return { program, body };
}

function isLowerCase(code: number): boolean {
  return code >= 97 && code <= 122;
}
