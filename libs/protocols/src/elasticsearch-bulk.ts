import type {
  BulkAction,
  BulkDocument,
  BulkItemError,
  BulkItemFailure,
  BulkPage,
  BulkParseResult,
  BulkRequestItem,
  DocumentAction,
} from './elasticsearch-bulk-types';
import { buildElasticsearchError } from './elasticsearch-errors';
import { describeJsonType, isJsonObject, parseErrorMessage, type JsonObject } from './json-values';
import { LineCursor } from './ndjson-lines';
import { PageLimits, WHOLE_BODY, asBytes } from './pages';
import { ProtocolError } from './protocol-error';

/** Where documents go when neither the action nor the URL names an index. */
export const DEFAULT_BULK_INDEX = 'logs';

/** Elasticsearch's own limit; an id this long is a client bug, not an identifier. */
const MAX_ID_BYTES = 512;

const ACTIONS: ReadonlySet<string> = new Set<BulkAction>(['index', 'create', 'update', 'delete']);

/** An action line, resolved once and reused for identical lines. */
interface ParsedAction {
  action: BulkAction;
  index: string;
  id: string | undefined;
  /** Set when the action is refused whatever its document holds. */
  refusal: BulkItemError | undefined;
}

/**
 * Parses a whole Elasticsearch `_bulk` body; {@link bulkPages} reads the same
 * body page by page with the same items.
 *
 * @param defaultIndex the `{index}` of `POST /{index}/_bulk`.
 * @throws ProtocolError as {@link bulkPages} does.
 */
export function parseBulk(body: string | Buffer, defaultIndex?: string): BulkParseResult {
  const result: BulkParseResult = { items: [], records: [] };
  for (const page of bulkPages(asBytes(body), defaultIndex, WHOLE_BODY)) {
    for (const item of page.items) result.items.push(item);
    for (const record of page.records) result.records.push(record);
  }
  return result;
}

/**
 * Parses an Elasticsearch `_bulk` body into one item per action, in order, in
 * pages within `limits`. Each `index` / `create` / `update` either yields a
 * document or an item error shaped like Elasticsearch's; a bad item never costs
 * the others. Blank lines are skipped and the final newline is optional.
 * `_type`, `pipeline`, `routing` and other metadata are ignored: they tune
 * Elasticsearch internals Logwarden does not have, and Elasticsearch 8
 * rejecting `_type` would break Fluent Bit and rsyslog defaults. A source line
 * weighing over `limits.maxRecordWeight` is an item error, never decoded.
 *
 * Every action line is checked before this returns, so a request that fails
 * does so before any of its pages is stored, as in Elasticsearch.
 *
 * @param defaultIndex the `{index}` of `POST /{index}/_bulk`.
 * @throws ProtocolError 400 with an Elasticsearch error body, as Elasticsearch
 *   answers, when an action line is malformed (the pairing of action and source
 *   lines after it is lost) or when the body holds no action at all.
 */
export function bulkPages(
  body: Buffer,
  defaultIndex: string | undefined,
  limits: PageLimits,
): Iterable<BulkPage> {
  const fallbackIndex = defaultIndex || DEFAULT_BULK_INDEX;
  const actions = walk(body, fallbackIndex, limits.maxRecordWeight, () => undefined);
  let count = 0;
  while (!actions.next().done) count++;
  if (count === 0) {
    throw requestError(
      'empty_bulk',
      'action_request_validation_exception',
      'Validation Failed: 1: no requests added;',
    );
  }
  return pages(walk(body, fallbackIndex, limits.maxRecordWeight, readSource), limits);
}

function* pages(items: Iterable<BulkRequestItem>, limits: PageLimits): Generator<BulkPage> {
  let page: BulkPage = { items: [], records: [], more: false };
  let bytes = 0;
  for (const item of items) {
    if (page.items.length >= limits.items || bytes >= limits.bytes) {
      page.more = true;
      yield page;
      page = { items: [], records: [], more: false };
      bytes = 0;
    }
    page.items.push(item);
    if (item.error === undefined) {
      page.records.push(item.record);
      bytes += item.record.raw.length;
    }
  }
  if (page.items.length > 0) yield page;
}

/** What `source` makes of each document action's source line, or an item error for the action. */
function* walk<T>(
  body: Buffer,
  fallbackIndex: string,
  maxRecordWeight: number,
  source: (
    action: DocumentAction,
    index: string,
    id: string | undefined,
    lines: LineCursor,
    maxRecordWeight: number,
  ) => T,
): Generator<BulkRequestItem | T> {
  const lines = new LineCursor(body);
  // Shippers repeat the same action line for every document (`{"create":{"_index":"x"}}`),
  // so comparing strings saves most action-line parses.
  let previousActionLine = '';
  let parsed: ParsedAction | undefined;

  while (lines.next()) {
    if (lines.weighsOver(maxRecordWeight)) {
      throw malformedAction(
        lines.lineNumber,
        `expected an action but found ${lines.lineBytes} bytes, too many to parse`,
      );
    }
    if (parsed === undefined || lines.line !== previousActionLine) {
      parsed = parseActionLine(lines.line, lines.lineNumber, fallbackIndex);
      previousActionLine = lines.line;
    }
    const { action, index, id, refusal } = parsed;
    if (action === 'delete') {
      yield failure(action, index, id, refusal ?? DELETE_REFUSAL);
      continue;
    }
    if (!lines.next()) {
      // An item error keeps one response item per action, which Filebeat and
      // Logstash rely on to match results to events; Elasticsearch would
      // silently drop the action instead.
      yield failure(action, index, id, refusal ?? missingSource(action));
      return;
    }
    if (refusal !== undefined) {
      yield failure(action, index, id, refusal);
      continue;
    }
    yield source(action, index, id, lines, maxRecordWeight);
  }
}

function readSource(
  action: DocumentAction,
  index: string,
  id: string | undefined,
  lines: LineCursor,
  maxRecordWeight: number,
): BulkRequestItem {
  if (lines.weighsOver(maxRecordWeight)) {
    return failure(action, index, id, {
      type: 'illegal_argument_exception',
      reason: `the document on line ${lines.lineNumber} is ${lines.lineBytes} bytes, which with its objects and arrays count as ${lines.weight}, over the limit of ${maxRecordWeight} for one document`,
    });
  }
  return parseSource(action, index, id, lines.line, lines.lineNumber);
}

function parseActionLine(line: string, lineNumber: number, fallbackIndex: string): ParsedAction {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw malformedAction(
      lineNumber,
      `expected a JSON object but found invalid JSON (${parseErrorMessage(error)})`,
    );
  }
  if (!isJsonObject(parsed)) {
    throw malformedAction(
      lineNumber,
      `expected a JSON object but found ${describeJsonType(parsed)}`,
    );
  }
  const keys = Object.keys(parsed);
  const action = keys[0];
  if (keys.length !== 1 || !ACTIONS.has(action)) {
    throw malformedAction(
      lineNumber,
      `expected one of [create, delete, index, update] but found [${keys.join(', ')}]`,
    );
  }
  const metadata = parsed[action];
  if (!isJsonObject(metadata)) {
    throw malformedAction(
      lineNumber,
      `expected an object for [${action}] but found ${describeJsonType(metadata)}`,
    );
  }
  const index = simpleValue(metadata, '_index', lineNumber) || fallbackIndex;
  // An empty `_id` usually comes from a shipper template whose field was missing;
  // the client meant "no id", and using "" would merge all such documents into one.
  const id = simpleValue(metadata, '_id', lineNumber) || undefined;
  return {
    action: action as BulkAction,
    index,
    id,
    refusal: refusalOf(action as BulkAction, id),
  };
}

/** Elasticsearch accepts numbers and booleans for `_index` / `_id` and uses their text. */
function simpleValue(metadata: JsonObject, field: string, lineNumber: number): string | undefined {
  const value = metadata[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return undefined;
  throw malformedAction(
    lineNumber,
    `expected a simple value for field [${field}] but found ${describeJsonType(value)}`,
  );
}

function refusalOf(action: BulkAction, id: string | undefined): BulkItemError | undefined {
  // A UTF-16 unit never takes more than 3 UTF-8 bytes, so short ids skip the byte count.
  if (id !== undefined && id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id) > MAX_ID_BYTES) {
    return validationError(
      `id [${id}] is too long, must be no longer than ${MAX_ID_BYTES} bytes but was: ${Buffer.byteLength(id)}`,
    );
  }
  if (action === 'update' && id === undefined) return validationError('id is missing');
  return undefined;
}

/**
 * Logwarden is an append-only store that expires data by retention, so a delete
 * cannot be honoured. 400 is what every shipper treats as final and does not
 * retry (Filebeat drops, Logstash dead-letters, Vector rejects); a 404 would
 * claim the document does not exist, which may be false, and Elasticsearch's own
 * 404 for a delete is a `not_found` success, so the client would never learn
 * the delete was ignored.
 */
const DELETE_REFUSAL: BulkItemError = {
  type: 'illegal_argument_exception',
  reason:
    'delete is not supported: Logwarden is an append-only log store and removes data by retention only',
};

function missingSource(action: DocumentAction): BulkItemError {
  return validationError(action === 'update' ? 'script or doc is missing' : 'source is missing');
}

/** Elasticsearch's wording for a request that fails validation before it is executed. */
function validationError(problem: string): BulkItemError {
  return {
    type: 'action_request_validation_exception',
    reason: `Validation Failed: 1: ${problem};`,
  };
}

function parseSource(
  action: DocumentAction,
  index: string,
  id: string | undefined,
  line: string,
  lineNumber: number,
): BulkRequestItem {
  let source: unknown;
  try {
    source = JSON.parse(line);
  } catch (error) {
    return failure(action, index, id, {
      type: 'document_parsing_exception',
      reason: `failed to parse the document on line ${lineNumber}: ${parseErrorMessage(error)}`,
    });
  }
  if (!isJsonObject(source)) {
    return failure(action, index, id, {
      type: 'document_parsing_exception',
      reason: `the document on line ${lineNumber} is ${describeJsonType(source)}, expected a JSON object`,
    });
  }
  if (action !== 'update') return documentItem(action, index, id, source, line);
  // An update's `doc` is indexed as a document of its own. Shippers use
  // `update` (Logstash `action => update` with `doc_as_upsert`, Vector's update
  // mode) to write events idempotently under their `_id`, not to patch fields:
  // keeping the partial document loses nothing, the `_id` still deduplicates
  // replays, and merging with an earlier version would need a read before every
  // write on the ingest path. `upsert` is ignored since `doc` holds the event.
  const doc = source.doc;
  if (isJsonObject(doc)) return documentItem(action, index, id, doc, line);
  return failure(action, index, id, updateRefusal(source, lineNumber));
}

function documentItem(
  action: DocumentAction,
  index: string,
  id: string | undefined,
  data: JsonObject,
  raw: string,
): BulkDocument {
  return { action, index, id, record: { data, raw, id, index } };
}

/** Why an update carries no document; scripts cannot run in a log store. */
function updateRefusal(source: JsonObject, lineNumber: number): BulkItemError {
  if (source.doc !== undefined) {
    return {
      type: 'document_parsing_exception',
      reason: `[doc] on line ${lineNumber} is ${describeJsonType(source.doc)}, expected a JSON object`,
    };
  }
  if (source.script !== undefined) {
    return {
      type: 'illegal_argument_exception',
      reason: 'scripted updates are not supported: send the document in [doc]',
    };
  }
  return validationError('script or doc is missing');
}

function failure(
  action: BulkAction,
  index: string,
  id: string | undefined,
  error: BulkItemError,
): BulkItemFailure {
  return { action, index, id, status: 400, error };
}

function malformedAction(lineNumber: number, detail: string): ProtocolError {
  return requestError(
    'malformed_bulk_action',
    'illegal_argument_exception',
    `Malformed action/metadata line [${lineNumber}], ${detail}`,
  );
}

function requestError(code: string, type: string, reason: string): ProtocolError {
  return new ProtocolError(400, code, reason, {
    elasticsearchBody: buildElasticsearchError(400, type, reason),
  });
}
