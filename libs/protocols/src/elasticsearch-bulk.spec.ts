import type { BulkItemFailure } from './elasticsearch-bulk-types';
import { bulkPages, parseBulk } from './elasticsearch-bulk';
import type { PageLimits } from './pages';
import { seededRandom } from './testing/seeded-random';
import { ProtocolError } from './protocol-error';

function thrown(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

const filebeatDoc =
  '{"@timestamp":"2024-05-01T10:00:00.000Z","message":"GET /api 200","log":{"file":{"path":"/var/log/app.log"}},"host":{"name":"web-1"},"agent":{"type":"filebeat","version":"8.19.0"},"ecs":{"version":"8.0.0"}}';

describe('parseBulk', () => {
  it('reads a Filebeat batch: create actions into its data stream', () => {
    const body = `{"create":{"_index":"filebeat-8.19.0"}}\n${filebeatDoc}\n{"create":{"_index":"filebeat-8.19.0"}}\n{"message":"second"}\n`;
    const { items, records } = parseBulk(body);
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      action: 'create',
      index: 'filebeat-8.19.0',
      id: undefined,
      record: {
        data: JSON.parse(filebeatDoc),
        raw: filebeatDoc,
        id: undefined,
        index: 'filebeat-8.19.0',
      },
    });
    expect(records).toEqual([items[0].record, items[1].record]);
    expect(records[1].data).toEqual({ message: 'second' });
  });

  it('ignores the _type Fluent Bit sends by default', () => {
    const body =
      '{"create":{"_index":"fluent-bit","_type":"_doc"}}\n{"@timestamp":"2024-05-01T10:00:00.000Z","log":"hello"}\n';
    const { items, records } = parseBulk(body);
    expect(items[0].error).toBeUndefined();
    expect(records).toEqual([
      {
        data: { '@timestamp': '2024-05-01T10:00:00.000Z', log: 'hello' },
        raw: '{"@timestamp":"2024-05-01T10:00:00.000Z","log":"hello"}',
        id: undefined,
        index: 'fluent-bit',
      },
    ]);
  });

  it("reads rsyslog's action line with a space and a legacy _type", () => {
    const body =
      '{"index":{"_index": "system","_type":"events"}}\n{"message":"sshd[42]: Accepted publickey","fromhost":"db-1","facility":"auth","priority":"info"}\n';
    const { items } = parseBulk(body);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ action: 'index', index: 'system' });
    expect(items[0].record?.data.fromhost).toBe('db-1');
  });

  it("falls back to the URL index for rsyslog's empty create, then to logs", () => {
    const body = '{"create":{ }}\n{"message":"x"}\n';
    expect(parseBulk(body, 'syslog-2024').records[0].index).toBe('syslog-2024');
    expect(parseBulk(body).records[0].index).toBe('logs');
    expect(parseBulk(body, '').records[0].index).toBe('logs');
  });

  it('prefers the action _index over the URL index', () => {
    const body =
      '{"index":{"_index":"vector-2024.05.01"}}\n{"message":"x","timestamp":"2024-05-01T10:00:00Z"}\n';
    expect(parseBulk(body, 'ignored').items[0].index).toBe('vector-2024.05.01');
  });

  it('carries the client _id into the record so it wins over a derived id', () => {
    const body =
      '{"index":{"_index":"vector","_id":"evt-123"}}\n{"message":"x"}\n{"index":{"_id":7}}\n{"message":"y"}\n';
    const { records } = parseBulk(body);
    expect(records.map((r) => r.id)).toEqual(['evt-123', '7']);
  });

  it('treats an empty _id as no id instead of one shared id', () => {
    const { records } = parseBulk('{"index":{"_id":""}}\n{"message":"x"}\n');
    expect(records[0].id).toBeUndefined();
  });

  it('refuses an _id longer than 512 bytes as Elasticsearch does, keeping the batch', () => {
    const long = 'é'.repeat(300);
    const body = `{"index":{"_id":"${long}"}}\n{"message":"x"}\n{"index":{}}\n{"message":"y"}\n`;
    const { items, records } = parseBulk(body);
    expect(items[0]).toMatchObject({
      status: 400,
      error: { type: 'action_request_validation_exception' },
    });
    expect(items[0].error?.reason).toContain('must be no longer than 512 bytes but was: 600');
    expect(records.map((r) => r.data.message)).toEqual(['y']);
  });

  it("indexes an update's doc (and doc_as_upsert) as the document under its _id", () => {
    const body =
      '{"update":{"_index":"logstash","_id":"a1"}}\n{"doc":{"message":"patched"},"doc_as_upsert":true}\n' +
      '{"update":{"_id":"a2"}}\n{"doc":{"message":"other"}}\n';
    const { items, records } = parseBulk(body);
    expect(items.map((i) => i.action)).toEqual(['update', 'update']);
    expect(records).toEqual([
      {
        data: { message: 'patched' },
        raw: '{"doc":{"message":"patched"},"doc_as_upsert":true}',
        id: 'a1',
        index: 'logstash',
      },
      { data: { message: 'other' }, raw: '{"doc":{"message":"other"}}', id: 'a2', index: 'logs' },
    ]);
  });

  it('refuses updates without a doc, with a script or without an _id, per item', () => {
    const body =
      '{"update":{"_id":"a"}}\n{"script":{"source":"ctx._source.n++"}}\n' +
      '{"update":{"_id":"b"}}\n{"upsert":{"n":1}}\n' +
      '{"update":{"_id":"c"}}\n{"doc":"text"}\n' +
      '{"update":{}}\n{"doc":{"message":"no id"}}\n' +
      '{"index":{}}\n{"message":"kept"}\n';
    const { items, records } = parseBulk(body);
    expect(items.map((i) => i.error?.type)).toEqual([
      'illegal_argument_exception',
      'action_request_validation_exception',
      'document_parsing_exception',
      'action_request_validation_exception',
      undefined,
    ]);
    expect(items[1].error?.reason).toBe('Validation Failed: 1: script or doc is missing;');
    expect(items[3].error?.reason).toBe('Validation Failed: 1: id is missing;');
    expect(records.map((r) => r.data.message)).toEqual(['kept']);
  });

  it('refuses delete with a final 400 and reads the next line as an action, not a source', () => {
    const body =
      '{"delete":{"_index":"app","_id":"old-1"}}\n{"index":{"_index":"app"}}\n{"message":"after"}\n';
    const { items, records } = parseBulk(body);
    expect(items[0]).toEqual<BulkItemFailure>({
      action: 'delete',
      index: 'app',
      id: 'old-1',
      status: 400,
      error: {
        type: 'illegal_argument_exception',
        reason: expect.stringContaining('delete is not supported') as string,
      },
    });
    expect(records.map((r) => r.data.message)).toEqual(['after']);
  });

  it('skips blank lines, tolerates CRLF and a missing final newline', () => {
    const body = '\n{"index":{}}\r\n\r\n{"message":"a"}\r\n\n  \n{"index":{}}\n{"message":"b"}';
    const { items, records } = parseBulk(body);
    expect(items).toHaveLength(2);
    expect(records.map((r) => r.raw)).toEqual(['{"message":"a"}', '{"message":"b"}']);
  });

  it('fails only the item whose source line is malformed, naming its line', () => {
    const body =
      '{"create":{}}\n{"message":"a"}\n{"create":{}}\n{"message":"b",}\n{"create":{}}\n{"message":"c"}\n';
    const { items, records } = parseBulk(body);
    expect(items).toHaveLength(3);
    expect(items[1]).toMatchObject({
      action: 'create',
      status: 400,
      error: { type: 'document_parsing_exception' },
    });
    expect(items[1].error?.reason).toMatch(/^failed to parse the document on line 4: /);
    expect(records.map((r) => r.data.message)).toEqual(['a', 'c']);
  });

  it('fails sources that are JSON but not objects', () => {
    const body = '{"index":{}}\n[1,2]\n{"index":{}}\n"str"\n{"index":{}}\nnull\n';
    const { items, records } = parseBulk(body);
    expect(records).toEqual([]);
    expect(items.map((i) => i.error?.reason)).toEqual([
      'the document on line 2 is an array, expected a JSON object',
      'the document on line 4 is a string, expected a JSON object',
      'the document on line 6 is null, expected a JSON object',
    ]);
  });

  it('answers a final action without its source as an item error, keeping one item per action', () => {
    const { items, records } = parseBulk('{"index":{}}\n{"message":"a"}\n{"create":{"_id":"z"}}\n');
    expect(records).toHaveLength(1);
    expect(items[1]).toEqual({
      action: 'create',
      index: 'logs',
      id: 'z',
      status: 400,
      error: {
        type: 'action_request_validation_exception',
        reason: 'Validation Failed: 1: source is missing;',
      },
    });
  });

  it('fails the whole request like Elasticsearch for a malformed action line', () => {
    const body = '{"index":{}}\n{"message":"a"}\n{"message":"not an action"}\n{"message":"b"}\n';
    const error = thrown(() => parseBulk(body));
    const reason =
      'Malformed action/metadata line [3], expected one of [create, delete, index, update] but found [message]';
    expect(error).toMatchObject({ status: 400, code: 'malformed_bulk_action', message: reason });
    expect(error.elasticsearchBody).toBe(
      `{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"${reason}"}],"type":"illegal_argument_exception","reason":"${reason}"},"status":400}`,
    );
  });

  it.each([
    ['not JSON', '{"index":', /line \[1\], expected a JSON object but found invalid JSON/],
    ['an array', '[{"index":{}}]', /line \[1\], expected a JSON object but found an array/],
    ['two actions', '{"index":{},"create":{}}', /found \[index, create\]/],
    ['empty object', '{}', /found \[\]$/],
    ['a null metadata', '{"index":null}', /expected an object for \[index\] but found null/],
    [
      'an object _id',
      '{"index":{"_id":{"a":1}}}',
      /simple value for field \[_id\] but found an object/,
    ],
  ])('fails the whole request for an action line that is %s', (_name, line, reason) => {
    const error = thrown(() => parseBulk(`${line}\n{"message":"x"}\n`));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(reason);
    expect(JSON.parse(error.elasticsearchBody ?? '')).toMatchObject({
      status: 400,
      error: { type: 'illegal_argument_exception' },
    });
  });

  it('fails an empty bulk request as Elasticsearch does', () => {
    const error = thrown(() => parseBulk('\n\n'));
    expect(error).toMatchObject({ status: 400, code: 'empty_bulk' });
    expect(JSON.parse(error.elasticsearchBody ?? '')).toMatchObject({
      error: {
        type: 'action_request_validation_exception',
        reason: 'Validation Failed: 1: no requests added;',
      },
    });
  });

  it('keeps a 1,600-event batch intact and in order', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1600; i++) {
      lines.push('{"create":{"_index":"filebeat-8.19.0"}}', `{"seq":${i},"message":"line ${i}"}`);
    }
    const { items, records } = parseBulk(`${lines.join('\n')}\n`);
    expect(items).toHaveLength(1600);
    expect(records.map((r) => r.data.seq)).toEqual([...Array(1600).keys()]);
  });
});

const ACTION_LINES = [
  '{"create":{"_index":"filebeat"}}',
  '{"create":{"_index":"filebeat"}}',
  '{"index":{}}',
  '{"index":{"_id":"fixed"}}',
  '{"update":{"_id":"u1"}}',
  '{"update":{}}',
  '{"delete":{"_id":"d1"}}',
];
const SOURCE_LINES = [
  '{"message":"a"}',
  '{"message":"a"}',
  '{"message":"é 漢字","n":1}',
  '{"doc":{"message":"patched"}}',
  '{"script":{"source":"x"}}',
  '{"message": broken}',
  '[1]',
  'null',
];

const unlimited: PageLimits = { items: Infinity, bytes: Infinity, maxRecordWeight: Infinity };

describe('bulkPages', () => {
  it('yields in pages exactly the items and records of the whole body, for random bodies', () => {
    const next = seededRandom(9);
    const pick = (lines: string[]) => lines[Math.floor(next() * lines.length)];
    for (let round = 0; round < 1000; round++) {
      const lines: string[] = [];
      const actions = 1 + Math.floor(next() * 25);
      for (let i = 0; i < actions; i++) {
        const action = pick(ACTION_LINES);
        lines.push(action);
        if (next() < 0.1) lines.push('');
        if (!action.startsWith('{"delete"') && (i < actions - 1 || next() < 0.9)) {
          lines.push(pick(SOURCE_LINES));
        }
      }
      const body = lines.join(next() < 0.3 ? '\r\n' : '\n') + '\n';
      const limits = { ...unlimited, items: 1 + Math.floor(next() * 5) };
      if (next() < 0.5) limits.bytes = 1 + Math.floor(next() * 80);
      const pages = [...bulkPages(Buffer.from(body), 'url-index', limits)];
      expect({
        items: pages.flatMap((page) => page.items),
        records: pages.flatMap((page) => page.records),
      }).toEqual(parseBulk(body, 'url-index'));
      expect(pages.map((page) => page.more)).toEqual(pages.map((_, i) => i < pages.length - 1));
      for (const page of pages) {
        expect(page.items.length).toBeGreaterThan(0);
        expect(page.items.length).toBeLessThanOrEqual(limits.items);
      }
    }
  });

  it('fails a malformed action line of a late page before any page is read', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) lines.push('{"create":{}}', `{"seq":${i}}`);
    lines.push('{"message":"not an action"}', '{"seq":50}');
    const error = thrown(() =>
      bulkPages(Buffer.from(lines.join('\n')), undefined, { ...unlimited, items: 10 }),
    );
    expect(error).toMatchObject({ status: 400, code: 'malformed_bulk_action' });
    expect(error.message).toContain('line [101]');
  });

  it("answers a source line too heavy to parse as that item's error, keeping the others", () => {
    const big = JSON.stringify({ message: 'x'.repeat(100) });
    const body = `{"index":{"_id":"a"}}\n{"n":1}\n{"index":{"_id":"b"}}\n${big}\n{"index":{"_id":"c"}}\n{"n":3}\n`;
    const [page] = [
      ...bulkPages(Buffer.from(body), undefined, { ...unlimited, maxRecordWeight: 100 }),
    ];
    expect(page.items.map((item) => [item.id, item.error === undefined])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ]);
    expect(page.items[1].error?.reason).toBe(
      `the document on line 4 is ${big.length} bytes, which with its objects and arrays count as ${big.length + 32}, over the limit of 100 for one document`,
    );
    expect(page.records.map((record) => record.data.n)).toEqual([1, 3]);
  });
});
