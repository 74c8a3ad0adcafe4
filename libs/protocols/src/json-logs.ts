import type { RawRecord } from '@logwarden/schema';
import { describeJsonType, isJsonObject, parseErrorMessage } from './json-values';
import { LineCursor, withoutByteOrderMark } from './ndjson-lines';

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

/**
 * Decodes a `POST /api/v1/logs` body: one JSON object, a JSON array of objects,
 * or NDJSON (one object per line). Every element that is a JSON object becomes a
 * record; every other element is reported in `errors` without losing the rest.
 * Never throws: an unparseable body is one error at index 0, so the caller
 * decides the status from `records` and `errors` alone.
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
export function decodeJsonLogs(text: string): JsonLogsResult {
  const result: JsonLogsResult = { records: [], errors: [] };
  const lines = new LineCursor(text);
  if (!lines.next()) return result;

  const first = lines.line;
  const firstLineNumber = lines.lineNumber;
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch (error) {
    if (!lines.hasMore()) {
      result.errors.push({
        index: 0,
        reason: `line ${firstLineNumber}: ${parseErrorMessage(error)}`,
      });
      return result;
    }
    return decodeMultiLine(
      result,
      text,
      lines,
      `line ${firstLineNumber}: ${parseErrorMessage(error)}`,
    );
  }
  if (!lines.hasMore()) {
    addDocument(result, value, first);
    return result;
  }
  addLine(result, 0, value, first, firstLineNumber);
  decodeRemainingLines(result, lines, 1);
  return result;
}

/** The first line is not JSON by itself: a multi-line document, or NDJSON with a broken first line. */
function decodeMultiLine(
  result: JsonLogsResult,
  text: string,
  lines: LineCursor,
  firstLineError: string,
): JsonLogsResult {
  const document = withoutByteOrderMark(text).trim();
  let value: unknown;
  try {
    value = JSON.parse(document);
  } catch (error) {
    return decodeBrokenFirstLine(result, lines, firstLineError, parseErrorMessage(error));
  }
  addDocument(result, value, document);
  return result;
}

function decodeBrokenFirstLine(
  result: JsonLogsResult,
  lines: LineCursor,
  firstLineError: string,
  documentError: string,
): JsonLogsResult {
  lines.next();
  let second: unknown;
  try {
    second = JSON.parse(lines.line);
  } catch {
    second = undefined;
  }
  if (!isJsonObject(second)) {
    result.errors.push({ index: 0, reason: `invalid JSON: ${documentError}` });
    return result;
  }
  result.errors.push({ index: 0, reason: firstLineError });
  addLine(result, 1, second, lines.line, lines.lineNumber);
  decodeRemainingLines(result, lines, 2);
  return result;
}

function decodeRemainingLines(result: JsonLogsResult, lines: LineCursor, firstIndex: number): void {
  for (let index = firstIndex; lines.next(); index++) {
    let value: unknown;
    try {
      value = JSON.parse(lines.line);
    } catch (error) {
      result.errors.push({
        index,
        reason: `line ${lines.lineNumber}: ${parseErrorMessage(error)}`,
      });
      continue;
    }
    addLine(result, index, value, lines.line, lines.lineNumber);
  }
}

function addLine(
  result: JsonLogsResult,
  index: number,
  value: unknown,
  raw: string,
  lineNumber: number,
): void {
  if (isJsonObject(value)) {
    result.records.push({ data: value, raw });
  } else {
    result.errors.push({
      index,
      reason: `line ${lineNumber} is ${describeJsonType(value)}, expected an object`,
    });
  }
}

function addDocument(result: JsonLogsResult, value: unknown, raw: string): void {
  if (isJsonObject(value)) {
    result.records.push({ data: value, raw });
    return;
  }
  if (!Array.isArray(value)) {
    result.errors.push({
      index: 0,
      reason: `body is ${describeJsonType(value)}, expected an object, an array of objects or NDJSON`,
    });
    return;
  }
  for (let index = 0; index < value.length; index++) {
    const element: unknown = value[index];
    if (isJsonObject(element)) {
      // The array's own text holds every element; re-serializing one keeps `raw` to that element.
      result.records.push({ data: element, raw: JSON.stringify(element) });
    } else {
      result.errors.push({
        index,
        reason: `element ${index} is ${describeJsonType(element)}, expected an object`,
      });
    }
  }
}
