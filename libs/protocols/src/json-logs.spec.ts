import { decodeJsonLogs, jsonLogPages, type JsonLogsPage } from './json-logs';
import type { PageLimits } from './pages';
import { seededRandom } from './testing/seeded-random';

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

const LINES = [
  '{"message":"a"}',
  '{"message":"a"}',
  '{"message":"é 漢字 😀","n":1}',
  '{"message": oops}',
  '{"message":"trunc',
  '42',
  '[1,2]',
  '"text"',
  'null',
  '',
  '   ',
  '{',
  '}',
  '[',
  ']',
  '{"message":"x"},',
];

function randomBody(next: () => number): string {
  const shape = next();
  const count = Math.floor(next() * 30);
  const pick = () => LINES[Math.floor(next() * LINES.length)];
  if (shape < 0.15) {
    const elements = Array.from({ length: count }, () =>
      next() < 0.8 ? `{"seq":${Math.floor(next() * 5)}}` : pick() || '0',
    );
    return next() < 0.5 ? `[${elements.join(',')}]` : `[\n  ${elements.join(',\n  ')}\n]\n`;
  }
  const ending = next() < 0.3 ? '\r\n' : '\n';
  return Array.from({ length: count }, pick).join(ending) + (next() < 0.5 ? ending : '');
}

function pagesOf(body: string, limits: PageLimits): JsonLogsPage[] {
  return [...jsonLogPages(Buffer.from(body), limits)];
}

const unlimited: PageLimits = { items: Infinity, bytes: Infinity, maxRecordWeight: Infinity };

describe('jsonLogPages', () => {
  it('yields in pages exactly the records and errors of the whole body, for random bodies', () => {
    const next = seededRandom(42);
    for (let round = 0; round < 2000; round++) {
      const body = randomBody(next);
      const limits = { ...unlimited, items: 1 + Math.floor(next() * 6) };
      if (next() < 0.5) limits.bytes = 1 + Math.floor(next() * 60);
      const pages = pagesOf(body, limits);
      expect({
        records: pages.flatMap((page) => page.records),
        errors: pages.flatMap((page) => page.errors),
      }).toEqual(decodeJsonLogs(body));
      expect(pages.map((page) => page.more)).toEqual(pages.map((_, i) => i < pages.length - 1));
      for (const page of pages) {
        expect(page.records.length + page.errors.length).toBeGreaterThan(0);
        expect(page.records.length + page.errors.length).toBeLessThanOrEqual(limits.items);
      }
    }
  });

  it('cuts NDJSON into pages of at most the given items or bytes, indexes counting from the body start', () => {
    const body = Array.from({ length: 10 }, (_, i) => `{"seq":${i}}`).join('\n');
    const byItems = pagesOf(`${body}\nnull\n`, { ...unlimited, items: 4 });
    expect(byItems.map((page) => page.records.map((r) => r.data.seq))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(byItems[2].errors).toEqual([
      { index: 10, reason: 'line 11 is null, expected an object' },
    ]);
    // Each line is 9 bytes: a page closes once it reaches 20.
    const byBytes = pagesOf(body, { ...unlimited, bytes: 20 });
    expect(byBytes.map((page) => page.records.length)).toEqual([3, 3, 3, 1]);
  });

  it('parses NDJSON only as far as the page asked for', () => {
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => `{"seq":${i}}`).join('\n'));
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const pages = jsonLogPages(body, { ...unlimited, items: 100 });
      expect(pages.next().value?.records).toHaveLength(100);
      expect(parse.mock.calls.length).toBeLessThanOrEqual(101);
    } finally {
      parse.mockRestore();
    }
  });

  it('pages the elements of a JSON array, keeping each error at its array index', () => {
    const body = JSON.stringify([{ n: 0 }, 1, { n: 2 }, { n: 3 }, 'x', { n: 5 }]);
    const pages = pagesOf(body, { ...unlimited, items: 2 });
    expect(pages.map((page) => page.records.map((r) => r.raw))).toEqual([
      ['{"n":0}'],
      ['{"n":2}', '{"n":3}'],
      ['{"n":5}'],
    ]);
    expect(pages.flatMap((page) => page.errors.map((e) => e.index))).toEqual([1, 4]);
  });

  it('refuses a line too heavy to parse unread, keeping the lines around it', () => {
    // Few bytes, but 301 objects: parsed, it would take ~20 times its size.
    const dense = JSON.stringify({ spans: Array.from({ length: 300 }, () => ({})) });
    const pages = pagesOf(`{"n":1}\n${dense}\n{"n":2}\n`, {
      ...unlimited,
      maxRecordWeight: 2_000,
    });
    expect(dense.length).toBeLessThan(2_000);
    expect(pages.flatMap((page) => page.records.map((r) => r.data.n))).toEqual([1, 2]);
    expect(pages.flatMap((page) => page.errors)).toEqual([
      {
        index: 1,
        reason: `line 2 is ${dense.length} bytes, which with its objects and arrays count as ${dense.length + 302 * 32}, over the limit of 2000 for one event`,
      },
    ]);
  });

  it('refuses a JSON document too heavy to parse, naming it, unless it reads as NDJSON', () => {
    const limits = { ...unlimited, maxRecordWeight: 100 };
    const document = JSON.stringify([{ message: 'x'.repeat(30) }, { message: 'y'.repeat(30) }]);
    const pretty = JSON.stringify({ message: 'x'.repeat(40), level: 'info' }, null, 2);
    expect(pagesOf(document, limits).flatMap((page) => page.errors)).toEqual([
      {
        index: 0,
        reason: `the body is ${document.length} bytes, which with its objects and arrays count as ${document.length + 3 * 32}, over the limit of 100 for one JSON document; send NDJSON instead`,
      },
    ]);
    expect(pagesOf(pretty, limits).flatMap((page) => page.errors)).toEqual([
      {
        index: 0,
        reason: `the body is ${pretty.length} bytes, which with its objects and arrays count as ${pretty.length + 32}, over the limit of 100 for one JSON document; send NDJSON instead`,
      },
    ]);
    const ndjson = pagesOf(`{"broken\n{"n":1}\n{"n":2}\n${'\n'.repeat(60)}`, limits);
    expect(ndjson.flatMap((page) => page.records.map((r) => r.data.n))).toEqual([1, 2]);
  });
});
