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

  describe('field groups', () => {
    it.each<[string, string]>([
      ['status:(401 OR 403)', 'status:401 OR status:403'],
      [
        'process.name:(sh OR bash OR zsh)',
        'process.name:sh OR process.name:bash OR process.name:zsh',
      ],
      ['f:(a AND b)', 'f:a AND f:b'],
      ['f:(a b)', 'f:a AND f:b'],
      ['f:(a OR b c)', 'f:a OR (f:b AND f:c)'],
      ['f:(a -b)', 'f:a AND NOT f:b'],
      ['NOT level:(debug OR trace)', 'NOT (level:debug OR level:trace)'],
      ['-level:(debug OR trace)', 'NOT (level:debug OR level:trace)'],
      ['x AND f:(a OR b)', 'x AND (f:a OR f:b)'],
      ['f:(a OR b) c', '(f:a OR f:b) AND c'],
      ['f:((a OR b) AND NOT c)', '(f:a OR f:b) AND NOT f:c'],
      ['f:(((a)))', 'f:a'],
      ['f: ( a OR b )', 'f:a OR f:b'],
      ['f:(a) g:(b OR c)', 'f:a AND (g:b OR g:c)'],
      ['f:("disk full" OR oom* OR *)', 'f:"disk full" OR f:oom* OR f:*'],
      ['message:("disk full" OR oom*)', '"disk full" OR oom*'],
      ['f:([1 TO 5] OR {10 TO *] OR 42)', 'f:[1 TO 5] OR f:{10 TO *] OR f:42'],
      ['f:(>=500 OR <100 OR =204)', 'f:>=500 OR f:<100 OR f:=204'],
      ['"weird key":(x OR y)', '"weird key":x OR "weird key":y'],
      ['ip:(fe80\\:\\:1 OR "::1")', 'ip:fe80::1 OR ip:"::1"'],
      ['f:(\\-1 OR ANDROID OR ORACLE OR NOTICE)', 'f:-1 OR f:ANDROID OR f:ORACLE OR f:NOTICE'],
      [
        '@timestamp:(now-1d/d OR [now-1h TO now])',
        '@timestamp:now-1d/d OR @timestamp:[now-1h TO now]',
      ],
    ])('%s means %s', (grouped, distributed) => {
      expect(parse(grouped)).toEqual(parse(distributed));
    });

    it('applies the field to every value and keeps the group together', () => {
      expect(parse('status:(401 OR 403)')).toEqual({
        kind: 'or',
        children: [term('status', 401), term('status', 403)],
      });
      expect(parse('NOT user.name:(root OR admin) AND x')).toEqual({
        kind: 'and',
        children: [
          {
            kind: 'not',
            child: {
              kind: 'or',
              children: [term('user.name', 'root'), term('user.name', 'admin')],
            },
          },
          text('x'),
        ],
      });
    });

    it('reads only the group with the field, not what follows it', () => {
      expect(parse('f:(a) b:c d')).toEqual({
        kind: 'and',
        children: [term('f', 'a'), term('b', 'c'), text('d')],
      });
    });

    it.each<[string, number, string]>([
      ['a:(1 OR', 2, 'Missing ")" to close the "(" at position 2'],
      ['x OR a:(1 OR (2)', 7, 'Missing ")" to close the "(" at position 7'],
      ['a:()', 2, 'Empty group for field "a" at position 2'],
      ['x a:(  )', 4, 'Empty group for field "a" at position 4'],
      ['a:(())', 3, 'Empty parentheses at position 3'],
      ['a:(b:1)', 3, 'Nested field "b" in the group for field "a" at position 3'],
      ['a:(1 OR b:(2))', 8, 'Nested field "b" in the group for field "a" at position 8'],
      ['a:(1 "b c":2)', 5, 'Nested field "b c" in the group for field "a" at position 5'],
      ['a:(>=b:1)', 5, 'Nested field "b" in the group for field "a" at position 5'],
      ['ip:(fe80::1)', 4, 'Nested field "fe80" in the group for field "ip" at position 4'],
      ['a:(1 :2)', 5, 'Unexpected ":" in the group for field "a" at position 5'],
      ['a:(1 OR OR 2)', 8, 'Unexpected "OR" at position 8'],
      ['a:(OR 1)', 3, 'Unexpected "OR" at position 3'],
      ['a:(1 OR)', 7, 'Unexpected ")" at position 7'],
      ['a:(1 OR 2))', 10, 'Unexpected ")" at position 10'],
      ['a:>(1 OR 2)', 3, 'Missing value for field "a" at position 3'],
      ['a:(> OR 1)', 5, 'Missing value for field "a" at position 5'],
      ['a:(1 OR /x/)', 8, 'Regular expressions are not supported at position 8'],
      ['a:("x"y)', 6, 'Unexpected "y" at position 6'],
      ['a:(1 OR [1 TO 5)', 15, 'Expected "]" or "}" at position 15'],
      ['a:(1 OR [1* TO 5])', 9, 'Wildcards are not allowed in range bounds at position 9'],
      ['message:(a OR >5)', 14, '"message" supports full-text search only at position 14'],
      ['message:(a OR f*o)', 14, 'Wildcards in full-text search only work at the end'],
      ['@timestamp:(now OR yesterday)', 19, 'Invalid time "yesterday" at position 19'],
    ])('%s', (query, position, message) => {
      const error = catchError(() => parse(query));
      expect(error).toBeInstanceOf(QuerySyntaxError);
      expect(error).toMatchObject({ position });
      expect((error as Error).message).toContain(message);
    });

    it('counts the group and the parentheses in it toward the nesting limit', () => {
      expect(() => parse(`${'('.repeat(31)}a:(1${')'.repeat(32)}`)).not.toThrow();
      expect(catchError(() => parse(`${'('.repeat(32)}a:(1${')'.repeat(33)}`))).toMatchObject({
        message: expect.stringContaining('Parentheses nested too deeply') as unknown,
        position: 34,
      });
      expect(() => parse(`a:${'('.repeat(32)}1${')'.repeat(32)}`)).not.toThrow();
      expect(catchError(() => parse(`a:${'('.repeat(33)}1${')'.repeat(33)}`))).toMatchObject({
        position: 34,
      });
    });

    it('counts groups toward the length limit', () => {
      const group = (length: number) => `f:(${'1 OR '.repeat(length)}`.slice(0, length - 2) + '1)';
      expect(group(MAX_QUERY_LENGTH)).toHaveLength(MAX_QUERY_LENGTH);
      expect(() => parse(group(MAX_QUERY_LENGTH))).not.toThrow();
      expect(catchError(() => parse(group(MAX_QUERY_LENGTH + 1)))).toMatchObject({
        name: 'QuerySyntaxError',
        position: MAX_QUERY_LENGTH,
      });
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
        'd:(',
        'e:>',
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
