import { compileMatcher } from './match-event';
import { parseQuery } from './parse-query';
import type { QueryNode } from './query-ast';

const matches = (query: string | QueryNode, event: Record<string, unknown>): boolean =>
  compileMatcher(typeof query === 'string' ? parseQuery(query) : query)(event);

describe('compileMatcher', () => {
  it('matches keyword fields exactly and case-sensitively through nested objects', () => {
    const event = { container: { name: 'api', image: { name: 'nginx:1.25' } } };
    expect(matches('container.name:api', event)).toBe(true);
    expect(matches('container.name:API', event)).toBe(false);
    expect(matches('container.name:ap', event)).toBe(false);
    expect(matches('container.image.name:"nginx:1.25"', event)).toBe(true);
    expect(matches('container:api', event)).toBe(false);
  });

  it('matches any element of an array value, one level deep', () => {
    const event = { tags: ['prod', 'eu'], nested: [['prod']], objects: [{ name: 'prod' }] };
    expect(matches('tags:eu', event)).toBe(true);
    expect(matches('tags:us', event)).toBe(false);
    expect(matches('nested:prod', event)).toBe(false);
    expect(matches('objects.name:prod', event)).toBe(false);
  });

  it('compares numbers with numbers and numeric strings', () => {
    expect(matches('code:404', { code: 404 })).toBe(true);
    expect(matches('code:404', { code: '404' })).toBe(true);
    expect(matches('code:404', { code: '404.0' })).toBe(true);
    expect(matches('code:404', { code: '404 Not Found' })).toBe(false);
    expect(matches('code:"404"', { code: 404 })).toBe(true);
    expect(matches('code:"404"', { code: '404.0' })).toBe(false);
    expect(matches('code:[400 TO 499]', { code: ['200', '403'] })).toBe(true);
    expect(matches('code:>=1000', { code: '1e4' })).toBe(false);
  });

  it('compares booleans with booleans and "true"/"false"', () => {
    expect(matches('privileged:true', { privileged: true })).toBe(true);
    expect(matches('privileged:true', { privileged: 'true' })).toBe(true);
    expect(matches('privileged:true', { privileged: 1 })).toBe(false);
    expect(matches('privileged:false', { privileged: true })).toBe(false);
  });

  it('applies wildcards to whole string values, literally for regex characters', () => {
    expect(matches('ip:10.0.0.*', { ip: '10.0.0.17' })).toBe(true);
    expect(matches('ip:10.0.0.*', { ip: '10x0y0z17' })).toBe(false);
    expect(matches('ip:10.0.0.*', { ip: 'x10.0.0.1' })).toBe(false);
    expect(matches('user:?oot', { user: '😀oot' })).toBe(true);
    expect(matches('line:a*b', { line: 'a\nb' })).toBe(true);
    expect(matches('path:a.b+*', { path: 'aXbbb' })).toBe(false);
    expect(matches('path:\\(a\\)*', { path: '(a)x' })).toBe(true);
    expect(matches('pid:12*', { pid: 123 })).toBe(false);
  });

  it('compares string ranges by code point', () => {
    expect(matches('version:[1.10 TO 1.9.9]', { version: '1.2' })).toBe(true);
    expect(matches('name:>"\uffff"', { name: '😀' })).toBe(true);
    expect(matches('name:<b', { name: 3 })).toBe(false);
  });

  it('treats missing and null fields as no match, so NOT matches them', () => {
    const event = { user: { name: null }, tags: [null], labels: {} };
    for (const query of ['user.name:x', 'user.name:*', 'tags:*', 'host.name:x', 'code:>1']) {
      expect(matches(query, event)).toBe(false);
      expect(matches(`NOT ${query}`, event)).toBe(true);
    }
    expect(matches('labels:*', event)).toBe(true);
  });

  it('reads own properties only', () => {
    const event = { a: {} };
    expect(matches('constructor:*', event)).toBe(false);
    expect(matches('a.toString:*', event)).toBe(false);
    expect(matches('a.__proto__:*', event)).toBe(false);
  });

  it('compares @timestamp as epoch milliseconds, from ISO strings or numbers', () => {
    const iso = { '@timestamp': '2024-05-01T12:00:00+02:00' };
    const epoch = { '@timestamp': Date.parse('2024-05-01T10:00:00Z') };
    for (const event of [iso, epoch]) {
      expect(matches('@timestamp:[2024-05-01T10:00:00Z TO 2024-05-01T10:00:00Z]', event)).toBe(
        true,
      );
      expect(matches('@timestamp:>2024-05-01T10:00:00Z', event)).toBe(false);
      expect(matches('@timestamp:"2024-05-01T10:00:00Z"', event)).toBe(true);
    }
    expect(matches('@timestamp:*', { '@timestamp': 'not a time' })).toBe(false);
  });

  it('searches message tokens case-insensitively, as words, phrases and prefixes', () => {
    const event = { message: 'Connection REFUSED: connect to db-primary:5432' };
    expect(matches('refused', event)).toBe(true);
    expect(matches('connection refused', event)).toBe(true);
    expect(matches('"connection refused"', event)).toBe(true);
    expect(matches('"refused connection"', event)).toBe(false);
    expect(matches('conn*', event)).toBe(true);
    expect(matches('db-prim*', event)).toBe(true);
    expect(matches('"db-primary:5432"', event)).toBe(true);
    expect(matches('refuse', event)).toBe(false);
    expect(matches('refused', { message: ['refused'] })).toBe(false);
    expect(matches('NOT refused', {})).toBe(true);
  });

  it('matches a field group as its field applied to each value in it', () => {
    expect(matches('code:(401 OR 403)', { code: 403 })).toBe(true);
    expect(matches('code:(401 OR 403)', { code: '401' })).toBe(true);
    expect(matches('code:(401 OR 403)', { code: 404 })).toBe(false);
    expect(matches('code:([400 TO 403] OR >=500)', { code: 502 })).toBe(true);
    expect(matches('code:([400 TO 403] OR >=500)', { code: 404 })).toBe(false);
    expect(matches('user:(root OR adm*)', { user: 'administrator' })).toBe(true);
    expect(matches('user:(root OR adm*)', { user: 'bob' })).toBe(false);
  });

  it('negates a whole field group, matching events without the field', () => {
    expect(matches('NOT level:(debug OR trace)', { level: 'info' })).toBe(true);
    expect(matches('NOT level:(debug OR trace)', { level: 'trace' })).toBe(false);
    expect(matches('NOT level:(debug OR trace)', {})).toBe(true);
    expect(matches('-level:(debug OR trace) AND x:1', { level: 'debug', x: 1 })).toBe(false);
  });

  it('applies AND and NOT inside a group to each element of an array separately', () => {
    expect(matches('tags:(prod eu)', { tags: ['prod', 'eu'] })).toBe(true);
    expect(matches('tags:(prod AND eu)', { tags: ['prod', 'us'] })).toBe(false);
    expect(matches('tags:((prod OR dev) AND NOT eu)', { tags: ['dev', 'us'] })).toBe(true);
    expect(matches('tags:((prod OR dev) AND NOT eu)', { tags: ['dev', 'eu'] })).toBe(false);
    expect(matches('tags:(prod -eu)', { tags: ['eu'] })).toBe(false);
  });

  it('searches message text with every word, phrase and prefix of a message group', () => {
    expect(matches('message:("disk full" OR oom*)', { message: 'OOMKilled: api' })).toBe(true);
    expect(matches('message:("disk full" OR oom*)', { message: 'Disk full on /' })).toBe(true);
    expect(matches('message:("disk full" OR oom*)', { message: 'full disk' })).toBe(false);
    expect(
      matches('message:(connection (refused OR reset))', { message: 'reset connection' }),
    ).toBe(true);
    expect(matches('message:(connection (refused OR reset))', { message: 'connection lost' })).toBe(
      false,
    );
  });

  it('tokenizes each event message afresh when events alternate', () => {
    const first = compileMatcher(parseQuery('alpha'));
    const second = compileMatcher(parseQuery('beta'));
    const a = { message: 'alpha' };
    const b = { message: 'beta' };
    expect([first(a), second(a), first(b), second(b), first(a)]).toEqual([
      true,
      false,
      false,
      true,
      true,
    ]);
  });

  it('evaluates hand-built nodes the parser would not produce', () => {
    expect(matches({ kind: 'and', children: [] }, {})).toBe(true);
    expect(matches({ kind: 'or', children: [] }, {})).toBe(false);
    expect(matches({ kind: 'text', value: '...', prefix: false }, { message: '...' })).toBe(false);
    expect(matches({ kind: 'range', field: 'v', gte: 2, lt: 'b' }, { v: '3' })).toBe(true);
    expect(matches({ kind: 'range', field: 'v', gte: 2, lt: 'b' }, { v: 3 })).toBe(false);
  });
});
