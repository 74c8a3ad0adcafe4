import {
  BulkResponseWriter,
  backpressureFailure,
  buildBulkResponse,
} from './elasticsearch-bulk-response';
import type { BulkDocument, BulkItemOutcome } from './elasticsearch-bulk-types';
import { parseBulk } from './elasticsearch-bulk';

const SHARDS = '"_shards":{"total":1,"successful":1,"failed":0}';

describe('buildBulkResponse', () => {
  it('writes successes in exactly Elasticsearch key order, compact', () => {
    const outcomes: BulkItemOutcome[] = [
      { action: 'create', index: 'filebeat-8.19.0', id: 'a1' },
      { action: 'index', index: 'vector', id: 'b2' },
      { action: 'update', index: 'vector', id: 'c3' },
    ];
    expect(buildBulkResponse(outcomes, 3)).toBe(
      '{"took":3,"errors":false,"items":[' +
        `{"create":{"_index":"filebeat-8.19.0","_id":"a1","_version":1,"result":"created",${SHARDS},"_seq_no":0,"_primary_term":1,"status":201}},` +
        `{"index":{"_index":"vector","_id":"b2","_version":1,"result":"created",${SHARDS},"_seq_no":0,"_primary_term":1,"status":201}},` +
        `{"update":{"_index":"vector","_id":"c3","_version":1,"result":"updated",${SHARDS},"_seq_no":0,"_primary_term":1,"status":200}}` +
        ']}',
    );
  });

  it("contains Fluent Bit's success marker when nothing failed", () => {
    const body = buildBulkResponse([{ action: 'create', index: 'fluent-bit', id: 'x' }], 0);
    expect(body).toContain('"errors":false,"items":[');
  });

  it("writes failed items with status and error, flags Vector's errors:true, omits an unknown _id", () => {
    const outcomes: BulkItemOutcome[] = [
      { action: 'create', index: 'x', id: 'ok-1' },
      {
        action: 'create',
        index: 'x',
        status: 400,
        error: { type: 'document_parsing_exception', reason: 'bad "doc"' },
      },
      {
        action: 'index',
        index: 'x',
        id: 'r-1',
        status: 429,
        error: { type: 'es_rejected_execution_exception', reason: 'busy' },
      },
    ];
    const body = buildBulkResponse(outcomes, 12.6);
    expect(body).toBe(
      '{"took":13,"errors":true,"items":[' +
        `{"create":{"_index":"x","_id":"ok-1","_version":1,"result":"created",${SHARDS},"_seq_no":0,"_primary_term":1,"status":201}},` +
        '{"create":{"_index":"x","status":400,"error":{"type":"document_parsing_exception","reason":"bad \\"doc\\""}}},' +
        '{"index":{"_index":"x","_id":"r-1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}' +
        ']}',
    );
    expect(body).toContain('"errors":true');
    expect(JSON.parse(body)).toMatchObject({ items: [{}, { create: { status: 400 } }, {}] });
  });

  it('escapes index names and ids that need it', () => {
    const body = buildBulkResponse([{ action: 'index', index: 'a"b', id: 'line\nbreak' }], 1);
    expect(JSON.parse(body)).toMatchObject({
      items: [{ index: { _index: 'a"b', _id: 'line\nbreak', status: 201 } }],
    });
  });

  it('writes an empty item list and a sane took for odd durations', () => {
    expect(buildBulkResponse([], Number.NaN)).toBe('{"took":0,"errors":false,"items":[]}');
    expect(buildBulkResponse([], -5)).toBe('{"took":0,"errors":false,"items":[]}');
  });

  it('answers parse failures in place, one item per action, in request order', () => {
    const { items } = parseBulk(
      '{"create":{"_index":"app"}}\n{"message":"a"}\n{"delete":{"_index":"app","_id":"9"}}\n{"create":{"_index":"app"}}\n[1]\n',
    );
    const outcomes = items.map((item, n): BulkItemOutcome =>
      item.error === undefined
        ? { action: item.action, index: item.index, id: `stored-${n}` }
        : item,
    );
    const parsed = JSON.parse(buildBulkResponse(outcomes, 1)) as {
      errors: boolean;
      items: Record<string, { status: number; _id?: string; error?: { type: string } }>[];
    };
    expect(parsed.errors).toBe(true);
    expect(parsed.items).toEqual([
      { create: expect.objectContaining({ _id: 'stored-0', status: 201 }) },
      {
        delete: {
          _index: 'app',
          _id: '9',
          status: 400,
          error: { type: 'illegal_argument_exception', reason: expect.any(String) },
        },
      },
      {
        create: {
          _index: 'app',
          status: 400,
          error: expect.objectContaining({ type: 'document_parsing_exception' }),
        },
      },
    ]);
  });
});

describe('BulkResponseWriter', () => {
  it('writes the body of the whole request from outcomes added page by page', () => {
    const outcomes: BulkItemOutcome[] = Array.from({ length: 7 }, (_, n) =>
      n === 4
        ? {
            action: 'index',
            index: 'b',
            status: 400,
            error: { type: 'document_parsing_exception', reason: 'bad' },
          }
        : { action: 'create', index: n < 3 ? 'a' : 'b', id: `id-${n}` },
    );
    const writer = new BulkResponseWriter();
    writer.add(outcomes.slice(0, 3));
    writer.add([]);
    writer.add(outcomes.slice(3, 5));
    writer.add(outcomes.slice(5));
    expect(writer.finish(8).toString()).toBe(buildBulkResponse(outcomes, 8));
    expect(new BulkResponseWriter().finish(0).toString()).toBe(
      '{"took":0,"errors":false,"items":[]}',
    );
  });
});

describe('backpressureFailure', () => {
  it('turns a document into a 429 item that shippers retry', () => {
    const document: BulkDocument = {
      action: 'create',
      index: 'filebeat',
      id: 'e1',
      record: { data: {}, raw: '{}', id: 'e1', index: 'filebeat' },
    };
    expect(buildBulkResponse([backpressureFailure(document, 'ingest queue is full')], 2)).toBe(
      '{"took":2,"errors":true,"items":[{"create":{"_index":"filebeat","_id":"e1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"ingest queue is full"}}}]}',
    );
  });
});
