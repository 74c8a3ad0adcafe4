import {
  dedotKey,
  expandFields,
  expandInto,
  expandOwned,
  homeScalars,
  readField,
  setField,
} from './fields';

describe('expandFields', () => {
  it('expands dotted keys into nested objects and merges them with nested ones', () => {
    expect(
      expandFields({
        'kubernetes.namespace': 'prod',
        'kubernetes.pod.name': 'api-1',
        kubernetes: { node: { name: 'n1' } },
        'http.response.status_code': 200,
      }),
    ).toEqual({
      kubernetes: { namespace: 'prod', pod: { name: 'api-1' }, node: { name: 'n1' } },
      http: { response: { status_code: 200 } },
    });
  });

  it('expands dotted keys inside nested objects and arrays of objects', () => {
    expect(expandFields({ a: { 'b.c': 1 }, list: [{ 'x.y': 2 }, 3] })).toEqual({
      a: { b: { c: 1 } },
      list: [{ x: { y: 2 } }, 3],
    });
  });

  it('dedots label keys instead of expanding them, nested or dotted', () => {
    expect(
      expandFields({
        labels: { 'team.name': 'core' },
        'container.labels.com.docker.compose.project': 'demo',
        kubernetes: { labels: { 'app.kubernetes.io/name': 'api' } },
        'kubernetes.labels.app.kubernetes.io/part-of': 'shop',
      }),
    ).toEqual({
      labels: { team_name: 'core' },
      container: { labels: { com_docker_compose_project: 'demo' } },
      kubernetes: {
        labels: { 'app_kubernetes_io/name': 'api', 'app_kubernetes_io/part-of': 'shop' },
      },
    });
  });

  it('keeps both values when the same field arrives twice', () => {
    expect(expandFields({ 'a.b': 1, a: { b: 2 } })).toEqual({ a: { b: [1, 2] } });
    expect(expandFields({ 'a.b': 1, a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });

  it('moves a value that collides with an object to its ECS home, or to `value`', () => {
    expect(expandFields({ host: 'web-1', 'host.ip': '10.0.0.1' })).toEqual({
      host: { name: 'web-1', ip: '10.0.0.1' },
    });
    expect(expandFields({ 'custom.x': 1, custom: 'plain' })).toEqual({
      custom: { x: 1, value: 'plain' },
    });
  });

  it('ignores empty path segments', () => {
    expect(expandFields({ 'a..b': 1, '.c': 2 })).toEqual({ a: { b: 1 }, c: 2 });
  });

  it('does not change the record it copies', () => {
    const record = { 'a.b': 1, c: { d: [1] } };
    const copy = expandFields(record);
    (copy.c as { d: number[] }).d.push(2);
    expect(record).toEqual({ 'a.b': 1, c: { d: [1] } });
  });

  it('cannot be used to write into Object.prototype', () => {
    const record = JSON.parse('{"__proto__":{"polluted":1},"a.__proto__.polluted":2}') as Record<
      string,
      unknown
    >;
    const doc = expandFields(record);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(JSON.stringify(doc)).toBe(
      '{"__proto__":{"polluted":1},"a":{"__proto__":{"polluted":2}}}',
    );
  });

  it('lets the source win on a clash when overwriting', () => {
    expect(expandInto({ a: { b: 1, c: 1 } }, { a: { b: 2 } }, true)).toEqual({ a: { b: 2, c: 1 } });
  });
});

describe('expandOwned', () => {
  it('keeps a document without dotted keys, objects and arrays included', () => {
    const image = { name: 'acme/web', tag: '1.2.3' };
    const tags = [{ team: 'core' }];
    const doc = { container: { name: 'web-0', image }, tags, labels: { team: 'core' } };
    expect(expandOwned(doc)).toBe(doc);
    expect(doc.container.image).toBe(image);
    expect(doc.tags).toBe(tags);
    expect(doc.tags[0]).toBe(tags[0]);
  });

  it('rebuilds only the objects holding dotted keys, taking their values over', () => {
    const node = { name: 'n1' };
    const kubernetes = { 'pod.name': 'api-1', node };
    const labels = { 'app.kubernetes.io/name': 'api' };
    const doc = { host: { name: 'h' }, kubernetes, container: { labels } };
    const expanded = expandOwned(doc);
    expect(expanded).toBe(doc);
    expect(expanded).toEqual({
      host: { name: 'h' },
      kubernetes: { pod: { name: 'api-1' }, node: { name: 'n1' } },
      container: { labels: { 'app_kubernetes_io/name': 'api' } },
    });
    expect(doc.kubernetes).not.toBe(kubernetes);
    expect(doc.kubernetes.node).toBe(node);
  });

  it('replaces a root that holds dotted keys', () => {
    const nested = { x: 1 };
    const doc: Record<string, unknown> = { 'a.b': 1, nested, list: [{ 'c.d': 2 }] };
    const expanded = expandOwned(doc);
    expect(expanded).toEqual({ a: { b: 1 }, nested: { x: 1 }, list: [{ c: { d: 2 } }] });
    expect(expanded.nested).toBe(nested);
  });
});

describe('field paths', () => {
  it('reads own properties only', () => {
    expect(readField({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(readField({}, 'constructor')).toBeUndefined();
    expect(readField({ a: 'x' }, 'a.length')).toBeUndefined();
  });

  it('creates the objects on the way when setting', () => {
    const doc = { log: 'plain' } as Record<string, unknown>;
    setField(doc, 'log.iostream', 'stdout');
    expect(doc).toEqual({ log: { value: 'plain', iostream: 'stdout' } });
  });

  it('gives ECS object fields sent as plain values their ECS home', () => {
    const doc: Record<string, unknown> = { host: 'web-1', user: 'bob', error: 'boom', custom: 1 };
    homeScalars(doc);
    expect(doc).toEqual({
      host: { name: 'web-1' },
      user: { name: 'bob' },
      error: { message: 'boom' },
      custom: 1,
    });
  });

  it('dedots keys', () => {
    expect(dedotKey('app.kubernetes.io/name')).toBe('app_kubernetes_io/name');
    expect(dedotKey('plain')).toBe('plain');
  });
});
