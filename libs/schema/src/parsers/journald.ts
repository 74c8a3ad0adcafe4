import { Doc, isPlainObject, own, setField } from '../fields';

/**
 * Journal fields and their ECS homes. Vector's `journald` source ships the journal's own
 * names (`_PID`, `SYSLOG_IDENTIFIER`...); Fluent Bit's `systemd` input does too, or without
 * the leading underscore (`Strip_Underscores On`). The first name present wins.
 */
const JOURNAL_FIELDS: [names: string[], path: string, convert?: (value: string) => unknown][] = [
  [['MESSAGE'], 'message'],
  [['SYSLOG_IDENTIFIER', '_COMM', 'COMM'], 'process.name'],
  [['_PID', 'PID', 'SYSLOG_PID'], 'process.pid', integer],
  [['_HOSTNAME', 'HOSTNAME'], 'host.name'],
  [['PRIORITY'], 'log.syslog.severity.code', integer],
  [['_SYSTEMD_UNIT', 'SYSTEMD_UNIT'], 'systemd.unit'],
];

/** Fields only a journal entry has: an application's own `PID` or `MESSAGE` is left alone. */
const JOURNAL_MARKS = ['SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', 'SYSTEMD_UNIT', '_BOOT_ID', 'BOOT_ID'];

/**
 * Moves a journal entry's fields to their ECS homes, so an sshd line read from the journal is
 * parsed and watched like one from a syslog file. A field whose home is taken (Vector's own
 * `host`, say) stays as it came, as does one that does not read as its home's type.
 */
export function mapJournalFields(doc: Doc): void {
  if (!isJournalEntry(doc)) return;
  for (const [names, path, convert] of JOURNAL_FIELDS) {
    if (!isFree(doc, path)) continue;
    for (const name of names) {
      const value = own(doc, name);
      if (typeof value !== 'string') continue;
      const converted = convert === undefined ? value : convert(value);
      if (converted === undefined) continue;
      delete doc[name];
      setField(doc, path, converted);
      break;
    }
  }
}

/** A loop rather than `some`: this runs for every event, and its closure cost each one 95 bytes. */
function isJournalEntry(doc: Doc): boolean {
  for (const mark of JOURNAL_MARKS) if (typeof own(doc, mark) === 'string') return true;
  return false;
}

/** Whether nothing is at `path`, nor a value where one of its objects would go. */
function isFree(doc: Doc, path: string): boolean {
  let node: Doc = doc;
  for (const part of path.split('.')) {
    const value = own(node, part);
    if (value === undefined) return true;
    if (!isPlainObject(value)) return false;
    node = value;
  }
  return false;
}

function integer(value: string): number | undefined {
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}
