import { Doc, fillField, setField } from '../fields';
import { normalizeLogLevel } from '../log-level';
import { formatTimestamp, hasTimestampField, withoutYear } from '../timestamp';

/** glog / klog header: `Lmmdd hh:mm:ss.uuuuuu pid file:line] msg`. */
const KLOG_LINE =
  /^([IWEF])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) +(\d+) ([^:\s\]]+):(\d+)\] /;

/** Maps a glog / klog line (Kubernetes components); returns false when `line` is not one. */
export function parseKlogLine(doc: Doc, line: string, referenceMs: number): boolean {
  const first = line.charCodeAt(0);
  // I, W, E, F followed by the month digit and the space after mmdd.
  if ((first !== 73 && first !== 87 && first !== 69 && first !== 70) || line.charCodeAt(5) !== 32) {
    return false;
  }
  const m = KLOG_LINE.exec(line);
  if (m === null) return false;
  const [, letter, month, day, hour, minute, second, micros, pid, file, lineNo] = m;
  setField(doc, 'log.level', normalizeLogLevel(letter));
  if (!hasTimestampField(doc)) {
    const ms = withoutYear(+month - 1, +day, hour, minute, second, micros, referenceMs);
    if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);
  }
  fillField(doc, 'process.pid', Number(pid));
  setField(doc, 'log.origin.file.name', file);
  setField(doc, 'log.origin.file.line', Number(lineNo));
  return true;
}
