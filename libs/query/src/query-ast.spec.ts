import { parseQuery } from './parse-query';
import { fieldsOf } from './query-ast';

describe('fieldsOf', () => {
  it('lists every field a query reads, full text counting as message', () => {
    const node = parseQuery(
      'timeout (container.name:api OR NOT user.name:*) AND code:[400 TO 499] @timestamp:>now-1h',
    );
    expect([...fieldsOf(node)].sort()).toEqual([
      '@timestamp',
      'code',
      'container.name',
      'message',
      'user.name',
    ]);
  });

  it('is empty for a query that matches everything', () => {
    expect(fieldsOf(parseQuery(''))).toEqual(new Set());
  });
});
