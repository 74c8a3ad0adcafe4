import { EcsEvent } from './ecs-event';
import { BatchEventIds } from './event-id';
import {
  Doc,
  expandInto,
  expandOwned,
  homeScalars,
  isPlainObject,
  objectAt,
  own,
  readField,
  setField,
} from './fields';
import { takeLogLevel } from './log-level';
import { parseAccessLog } from './parsers/access-log';
import {
  mapKubernetesMetadata,
  normalizeContainerImage,
  unwrapContainerRuntime,
} from './parsers/container-runtime';
import {
  isDockerEngineEvent,
  isDockerStats,
  mapDockerEngineEvent,
  mapDockerStats,
} from './parsers/docker-engine';
import { mapJournalFields } from './parsers/journald';
import { parseKlogLine } from './parsers/klog';
import {
  isKubernetesAuditEvent,
  kubernetesAuditItems,
  mapKubernetesAuditEvent,
} from './parsers/kubernetes-audit';
import { liftFields, parseJsonObject, parseLogfmt, takeMessageText } from './parsers/message-body';
import { parseSshdMessage } from './parsers/sshd';
import { parseSyslogLine } from './parsers/syslog-line';
import { RawBatch, RawRecord } from './raw-batch';
import { eventTime, formatTimestamp, TIMESTAMP_FIELDS } from './timestamp';

/** Logstash's tag for an event whose `@timestamp` could not be read; the value moves to `_@timestamp`. */
export const TIMESTAMP_FAILURE_TAG = '_timestampparsefailure';

/** What a record's `data` is left as once its event took it over. */
const HANDED_OVER: Record<string, unknown> = Object.freeze({});

interface BatchContext {
  tenant: string;
  protocol: string;
  receivedAt: number;
  ingested: string;
  ids: BatchEventIds;
}

/**
 * Turns every record of a batch into ECS events, in order. A record normally
 * gives one event; a Kubernetes audit `EventList` gives one per item (none
 * for an empty list).
 *
 * Takes ownership of the records' data: a record's `data` becomes its event
 * in place (modified and returned, or its objects reused by the event), which
 * spares a copy of every event while the batch waits to be stored. The caller
 * must not use `data` afterwards, and no object may be shared between two
 * records or appear twice in one (each record decoded by its own JSON.parse).
 * Each record is then emptied (`raw` once its ids are derived, `data` once its
 * event took it over): ingest keeps its records until the commit, and of the
 * events only those the processor holds should wait that long.
 */
export function normalizeBatch(batch: RawBatch): EcsEvent[] {
  const receivedAt = Number.isFinite(batch.receivedAt) ? batch.receivedAt : Date.now();
  const context: BatchContext = {
    tenant: batch.tenant,
    protocol: batch.protocol,
    receivedAt,
    ingested: formatTimestamp(receivedAt),
    ids: new BatchEventIds(batch.tenant),
  };
  const events: EcsEvent[] = [];
  for (const record of batch.records) {
    const items = isPlainObject(record.data) ? kubernetesAuditItems(record.data) : undefined;
    const parts = items === undefined ? 1 : items.length;
    let ids: ((part: number) => string) | undefined;
    for (let part = 0; part < parts; part++) {
      const doc =
        items === undefined
          ? parseRecord(record, receivedAt)
          : mapKubernetesAuditEvent(items[part], receivedAt);
      const event = finishEvent(doc, record, context);
      const eventId = clientEventId(event, record, part, parts);
      if (eventId !== undefined) {
        event.id = eventId;
      } else {
        ids ??= context.ids.record(record.index, record.raw);
        event.id = ids(part);
      }
      events.push(doc as EcsEvent);
    }
    record.raw = '';
    record.data = HANDED_OVER;
  }
  return events;
}

function parseRecord(record: RawRecord, referenceMs: number): Doc {
  const data = record.data;
  if (!isPlainObject(data)) return { message: record.raw };
  const known = mapKnownDocument(data, referenceMs);
  if (known !== undefined) return known;

  const doc = expandOwned(data);
  unwrapContainerRuntime(doc, referenceMs);
  mapKubernetesMetadata(doc);
  mapJournalFields(doc);
  if (own(doc, 'message') === undefined) {
    const text = takeMessageText(doc);
    if (text !== undefined) doc.message = text;
  }
  parseMessage(doc, referenceMs);
  return doc;
}

/** Documents whose shape identifies them, whether sent as the record or as its JSON message. */
function mapKnownDocument(obj: Doc, referenceMs: number): Doc | undefined {
  if (isKubernetesAuditEvent(obj)) return mapKubernetesAuditEvent(obj, referenceMs);
  if (isDockerEngineEvent(obj)) return mapDockerEngineEvent(obj, referenceMs);
  if (isDockerStats(obj)) return mapDockerStats(obj, referenceMs);
  return undefined;
}

/**
 * Reads the message body: JSON and logfmt bodies are lifted into fields,
 * known line formats are mapped (the message keeps the original line). Each
 * line parser rejects on a first-character or substring check before any
 * regular expression runs.
 *
 * The parsers read the text without its leading whitespace, but the message
 * stays as sent: rsyslog's `msg` of a BSD syslog line starts with the space
 * after `tag:`, which only the sender can tell from an indented line.
 */
function parseMessage(doc: Doc, referenceMs: number): void {
  const message = own(doc, 'message');
  if (isPlainObject(message)) {
    liftFields(doc, message, undefined, referenceMs);
    return;
  }
  if (typeof message !== 'string') return;
  const text = message.trimStart();
  if (text.length === 0) return;

  const json = parseJsonObject(text);
  if (json !== undefined) {
    const known = mapKnownDocument(json, referenceMs);
    if (known !== undefined) expandInto(doc, known, true);
    else liftFields(doc, json, message, referenceMs);
    return;
  }
  const pairs = parseLogfmt(text);
  if (pairs !== undefined) {
    liftFields(doc, pairs, message, referenceMs);
    return;
  }
  if (parseKlogLine(doc, text, referenceMs)) return;
  const syslog = parseSyslogLine(doc, text, referenceMs);
  const body = syslog === undefined ? text : syslog.body;
  const program = syslog === undefined ? readField(doc, 'process.name') : syslog.program;
  if (program === undefined || (typeof program === 'string' && program.startsWith('sshd'))) {
    if (parseSshdMessage(doc, body)) return;
  }
  parseAccessLog(doc, body, referenceMs);
}

/** Fields every event carries, and the ones only Logwarden may set; returns the `event` object. */
function finishEvent(doc: Doc, record: RawRecord, context: BatchContext): Doc {
  resolveTimestamp(doc, context);
  const level = takeLogLevel(doc);
  if (level !== undefined) setField(doc, 'log.level', level);
  normalizeContainerImage(doc);
  homeScalars(doc);

  // Most events bring neither `event` nor `observer`: literals spare walking and creating each level.
  const hasIndex = record.index !== undefined && record.index !== '';
  let event: Doc;
  if (own(doc, 'event') === undefined) {
    event = { ingested: context.ingested, kind: 'event' };
    if (hasIndex) event.dataset = record.index;
    doc.event = event;
  } else {
    event = objectAt(doc, 'event', true);
    event.ingested = context.ingested;
    if (own(event, 'kind') === undefined) event.kind = 'event';
    if (own(event, 'dataset') === undefined && hasIndex) event.dataset = record.index;
  }
  if (own(doc, 'observer') === undefined) doc.observer = { ingest: { protocol: context.protocol } };
  else setField(doc, 'observer.ingest.protocol', context.protocol);
  doc.tenant = context.tenant;
  return event;
}

/**
 * An id chosen by the client: the record's `_id`, else the event's own
 * `event.id`. When one record expands into several events, the record id is
 * suffixed with the item's position so the events stay distinct.
 */
function clientEventId(
  event: Doc,
  record: RawRecord,
  part: number,
  parts: number,
): string | undefined {
  const hasRecordId = record.id !== undefined && record.id !== '';
  if (hasRecordId && parts === 1) return record.id;
  const eventId = own(event, 'id');
  if (typeof eventId === 'string' && eventId !== '') return eventId;
  if (typeof eventId === 'number') return String(eventId);
  return hasRecordId ? `${record.id}:${part}` : undefined;
}

/**
 * Sets `@timestamp` from the first field holding a valid time, else the
 * receive time. A `@timestamp` that cannot be read is kept in `_@timestamp`
 * and tagged, as Logstash does; other unreadable time fields stay as they are.
 */
function resolveTimestamp(doc: Doc, context: BatchContext): void {
  for (const field of TIMESTAMP_FIELDS) {
    const value = own(doc, field);
    if (value === undefined) continue;
    const time = eventTime(value, context.receivedAt);
    if (time !== undefined) {
      if (field !== '@timestamp') delete doc[field];
      doc['@timestamp'] = time;
      return;
    }
    if (field === '@timestamp') {
      delete doc['@timestamp'];
      doc['_@timestamp'] = value;
      addTag(doc, TIMESTAMP_FAILURE_TAG);
    }
  }
  doc['@timestamp'] = context.ingested;
}

function addTag(doc: Doc, tag: string): void {
  const tags = own(doc, 'tags');
  if (Array.isArray(tags)) tags.push(tag);
  else doc.tags = tags === undefined ? [tag] : [tags, tag];
}
