import {
  compareCodePoints,
  compileMatcher,
  eventTimeMillis,
  parseQuery,
  textTokens,
  type QueryNode,
} from '@logwarden/query';
import type { EcsEvent } from '@logwarden/schema';
import {
  QUERY_CASES,
  QUERY_EVENTS,
  QUERY_NOW,
  randomQueries,
  type QueryEvent,
} from '../testing/query-cases';
import { bulkEntry, type QueryFieldValues } from './elasticsearch-event-document';
import { EventIndexNames, MAX_INDEXED_CHARS } from './elasticsearch-event-mapping';
import { compileElasticsearchQuery, type EsQuery } from './elasticsearch-query-compiler';

const F = '@logwarden';
const ALL = { match_all: {} };
const NONE = { match_none: {} };

type Scalar = string | number | boolean;
const exact = (field: string, values: Scalar[]): EsQuery =>
  values.length === 1 ? { term: { [field]: values[0] } } : { terms: { [field]: values } };
const str = (path: string, ...values: string[]) => exact(`${F}.string.${path}`, values);
const num = (path: string, ...values: number[]) => exact(`${F}.number.${path}`, values);
const numStr = (path: string, ...values: number[]) => exact(`${F}.numeric_string.${path}`, values);
const bool = (path: string, ...values: boolean[]) => exact(`${F}.boolean.${path}`, values);
const present = (...paths: string[]) => exact(`${F}.present`, paths);
const word = (...tokens: string[]) => exact(`${F}.text`, tokens);
const prefix = (token: string) => ({ prefix: { [`${F}.text`]: token } });
const spans = (tokens: string[], last: object) => ({
  span_near: {
    clauses: [...tokens.map((token) => ({ span_term: { [`${F}.text`]: token } })), last],
    slop: 0,
    in_order: true,
  },
});
const phrase = (...tokens: string[]) =>
  spans(tokens.slice(0, -1), { span_term: { [`${F}.text`]: tokens[tokens.length - 1] } });
const phrasePrefix = (...tokens: string[]) =>
  spans(tokens.slice(0, -1), {
    span_multi: { match: { prefix: { [`${F}.text`]: { value: tokens[tokens.length - 1] } } } },
  });
const wildcard = (path: string, value: string) => ({
  wildcard: { [`${F}.string.${path}`]: { value } },
});
type Bounds = { gt?: Scalar; gte?: Scalar; lt?: Scalar; lte?: Scalar };
const strRange = (path: string, bounds: Bounds) => ({ range: { [`${F}.string.${path}`]: bounds } });
const numRange = (path: string, bounds: Bounds) =>
  or(
    { range: { [`${F}.numeric_string.${path}`]: bounds } },
    { range: { [`${F}.number.${path}`]: bounds } },
  );
const time = (bounds: Record<string, string>) => ({
  range: {
    '@timestamp': {
      ...Object.fromEntries(Object.entries(bounds).map(([key, iso]) => [key, Date.parse(iso)])),
      format: 'epoch_millis',
    },
  },
});
const and = (...filter: object[]) => ({ bool: { filter } });
const or = (...should: object[]) => ({ bool: { should, minimum_should_match: 1 } });
const not = (...mustNot: object[]) => ({ bool: { must_not: mustNot } });
const andNot = (filter: object[], mustNot: object[]) => ({ bool: { filter, must_not: mustNot } });

/** The exact DSL of every query of the shared table. */
const DSL: Record<string, object> = {
  '': ALL,
  '*': ALL,
  'NOT *': NONE,
  'container.name:api': str('container.name', 'api'),
  'container.name:API': str('container.name', 'API'),
  'container.name:api*': wildcard('container.name', 'api*'),
  'host.name:node-1*': wildcard('host.name', 'node-1*'),
  'host.name:node-?': wildcard('host.name', 'node-?'),
  'log.level:error': str('log.level', 'error'),
  'log.level:error AND container.name:api': and(
    str('log.level', 'error'),
    str('container.name', 'api'),
  ),
  'event.dataset:auth.audit': str('event.dataset', 'auth.audit'),
  'event.id:e3': str('event.id', 'e3'),
  'service.name:*': present('service.name'),
  'NOT container.name:api': not(str('container.name', 'api')),
  'http.response.status_code:404': or(
    numStr('http.response.status_code', 404),
    num('http.response.status_code', 404),
  ),
  'http.response.status_code:"404"': or(
    str('http.response.status_code', '404'),
    num('http.response.status_code', 404),
  ),
  'http.response.status_code:200': or(
    numStr('http.response.status_code', 200),
    num('http.response.status_code', 200),
  ),
  'http.response.status_code:[400 TO 499]': numRange('http.response.status_code', {
    gte: 400,
    lte: 499,
  }),
  'http.response.status_code:{401 TO 404}': numRange('http.response.status_code', {
    gt: 401,
    lt: 404,
  }),
  'http.response.status_code:>=500': numRange('http.response.status_code', { gte: 500 }),
  'http.response.status_code:<300': numRange('http.response.status_code', { lt: 300 }),
  'network.bytes:>1000': numRange('network.bytes', { gt: 1000 }),
  'network.bytes:<0': numRange('network.bytes', { lt: 0 }),
  'network.bytes:[0 TO 1500]': numRange('network.bytes', { gte: 0, lte: 1500 }),
  'network.bytes:{* TO 0}': numRange('network.bytes', { lt: 0 }),
  'network.bytes:12345678901234567890': str('network.bytes', '12345678901234567890'),
  'process.pid:1234': or(numStr('process.pid', 1234), num('process.pid', 1234)),
  'process.pid:1234.5': or(numStr('process.pid', 1234.5), num('process.pid', 1234.5)),
  'source.port:22': or(numStr('source.port', 22), num('source.port', 22)),
  'container.privileged:true': or(
    str('container.privileged', 'true'),
    bool('container.privileged', true),
  ),
  'container.privileged:"true"': or(
    str('container.privileged', 'true'),
    bool('container.privileged', true),
  ),
  'container.privileged:false': or(
    str('container.privileged', 'false'),
    bool('container.privileged', false),
  ),
  'user.name:admin': str('user.name', 'admin'),
  'user.name:adm*': wildcard('user.name', 'adm*'),
  'user.name:?dmin': wildcard('user.name', '?dmin'),
  'user.name:root': str('user.name', 'root'),
  'user.name:system:anonymous': str('user.name', 'system:anonymous'),
  'user.name:"system:anonymous"': str('user.name', 'system:anonymous'),
  'user.name:😀*': wildcard('user.name', '😀*'),
  'user.name:*': present('user.name'),
  'NOT user.name:*': not(present('user.name')),
  'tags:prod': str('tags', 'prod'),
  'NOT tags:prod': not(str('tags', 'prod')),
  'tags:*': present('tags'),
  'tags:a\\*b': str('tags', 'a*b'),
  'tags:a*b': wildcard('tags', 'a*b'),
  'tags:eu-*': wildcard('tags', 'eu-*'),
  'source.ip:10.0.0.1': str('source.ip', '10.0.0.1'),
  'source.ip:10.0.0.*': wildcard('source.ip', '10.0.0.*'),
  'source.ip:10.0.0.?': wildcard('source.ip', '10.0.0.?'),
  'url.path:"/api/v1/login"': str('url.path', '/api/v1/login'),
  'url.path:/api/v1/*': wildcard('url.path', '/api/v1/*'),
  'http.request.method:POST': str('http.request.method', 'POST'),
  'process.command_line:"/bin/sh -c id"': str('process.command_line', '/bin/sh -c id'),
  'event.outcome:failure': str('event.outcome', 'failure'),
  'NOT event.outcome:failure': not(str('event.outcome', 'failure')),
  'event.outcome:*': present('event.outcome'),
  'labels:core': str('labels', 'core'),
  'labels.team:core': str('labels.team', 'core'),
  'labels:*': present('labels'),
  'items.name:x': str('items.name', 'x'),
  'dotted.key:v': str('dotted.key', 'v'),
  'version:[1.10.0 TO 2.0.0]': strRange('version', { gte: '1.10.0', lte: '2.0.0' }),
  'version:>"1.9"': strRange('version', { gt: '1.9' }),
  'version:>1.9': numRange('version', { gt: 1.9 }),
  refused: word('refused'),
  REFUSED: word('refused'),
  'connect*': prefix('connect'),
  'err*': prefix('err'),
  error: word('error'),
  '"login failed"': phrase('login', 'failed'),
  '"failed login"': phrase('failed', 'login'),
  'foo-bar': phrase('foo', 'bar'),
  '"bar baz"': phrase('bar', 'baz'),
  'foo-ba*': phrasePrefix('foo', 'ba'),
  '"baz foo"': phrase('baz', 'foo'),
  'cafe ECOLE': and(word('cafe'), word('ecole')),
  naïve: word('naive'),
  привет: word('привет'),
  'message:api': word('api'),
  'message:*': present('message'),
  '10.0.0.1': phrase('10', '0', '0', '1'),
  '"30s" retry 3/5': and(word('30s'), word('retry'), phrase('3', '5')),
  'a-b-c': phrase('a', 'b', 'c'),
  emoji: word('emoji'),
  '42': word('42'),
  'NOT refused': not(word('refused')),
  'api AND NOT container.name:api': andNot([word('api')], [str('container.name', 'api')]),
  '(log.level:error OR log.level:warn) AND NOT service.name:auth': andNot(
    [str('log.level', 'error', 'warn')],
    [str('service.name', 'auth')],
  ),
  'log.level:error OR log.level:warn AND service.name:sshd': or(
    str('log.level', 'error'),
    and(str('log.level', 'warn'), str('service.name', 'sshd')),
  ),
  '-log.level:error -log.level:warn': not(str('log.level', 'error'), str('log.level', 'warn')),
  'failed OR refused OR forbidden': word('failed', 'refused', 'forbidden'),
  'NOT (tags:prod OR tags:k8s) AND tags:*': andNot([present('tags')], [str('tags', 'prod', 'k8s')]),
  'user.name:root OR (container.name:api AND NOT log.level:error)': or(
    str('user.name', 'root'),
    andNot([str('container.name', 'api')], [str('log.level', 'error')]),
  ),
  'log.level:(error OR warn)': str('log.level', 'error', 'warn'),
  'NOT log.level:(error OR warn)': not(str('log.level', 'error', 'warn')),
  'host.name:(node-? AND NOT (node-1 OR node-3))': andNot(
    [wildcard('host.name', 'node-?')],
    [str('host.name', 'node-1', 'node-3')],
  ),
  'user.name:(root OR admin)': str('user.name', 'root', 'admin'),
  'user.name:(adm* AND NOT admin)': andNot(
    [wildcard('user.name', 'adm*')],
    [str('user.name', 'admin')],
  ),
  'tags:(prod eu-west-1)': and(str('tags', 'prod'), str('tags', 'eu-west-1')),
  'tags:(prod -eu-west-1)': andNot([str('tags', 'prod')], [str('tags', 'eu-west-1')]),
  'http.response.status_code:(401 OR 403)': or(
    numStr('http.response.status_code', 401, 403),
    num('http.response.status_code', 401, 403),
  ),
  'http.response.status_code:([400 TO 403] OR >=500 OR 200)': or(
    ...numRange('http.response.status_code', { gte: 400, lte: 403 }).bool.should,
    ...numRange('http.response.status_code', { gte: 500 }).bool.should,
    numStr('http.response.status_code', 200),
    num('http.response.status_code', 200),
  ),
  'network.bytes:({* TO 0} OR [1500 TO 2048])': or(
    ...numRange('network.bytes', { lt: 0 }).bool.should,
    ...numRange('network.bytes', { gte: 1500, lte: 2048 }).bool.should,
  ),
  'container.privileged:(true OR false)': or(
    str('container.privileged', 'true', 'false'),
    bool('container.privileged', true, false),
  ),
  'source.ip:(10.0.0.* OR "203.0.113.9")': or(
    wildcard('source.ip', '10.0.0.*'),
    str('source.ip', '203.0.113.9'),
  ),
  'service.name:* AND NOT service.name:(auth OR sshd)': andNot(
    [present('service.name')],
    [str('service.name', 'auth', 'sshd')],
  ),
  'message:("login failed" OR refus*)': or(phrase('login', 'failed'), prefix('refus')),
  'message:(connection AND (refused OR timeout))': and(
    word('connection'),
    word('refused', 'timeout'),
  ),
  'log.level:error OR user.name:(root OR admin) AND tags:prod': or(
    str('log.level', 'error'),
    and(str('user.name', 'root', 'admin'), str('tags', 'prod')),
  ),
  '@timestamp:(<2024-05-01 OR "2024-05-01T12:00:00+02:00")': or(
    time({ lt: '2024-05-01T00:00:00Z' }),
    time({ gte: '2024-05-01T10:00:00Z', lte: '2024-05-01T10:00:00Z' }),
  ),
  '@timestamp:[2024-05-01T10:00:00Z TO 2024-05-01T10:05:00Z]': time({
    gte: '2024-05-01T10:00:00Z',
    lte: '2024-05-01T10:05:00Z',
  }),
  '@timestamp:<2024-05-01': time({ lt: '2024-05-01T00:00:00Z' }),
  '@timestamp:>=now-1d': time({ gte: '2024-05-01T00:00:00Z' }),
  '@timestamp:[now-1d/d TO now-1d/d]': time({
    gte: '2024-05-01T00:00:00Z',
    lte: '2024-05-01T23:59:59.999Z',
  }),
  '@timestamp:"2024-05-01T12:00:00+02:00"': time({
    gte: '2024-05-01T10:00:00Z',
    lte: '2024-05-01T10:00:00Z',
  }),
  'container.name:api AND @timestamp:>2024-05-01T10:01:00Z': and(
    str('container.name', 'api'),
    time({ gt: '2024-05-01T10:01:00Z' }),
  ),
};

const compile = (query: string) => compileElasticsearchQuery(parseQuery(query, { now: QUERY_NOW }));

describe('compileElasticsearchQuery', () => {
  it('has the expected DSL of every query of the shared table', () => {
    expect(Object.keys(DSL).sort()).toEqual(QUERY_CASES.map(([query]) => query).sort());
  });

  it.each(QUERY_CASES.map(([query]) => query))('%s', (query) => {
    expect(compile(query)).toEqual(DSL[query]);
  });

  it('turns a long disjunction of values into one terms clause', () => {
    const children: QueryNode[] = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'term',
      field: 'user.name',
      value: `v${i}`,
    }));
    expect(compileElasticsearchQuery({ kind: 'or', children })).toEqual(
      str('user.name', ...Array.from({ length: 3000 }, (_, i) => `v${i}`)),
    );
  });

  it('needs no bool to negate a negation', () => {
    expect(compile('NOT (NOT user.name:root)')).toEqual(str('user.name', 'root'));
    expect(compile('NOT (NOT user.name:root AND NOT tags:*)')).toEqual(
      or(str('user.name', 'root'), present('tags')),
    );
  });

  it('escapes the characters Lucene wildcards treat specially', () => {
    const node: QueryNode = { kind: 'wildcard', field: 'path', pattern: 'C:\\\\dir\\?\\*x*' };
    expect(compileElasticsearchQuery(node)).toEqual(wildcard('path', 'C:\\\\dir\\?\\*x*'));
  });
});

/**
 * An evaluator of the DSL the compiler writes, over documents as the adapter indexes
 * them, with Elasticsearch's meaning for each query (keyword order is UTF-8 byte order,
 * that is code-point order; `?` in a wildcard is one code point; span queries follow
 * token positions). It lets this spec check that the mapping and the compiler together
 * match what the in-memory matcher matches, without an Elasticsearch server; the
 * conformance spec runs the same table against a real one.
 */
interface IndexedEvent {
  id: string;
  source: QueryEvent;
  fields: QueryFieldValues;
  tokens: string[];
}

const names = new EventIndexNames('test');

function indexed(event: QueryEvent): IndexedEvent {
  const entry = bulkEntry(event as unknown as EcsEvent, names);
  if ('error' in entry) throw new Error(entry.error);
  const document = JSON.parse(entry.lines.split('\n')[1]) as Record<string, unknown>;
  const { [F]: fields, ...source } = document;
  const values = fields as QueryFieldValues;
  return {
    id: (event.event as { id: string }).id,
    source,
    fields: values,
    tokens: values.text === undefined ? [] : textTokens(values.text),
  };
}

function fieldValues(doc: IndexedEvent, field: string): Scalar[] {
  if (field === '@timestamp') return [eventTimeMillis(doc.source['@timestamp']) as number];
  if (field === `${F}.present`) return doc.fields.present;
  if (field === `${F}.text`) return doc.tokens;
  const [, channel, path] = /^@logwarden\.(string|number|numeric_string|boolean)\.(.+)$/.exec(
    field,
  ) ?? ['', '', ''];
  const value = doc.fields[channel as 'string']?.[path];
  const values = (value === undefined ? [] : Array.isArray(value) ? value : [value]) as Scalar[];
  // Keywords longer than ignore_above are not indexed.
  return values.filter((v) => typeof v !== 'string' || v.length <= MAX_INDEXED_CHARS);
}

/** Checks what the emulator relies on without `expect`, which is too slow for thousands of calls. */
function assert(condition: boolean, what: string): void {
  if (!condition) throw new Error(`unexpected DSL: ${what}`);
}

function only<T>(record: Record<string, T>): [string, T] {
  const entries = Object.entries(record);
  assert(entries.length === 1, JSON.stringify(record));
  return entries[0];
}

function order(a: Scalar, b: Scalar): number {
  return typeof a === 'string' ? compareCodePoints(a, b as string) : (a as number) - (b as number);
}

function luceneWildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') source += pattern[++i].replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    else if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

function spanMatches(clause: Record<string, any>, token: string): boolean {
  if (clause.span_term) return only(clause.span_term)[1] === token;
  const [, { value }] = only(clause.span_multi.match.prefix as Record<string, { value: string }>);
  return token.startsWith(value);
}

function matches(query: Record<string, any>, doc: IndexedEvent): boolean {
  const [kind, body] = only(query);
  switch (kind) {
    case 'match_all':
      return true;
    case 'match_none':
      return false;
    case 'bool': {
      const { filter = [], must_not: mustNot = [], should, minimum_should_match: min } = body;
      assert(should === undefined || min === 1, 'minimum_should_match');
      return (
        filter.every((q: object) => matches(q, doc)) &&
        !mustNot.some((q: object) => matches(q, doc)) &&
        (should === undefined || should.some((q: object) => matches(q, doc)))
      );
    }
    case 'term': {
      const [field, value] = only(body);
      return fieldValues(doc, field).includes(value as Scalar);
    }
    case 'terms': {
      const [field, values] = only(body as Record<string, Scalar[]>);
      return fieldValues(doc, field).some((value) => values.includes(value));
    }
    case 'range': {
      const [field, { format, ...bounds }] = only(body as Record<string, Record<string, Scalar>>);
      assert(format === (field === '@timestamp' ? 'epoch_millis' : undefined), 'range format');
      return fieldValues(doc, field).some((value) =>
        Object.entries(bounds).every(([key, bound]) => {
          const difference = order(value, bound);
          return {
            gt: difference > 0,
            gte: difference >= 0,
            lt: difference < 0,
            lte: difference <= 0,
          }[key];
        }),
      );
    }
    case 'wildcard': {
      const [field, { value }] = only(body as Record<string, { value: string }>);
      const regex = luceneWildcard(value);
      return fieldValues(doc, field).some((v) => typeof v === 'string' && regex.test(v));
    }
    case 'prefix': {
      const [field, value] = only(body as Record<string, string>);
      return fieldValues(doc, field).some((token) => (token as string).startsWith(value));
    }
    case 'span_near': {
      assert(body.slop === 0 && body.in_order === true, 'span_near');
      const clauses = body.clauses as Record<string, any>[];
      return doc.tokens.some((_, start) =>
        clauses.every(
          (clause, i) =>
            start + i < doc.tokens.length && spanMatches(clause, doc.tokens[start + i]),
        ),
      );
    }
    default:
      throw new Error(`the emulator does not know ${kind}`);
  }
}

describe('compiled queries, evaluated as Elasticsearch would over indexed events', () => {
  const docs = QUERY_EVENTS.map(indexed);
  const esIds = (node: QueryNode): string[] => {
    const query = compileElasticsearchQuery(node);
    return docs.filter((doc) => matches(query, doc)).map((doc) => doc.id);
  };
  const memoryIds = (node: QueryNode): string[] => {
    const matcher = compileMatcher(node);
    return QUERY_EVENTS.filter(matcher).map((e) => (e.event as { id: string }).id);
  };

  it.each(QUERY_CASES)('%s matches %j', (query, expected) => {
    expect(esIds(parseQuery(query, { now: QUERY_NOW }))).toEqual(expected);
  });

  it('agrees with the in-memory matcher on hundreds of random queries', () => {
    for (const query of randomQueries(7, 400)) {
      const node = parseQuery(query, { now: QUERY_NOW });
      expect(esIds(node)).toEqual(memoryIds(node));
    }
  });

  it('agrees with the in-memory matcher on nodes the parser never writes', () => {
    const nodes: QueryNode[] = [
      { kind: 'term', field: '@timestamp', value: 'not a time' },
      { kind: 'term', field: '@timestamp', value: String(Date.parse('2024-05-01T10:03:00Z')) },
      { kind: 'term', field: '@timestamp', value: true },
      { kind: 'wildcard', field: '@timestamp', pattern: '2024*' },
      { kind: 'range', field: '@timestamp', gte: '2024' },
      { kind: 'term', field: 'process.pid', value: '01234' },
      { kind: 'range', field: 'http.response.status_code', gte: 400, lt: '500' },
      { kind: 'or', children: [] },
      { kind: 'and', children: [] },
    ];
    for (const value of ['', '...', 'ERROR', 'foo bar', 'Foo-BAR baz', 'naive', 'e']) {
      for (const isPrefix of [false, true]) nodes.push({ kind: 'text', value, prefix: isPrefix });
    }
    for (const node of nodes) {
      expect(esIds(node)).toEqual(memoryIds(node));
      expect(esIds({ kind: 'not', child: node })).toEqual(memoryIds({ kind: 'not', child: node }));
    }
  });
});
