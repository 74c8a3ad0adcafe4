import { MAX_QUERY_LENGTH, parseQuery } from './parse-query';
import type { QueryNode } from './query-ast';
import { QuerySyntaxError } from './query-syntax-error';

const NOW = Date.parse('2024-05-15T10:30:00Z');
const parse = (query: string) => parseQuery(query, { now: NOW });
const text = (value: string, prefix = false): QueryNode => ({ kind: 'text', value, prefix });
const term = (field: string, value: string | number | boolean): QueryNode => ({
  kind: 'term',
  field,
  value,
});

describe('parseQuery', () => {
  it.each<[string, QueryNode]>([
    ['', { kind: 'all' }],
    ['  \t\n ', { kind: 'all' }],
    ['*', { kind: 'all' }],
    ['refused', text('refused')],
    ['connect*', text('connect', true)],
    ['"connection refused"', text('connection refused')],
    ['foo-bar', text('foo-bar')],
    ['message:timeout', text('timeout')],
    ['message:"timed out"', text('timed out')],
    ['message:time*', text('time', true)],
    ['message:*', { kind: 'exists', field: 'message' }],
    ['container.name:api', term('container.name', 'api')],
    ['container.name: api', term('container.name', 'api')],
    ['user.name:"John Smith"', term('user.name', 'John Smith')],
    ['"weird key":x', term('weird key', 'x')],
    ['http.response.status_code:404', term('http.response.status_code', 404)],
    ['http.response.status_code:"404"', term('http.response.status_code', '404')],
    ['http.response.status_code:=404', term('http.response.status_code', 404)],
    ['network.bytes:-1.5', term('network.bytes', -1.5)],
    ['trace.id:12345678901234567890', term('trace.id', '12345678901234567890')],
    ['container.privileged:true', term('container.privileged', true)],
    ['container.privileged:TRUE', term('container.privileged', 'TRUE')],
    ['source.ip:10.0.0.1', term('source.ip', '10.0.0.1')],
    ['destination.ip:fe80::1', term('destination.ip', 'fe80::1')],
    ['url.path:/api/v1/login', term('url.path', '/api/v1/login')],
    ['url.path:"/api/"', term('url.path', '/api/')],
    ['url.full:http\\://x/\\(y\\)', term('url.full', 'http://x/(y)')],
    ['user.name:adm*', { kind: 'wildcard', field: 'user.name', pattern: 'adm*' }],
    ['user.name:?dmin', { kind: 'wildcard', field: 'user.name', pattern: '?dmin' }],
    ['file.name:a\\*b*', { kind: 'wildcard', field: 'file.name', pattern: 'a\\*b*' }],
    ['file.name:a\\*b', term('file.name', 'a*b')],
    ['user.name:*', { kind: 'exists', field: 'user.name' }],
    ['code:[400 TO 499]', { kind: 'range', field: 'code', gte: 400, lte: 499 }],
    ['code:{400 TO 499}', { kind: 'range', field: 'code', gt: 400, lt: 499 }],
    ['code:[400 TO 499}', { kind: 'range', field: 'code', gte: 400, lt: 499 }],
    ['code:[500 TO *]', { kind: 'range', field: 'code', gte: 500 }],
    ['code:[* TO *]', { kind: 'exists', field: 'code' }],
    ['version:[1.2.0 TO 1.10.0]', { kind: 'range', field: 'version', gte: '1.2.0', lte: '1.10.0' }],
    ['version:[1 TO beta]', { kind: 'range', field: 'version', gte: '1', lte: 'beta' }],
    ['code:["400" TO "499"]', { kind: 'range', field: 'code', gte: '400', lte: '499' }],
    ['code:>=500', { kind: 'range', field: 'code', gte: 500 }],
    ['code:>500', { kind: 'range', field: 'code', gt: 500 }],
    ['code:<10', { kind: 'range', field: 'code', lt: 10 }],
    ['code:<=10', { kind: 'range', field: 'code', lte: 10 }],
    ['name:>m', { kind: 'range', field: 'name', gt: 'm' }],
    [
      '@timestamp:>now-15m',
      { kind: 'range', field: '@timestamp', gt: Date.parse('2024-05-15T10:15:00Z') },
    ],
    [
      '@timestamp:[2024-05-01T00:00:00Z TO 2024-05-02]',
      {
        kind: 'range',
        field: '@timestamp',
        gte: Date.parse('2024-05-01T00:00:00Z'),
        lte: Date.parse('2024-05-02T00:00:00Z'),
      },
    ],
    [
      '@timestamp:[now-1d/d TO now/d]',
      {
        kind: 'range',
        field: '@timestamp',
        gte: Date.parse('2024-05-14T00:00:00Z'),
        lte: Date.parse('2024-05-15T23:59:59.999Z'),
      },
    ],
    [
      '@timestamp:{now/d TO now/d}',
      {
        kind: 'range',
        field: '@timestamp',
        gt: Date.parse('2024-05-15T23:59:59.999Z'),
        lt: Date.parse('2024-05-15T00:00:00Z'),
      },
    ],
    ['@timestamp:1715769000000', term('@timestamp', 1715769000000)],
    ['@timestamp:"2024-05-15T12:30:00+02:00"', term('@timestamp', NOW)],
    ['@timestamp:*', { kind: 'exists', field: '@timestamp' }],
  ])('%s', (query, expected) => {
    expect(parse(query)).toEqual(expected);
  });

  describe('boolean structure', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((v) => text(v));

    it.each<[string, QueryNode]>([
      ['a b', { kind: 'and', children: [a, b] }],
      ['a AND b AND c', { kind: 'and', children: [a, b, c] }],
      ['a OR b', { kind: 'or', children: [a, b] }],
      ['a OR b AND c', { kind: 'or', children: [a, { kind: 'and', children: [b, c] }] }],
      ['a AND b OR c', { kind: 'or', children: [{ kind: 'and', children: [a, b] }, c] }],
      [
        'a b OR c d',
        {
          kind: 'or',
          children: [
            { kind: 'and', children: [a, b] },
            { kind: 'and', children: [c, d] },
          ],
        },
      ],
      ['(a OR b) AND c', { kind: 'and', children: [{ kind: 'or', children: [a, b] }, c] }],
      ['a AND (b AND c)', { kind: 'and', children: [a, b, c] }],
      ['((a))', a],
      ['NOT a', { kind: 'not', child: a }],
      ['-a', { kind: 'not', child: a }],
      ['NOT a AND b', { kind: 'and', children: [{ kind: 'not', child: a }, b] }],
      ['a -b', { kind: 'and', children: [a, { kind: 'not', child: b }] }],
      ['a OR NOT b', { kind: 'or', children: [a, { kind: 'not', child: b }] }],
      ['-(a OR b)', { kind: 'not', child: { kind: 'or', children: [a, b] } }],
      ['NOT (a b)', { kind: 'not', child: { kind: 'and', children: [a, b] } }],
      ['a and b', { kind: 'and', children: [a, text('and'), b] }],
      ['x:-5', term('x', -5)],
    ])('%s', (query, expected) => {
      expect(parse(query)).toEqual(expected);
    });
  });

  describe('errors', () => {
    it.each<[string, number, string]>([
      ['a AND', 5, 'Unexpected end of query after "AND" at position 5'],
      ['a:b AND AND c', 8, 'Unexpected "AND" at position 8'],
      ['OR a', 0, 'Unexpected "OR" at position 0'],
      ['a OR OR b', 5, 'Unexpected "OR" at position 5'],
      ['NOT AND a', 4, 'Unexpected "AND" at position 4'],
      ['a NOT', 5, 'Unexpected end of query after "NOT" at position 5'],
      ['(a OR b', 0, 'Missing ")" to close the "(" at position 0'],
      ['a OR b)', 6, 'Unexpected ")" at position 6'],
      ['a AND ()', 6, 'Empty parentheses at position 6'],
      ['"unterminated phrase', 0, 'Unterminated quoted string at position 0'],
      ['a:"x"y', 5, 'Unexpected "y" at position 5'],
      ['status:', 7, 'Missing value for field "status" at position 7'],
      ['status: AND a', 8, 'Missing value for field "status" at position 8'],
      [':x', 0, 'Missing field name before ":" at position 0'],
      ['12:30', 0, 'Invalid field name "12" at position 0'],
      ['labels.*:x', 0, 'Invalid field name "labels.*" at position 0'],
      ['a..b:x', 0, 'Invalid field name "a..b" at position 0'],
      ['!a', 0, 'Unexpected "!" at position 0'],
      ['a && b', 2, 'Nothing to search for in "&&" at position 2'],
      ['f*o', 0, 'Wildcards in full-text search only work at the end of a word at position 0'],
      ['message:>5', 0, '"message" supports full-text search only at position 0'],
      ['url.path:/api/', 9, 'Regular expressions are not supported at position 9'],
      ['a:[1 TO 5', 9, 'Expected "]" or "}" at position 9'],
      ['a:[1 5]', 5, 'Expected " TO " at position 5'],
      ['a:[ TO 5]', 4, 'Missing range bound at position 4'],
      ['a:[1* TO 5]', 3, 'Wildcards are not allowed in range bounds at position 3'],
      ['a:>1*', 3, 'Wildcards are not allowed in comparisons at position 3'],
      ['@timestamp:>yesterday', 12, 'Invalid time "yesterday" at position 12'],
      ['@timestamp:[now-1h TO 2024-13-01]', 22, 'Invalid time "2024-13-01" at position 22'],
      ['@timestamp:2024*', 11, 'Wildcards are not supported on @timestamp at position 11'],
      ['a\\', 1, 'Nothing to escape after "\\" at position 1'],
      ['x '.repeat(20) + 'AND', 43, 'Unexpected end of query after "AND" at position 43'],
    ])('%s', (query, position, message) => {
      const error = catchError(() => parse(query));
      expect(error).toBeInstanceOf(QuerySyntaxError);
      expect(error).toMatchObject({ position });
      expect((error as Error).message).toContain(message);
    });

    it('rejects queries longer than the limit', () => {
      expect(() => parse('a '.repeat(MAX_QUERY_LENGTH / 2))).not.toThrow();
      expect(catchError(() => parse('a'.repeat(MAX_QUERY_LENGTH + 1)))).toMatchObject({
        name: 'QuerySyntaxError',
        position: MAX_QUERY_LENGTH,
      });
    });

    it('rejects parentheses nested too deeply to be a real query', () => {
      expect(() => parse(`${'('.repeat(32)}a${')'.repeat(32)}`)).not.toThrow();
      expect(catchError(() => parse(`${'('.repeat(33)}a${')'.repeat(33)}`))).toMatchObject({
        position: 32,
      });
    });

    it('fails only with QuerySyntaxError on arbitrary combinations of syntax', () => {
      const pieces = [
        'a',
        'b:1',
        '"p q"',
        'AND',
        'OR',
        'NOT',
        '-',
        '(',
        ')',
        '*',
        'c:[1 TO 2]',
        ':',
        '"',
        '\\',
      ];
      let state = 1;
      const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
      for (let i = 0; i < 3000; i++) {
        const length = 1 + Math.floor(random() * 7);
        const query = Array.from(
          { length },
          () => pieces[Math.floor(random() * pieces.length)],
        ).join(random() < 0.7 ? ' ' : '');
        const error = catchError(() => parse(query));
        if (error !== undefined)
          expect([query, error]).toEqual([query, expect.any(QuerySyntaxError)]);
      }
    });
  });

  it('resolves date math against the time given, defaulting to the current time', () => {
    const before = Date.now();
    const node = parseQuery('@timestamp:>=now') as { gte: number };
    expect(node.gte).toBeGreaterThanOrEqual(before);
    expect(node.gte).toBeLessThanOrEqual(Date.now());
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
