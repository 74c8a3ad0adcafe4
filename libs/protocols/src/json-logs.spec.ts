import { decodeJsonLogs } from './json-logs';

describe('decodeJsonLogs', () => {
  it('takes a single JSON object as one record whose raw is the body', () => {
    const body = '{"message":"user login","user":{"name":"alice"}}\n';
    expect(decodeJsonLogs(body)).toEqual({
      records: [{ data: { message: 'user login', user: { name: 'alice' } }, raw: body.trim() }],
      errors: [],
    });
  });

  it('takes a pretty-printed multi-line object as one record', () => {
    const body = '{\n  "message": "disk full",\n  "log": { "level": "error" }\n}\n';
    const { records, errors } = decodeJsonLogs(body);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { data: { message: 'disk full', log: { level: 'error' } }, raw: body.trim() },
    ]);
  });

  it('takes an object whose first line happens to close a nested object as one document', () => {
    const body = '{"message": "x", "labels": {"a": "b"}\n, "tenant": "t1"}';
    expect(decodeJsonLogs(body).records).toEqual([
      { data: { message: 'x', labels: { a: 'b' }, tenant: 't1' }, raw: body },
    ]);
  });

  it('takes each object of a JSON array, raw being that element alone', () => {
    const { records, errors } = decodeJsonLogs('[{"message":"a"}, {"message":"b"}]');
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { data: { message: 'a' }, raw: '{"message":"a"}' },
      { data: { message: 'b' }, raw: '{"message":"b"}' },
    ]);
  });

  it('takes a pretty-printed array', () => {
    const body = '[\n  {"message": "a"},\n  {"message": "b"}\n]\n';
    expect(decodeJsonLogs(body).records.map((r) => r.data.message)).toEqual(['a', 'b']);
  });

  it('reports array elements that are not objects by array index and keeps the others', () => {
    const { records, errors } = decodeJsonLogs(
      '[{"message":"a"}, 42, null, "text", [1], {"message":"b"}]',
    );
    expect(records.map((r) => r.data.message)).toEqual(['a', 'b']);
    expect(errors).toEqual([
      { index: 1, reason: 'element 1 is a number, expected an object' },
      { index: 2, reason: 'element 2 is null, expected an object' },
      { index: 3, reason: 'element 3 is a string, expected an object' },
      { index: 4, reason: 'element 4 is an array, expected an object' },
    ]);
  });

  it('takes NDJSON line by line, raw being the line as received', () => {
    const body = '{"message":"a"}\n{"message":"b"}\n{"message":"c"}\n';
    const { records, errors } = decodeJsonLogs(body);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { data: { message: 'a' }, raw: '{"message":"a"}' },
      { data: { message: 'b' }, raw: '{"message":"b"}' },
      { data: { message: 'c' }, raw: '{"message":"c"}' },
    ]);
  });

  it('tolerates CRLF, blank lines, a missing final newline and a byte order mark', () => {
    const body = '\uFEFF{"message":"a"}\r\n\r\n   \r\n{"message":"b"}\r\n{"message":"c"}';
    const { records, errors } = decodeJsonLogs(body);
    expect(errors).toEqual([]);
    expect(records.map((r) => r.raw)).toEqual([
      '{"message":"a"}',
      '{"message":"b"}',
      '{"message":"c"}',
    ]);
  });

  it('keeps good NDJSON lines around a malformed one, counting blank lines in the line number only', () => {
    const body = '{"message":"a"}\n\n{"message": oops}\n{"message":"c"}\n7\n';
    const { records, errors } = decodeJsonLogs(body);
    expect(records.map((r) => r.data.message)).toEqual(['a', 'c']);
    expect(errors).toHaveLength(2);
    expect(errors[0].index).toBe(1);
    expect(errors[0].reason).toMatch(/^line 3: .*JSON/);
    expect(errors[1]).toEqual({ index: 3, reason: 'line 5 is a number, expected an object' });
  });

  it('does not take NDJSON whose first line is an array for one document', () => {
    const { records, errors } = decodeJsonLogs('[1,2]\n{"message":"a"}\n');
    expect(records.map((r) => r.data.message)).toEqual(['a']);
    expect(errors).toEqual([{ index: 0, reason: 'line 1 is an array, expected an object' }]);
  });

  it('keeps the rest of NDJSON whose first line is broken', () => {
    const { records, errors } = decodeJsonLogs(
      '{"message":"trunc\n{"message":"b"}\n{"message":"c"}\n',
    );
    expect(records.map((r) => r.data.message)).toEqual(['b', 'c']);
    expect(errors).toHaveLength(1);
    expect(errors[0].index).toBe(0);
    expect(errors[0].reason).toMatch(/^line 1: /);
  });

  it('reports a malformed pretty-printed document once, with the parser position', () => {
    const { records, errors } = decodeJsonLogs('{\n  "message": "a"\n  "level": "info"\n}\n');
    expect(records).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].index).toBe(0);
    expect(errors[0].reason).toMatch(/^invalid JSON: .*position \d+/);
  });

  it('reports a single malformed line', () => {
    const { records, errors } = decodeJsonLogs('hello world');
    expect(records).toEqual([]);
    expect(errors).toEqual([
      { index: 0, reason: expect.stringMatching(/^line 1: .*not valid JSON/) },
    ]);
  });

  it('reports a body that is a bare value', () => {
    expect(decodeJsonLogs('42').errors).toEqual([
      { index: 0, reason: 'body is a number, expected an object, an array of objects or NDJSON' },
    ]);
  });

  it('yields nothing for an empty or blank body', () => {
    expect(decodeJsonLogs('')).toEqual({ records: [], errors: [] });
    expect(decodeJsonLogs(' \r\n\n')).toEqual({ records: [], errors: [] });
  });
});
