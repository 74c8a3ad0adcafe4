import type { RawRecord } from '@logwarden/schema';
import { describeJsonType, isJsonObject, parseErrorMessage } from './json-values';
import { jsonWeight, mayWeighOver } from './json-weight';
import { LineCursor, wholeText } from './ndjson-lines';
import { PageLimits, WHOLE_BODY, asBytes } from './pages';

export interface JsonLogError {
  /** 0-based position of the element: its array index, or its rank among the non-blank NDJSON lines. */
  index: number;
  /** Human-readable; NDJSON reasons name the physical 1-based line (`line 3: ...`) an editor shows. */
  reason: string;
}

export interface JsonLogsResult {
  /** The good elements, in body order. */
  records: RawRecord[];
  errors: JsonLogError[];
}

/** One page of {@link jsonLogPages}. */
export interface JsonLogsPage extends JsonLogsResult {
  /** Whether another page follows: false for the body's last. */
  more: boolean;
}

/**
 * Decodes a whole `POST /api/v1/logs` body at once; {@link jsonLogPages} reads
 * the same body page by page with the same records and errors.
 */
export function decodeJsonLogs(body: string | Buffer): JsonLogsResult {
  const result: JsonLogsResult = { records: [], errors: [] };
  for (const page of jsonLogPages(asBytes(body), WHOLE_BODY)) {
    for (const record of page.records) result.records.push(record);
    for (const error of page.errors) result.errors.push(error);
  }
  return result;
}

/**
 * Decodes a `POST /api/v1/logs` body: one JSON object, a JSON array of objects,
 * or NDJSON (one object per line). Every element that is a JSON object becomes a
 * record; every other element is reported in `errors` without losing the rest.
 * Never throws: an unparseable body is one error at index 0, so the caller
 * decides the status from `records` and `errors` alone.
 *
 * Yields pages within `limits`, in body order, with indexes counted over the
 * whole body; NDJSON is parsed only as far as the page being asked for. A line
 * or document weighing over `limits.maxRecordWeight` is an error, never decoded.
 *
 * One document or NDJSON is decided from the first non-blank line. If it is
 * complete JSON and more follows, the body cannot be a single document (JSON
 * allows nothing after the value), so it is NDJSON and that parse is reused.
 * If it is complete and alone, it is the whole document. If it is not complete
 * JSON on its own (`{` of a pretty-printed object, `[{...},` of a wrapped
 * array), the whole body is parsed as one document; should that fail too, the
 * body is still treated as NDJSON with a broken first line when its second line
 * is an object of its own, and as one malformed document otherwise.
 */
export function* jsonLogPages(body: Buffer, limits: PageLimits): Generator<JsonLogsPage> {
  const lines = new LineCursor(body);
  if (!lines.next()) return;
  const page = new Page(limits);
  if (lines.weighsOver(limits.maxRecordWeight)) {
    if (!lines.hasMore()) {
      page.error(0, tooHeavyDocument(body, lines.weight, limits));
      yield page.take(false);
      return;
    }
    page.error(0, tooHeavyLine(lines, limits));
    yield* remainingLines(page, lines, 1);
    return;
  }

  const first = lines.line;
  const firstLineNumber = lines.lineNumber;
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch (error) {
    const firstLineError = `line ${firstLineNumber}: ${parseErrorMessage(error)}`;
    if (!lines.hasMore()) {
      page.error(0, firstLineError);
      yield page.take(false);
      return;
    }
    yield* multiLine(body, page, lines, firstLineError);
    return;
  }
  if (!lines.hasMore()) {
    yield* documentPages(page, value, first);
    return;
  }
  page.line(0, value, first, firstLineNumber, lines.lineBytes);
  yield* remainingLines(page, lines, 1);
}

/** Records and errors collected until the page is full. */
class Page {
  private result: JsonLogsResult = { records: [], errors: [] };
  private bytes = 0;

  constructor(readonly limits: PageLimits) {}

  full(): boolean {
    const { records, errors } = this.result;
    return records.length + errors.length >= this.limits.items || this.bytes >= this.limits.bytes;
  }

  empty(): boolean {
    return this.result.records.length === 0 && this.result.errors.length === 0;
  }

  take(more: boolean): JsonLogsPage {
    const taken = this.result;
    this.result = { records: [], errors: [] };
    this.bytes = 0;
    return { ...taken, more };
  }

  record(data: Record<string, unknown>, raw: string, bytes: number): void {
    this.result.records.push({ data, raw });
    this.bytes += bytes;
  }

  error(index: number, reason: string): void {
    this.result.errors.push({ index, reason });
  }

  line(index: number, value: unknown, raw: string, lineNumber: number, bytes: number): void {
    if (isJsonObject(value)) {
      this.record(value, raw, bytes);
    } else {
      this.error(index, `line ${lineNumber} is ${describeJsonType(value)}, expected an object`);
    }
  }
}

/** The first line is not JSON by itself: a multi-line document, or NDJSON with a broken first line. */
function* multiLine(
  body: Buffer,
  page: Page,
  lines: LineCursor,
  firstLineError: string,
): Generator<JsonLogsPage> {
  const limit = page.limits.maxRecordWeight;
  if (mayWeighOver(body.length, limit)) {
    const weight = jsonWeight(body);
    if (weight > limit) {
      yield* brokenFirstLine(
        page,
        lines,
        firstLineError,
        tooHeavyDocument(body, weight, page.limits),
      );
      return;
    }
  }
  const document = wholeText(body).trim();
  let value: unknown;
  try {
    value = JSON.parse(document);
  } catch (error) {
    yield* brokenFirstLine(
      page,
      lines,
      firstLineError,
      `invalid JSON: ${parseErrorMessage(error)}`,
    );
    return;
  }
  yield* documentPages(page, value, document);
}

function* brokenFirstLine(
  page: Page,
  lines: LineCursor,
  firstLineError: string,
  documentError: string,
): Generator<JsonLogsPage> {
  lines.next();
  let second: unknown;
  if (!lines.weighsOver(page.limits.maxRecordWeight)) {
    try {
      second = JSON.parse(lines.line);
    } catch {
      second = undefined;
    }
  }
  if (!isJsonObject(second)) {
    page.error(0, documentError);
    yield page.take(false);
    return;
  }
  page.error(0, firstLineError);
  if (page.full()) yield page.take(true);
  page.line(1, second, lines.line, lines.lineNumber, lines.lineBytes);
  yield* remainingLines(page, lines, 2);
}

function* remainingLines(
  page: Page,
  lines: LineCursor,
  firstIndex: number,
): Generator<JsonLogsPage> {
  for (let index = firstIndex; lines.next(); index++) {
    if (page.full()) yield page.take(true);
    if (lines.weighsOver(page.limits.maxRecordWeight)) {
      page.error(index, tooHeavyLine(lines, page.limits));
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(lines.line);
    } catch (error) {
      page.error(index, `line ${lines.lineNumber}: ${parseErrorMessage(error)}`);
      continue;
    }
    page.line(index, value, lines.line, lines.lineNumber, lines.lineBytes);
  }
  if (!page.empty()) yield page.take(false);
}

function* documentPages(page: Page, value: unknown, raw: string): Generator<JsonLogsPage> {
  if (isJsonObject(value)) {
    page.record(value, raw, raw.length);
    yield page.take(false);
    return;
  }
  if (!Array.isArray(value)) {
    page.error(
      0,
      `body is ${describeJsonType(value)}, expected an object, an array of objects or NDJSON`,
    );
    yield page.take(false);
    return;
  }
  for (let index = 0; index < value.length; index++) {
    if (page.full()) yield page.take(true);
    const element: unknown = value[index];
    // The pipeline turns a record's data into its event in place: dropping it
    // from the array lets it go once stored rather than with the whole array.
    value[index] = undefined;
    if (isJsonObject(element)) {
      // The array's own text holds every element; re-serializing one keeps `raw` to that element.
      const text = JSON.stringify(element);
      page.record(element, text, text.length);
    } else {
      page.error(index, `element ${index} is ${describeJsonType(element)}, expected an object`);
    }
  }
  if (!page.empty()) yield page.take(false);
}

function tooHeavyLine(lines: LineCursor, limits: PageLimits): string {
  return `line ${lines.lineNumber} is ${lines.lineBytes} bytes, which with its objects and arrays count as ${lines.weight}, over the limit of ${limits.maxRecordWeight} for one event`;
}

function tooHeavyDocument(body: Buffer, weight: number, limits: PageLimits): string {
  return `the body is ${body.length} bytes, which with its objects and arrays count as ${weight}, over the limit of ${limits.maxRecordWeight} for one JSON document; send NDJSON instead`;
}
