import { getField, normalizeBatch, RawBatch, RawRecord } from '@logwarden/schema';

/** Loose typing for reading nested fields of normalized events in assertions. */
interface Fields {
  [key: string]: Fields;
}

const RECEIVED = Date.parse('2024-05-01T12:00:00.000Z');

function record(data: Record<string, unknown>, extra: Partial<RawRecord> = {}): RawRecord {
  return { data, raw: JSON.stringify(data), ...extra };
}

function batch(records: RawRecord[], overrides: Partial<RawBatch> = {}): RawBatch {
  return { tenant: 'acme', protocol: 'elasticsearch', receivedAt: RECEIVED, records, ...overrides };
}

function normalizeOne(data: Record<string, unknown>, extra: Partial<RawRecord> = {}) {
  return normalizeBatch(batch([record(data, extra)]))[0] as unknown as Fields;
}

describe('normalizeBatch', () => {
  it('stamps every event with tenant, receive time and protocol, overriding what was sent', () => {
    const event = normalizeOne({
      message: 'hello',
      tenant: 'someone-else',
      event: { ingested: '1999-01-01T00:00:00Z' },
      observer: { ingest: { protocol: 'forged' } },
    });
    expect(event.tenant).toBe('acme');
    expect(event.event.ingested).toBe('2024-05-01T12:00:00.000Z');
    expect(event.observer).toEqual({ ingest: { protocol: 'elasticsearch' } });
    expect(event.event.kind).toBe('event');
  });

  it('overrides a tenant hidden in a JSON message or a dotted key', () => {
    const [fromMessage, fromDotted] = normalizeBatch(
      batch([record({ message: '{"tenant":"other","msg":"x"}' }), record({ tenant: 'other' })]),
    );
    expect(fromMessage.tenant).toBe('acme');
    expect(fromDotted.tenant).toBe('acme');
  });

  it('turns the record into its event in place, adding only what every event carries', () => {
    const sent = {
      '@timestamp': '2026-11-29T14:00:00.123Z',
      message: 'GET /api/orders/123 200 12ms request_id=ab12',
      log: { level: 'info', offset: 123456 },
      container: {
        name: 'web-0042',
        id: 'a1b2c3d4e5f6',
        image: { name: 'acme/web', tag: '1.2.3' },
      },
      host: { name: 'node-07' },
      service: { name: 'web' },
    };
    const data = structuredClone(sent);
    const { log, container } = data;
    const [event] = normalizeBatch(batch([record(data)]));
    expect(event).toBe(data);
    expect(event.log).toBe(log);
    expect(event.container).toBe(container);
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({
        ...sent,
        event: { ingested: '2024-05-01T12:00:00.000Z', kind: 'event', id: event.event.id },
        observer: { ingest: { protocol: 'elasticsearch' } },
        tenant: 'acme',
      }),
    );
  });

  it('returns one event per record, in order', () => {
    const events = normalizeBatch(batch([record({ message: 'a' }), record({ message: 'b' })]));
    expect(events.map((e) => e.message)).toEqual(['a', 'b']);
  });

  it('uses the record index as the dataset when the event has none', () => {
    expect(normalizeOne({ message: 'x' }, { index: 'filebeat-8.14.0' }).event.dataset).toBe(
      'filebeat-8.14.0',
    );
    expect(
      normalizeOne({ message: 'x', event: { dataset: 'app.log' } }, { index: 'logs' }).event
        .dataset,
    ).toBe('app.log');
    expect(normalizeOne({ message: 'x' }).event).not.toHaveProperty('dataset');
  });

  it('expands dotted keys, dedots labels and keeps unknown fields', () => {
    const event = normalizeOne({
      message: 'deployed',
      'kubernetes.namespace': 'shop',
      'kubernetes.labels': { 'app.kubernetes.io/name': 'api' },
      'labels.release.channel': 'beta',
      'deploy.sha': 'a1b2c3',
      custom_counter: 12,
      nested: { anything: [1, 2] },
    });
    expect(event.kubernetes).toEqual({
      namespace: 'shop',
      labels: { 'app_kubernetes_io/name': 'api' },
    });
    expect(event.labels).toEqual({ release_channel: 'beta' });
    expect(event.deploy).toEqual({ sha: 'a1b2c3' });
    expect(event.custom_counter).toBe(12);
    expect(event.nested).toEqual({ anything: [1, 2] });
    expect(getField(event, 'kubernetes.labels.app_kubernetes_io/name')).toBe('api');
    expect(Object.keys(event).some((key) => key.includes('.'))).toBe(false);
  });

  it('gives ECS object fields sent as plain values their ECS home', () => {
    const event = normalizeOne({ message: 'x', host: 'web-1', service: 'api', event: 'login' });
    expect(event.host).toEqual({ name: 'web-1' });
    expect(event.service).toEqual({ name: 'api' });
    expect(event.event.action).toBe('login');
  });

  it('takes msg as the message of a record sent without one', () => {
    const event = normalizeOne({ level: 30, time: 1714557600000, msg: 'listening', port: 3000 });
    expect(event.message).toBe('listening');
    expect(event.log).toEqual({ level: 'info' });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.000Z');
    expect(event.port).toBe(3000);
  });

  it('keeps a record that is not an object as its raw text', () => {
    const [event] = normalizeBatch(
      batch([{ data: null as unknown as Record<string, unknown>, raw: 'plain text' }]),
    );
    expect(event.message).toBe('plain text');
  });

  it('keeps event.original only when the shipper sent it', () => {
    expect(normalizeOne({ message: 'x' }).event).not.toHaveProperty('original');
    expect(normalizeOne({ message: 'x', event: { original: '<13>x' } }).event.original).toBe(
      '<13>x',
    );
  });
});

describe('event ids', () => {
  /** New records for every batch, as normalizeBatch takes ownership of their data. */
  const lines = () => [
    record({ message: 'GET /a 200' }, { index: 'web' }),
    record({ message: 'GET /a 200' }, { index: 'web' }),
    record({ message: 'GET /b 500' }, { index: 'web' }),
  ];

  it('derives the same ids when the identical request is sent again', () => {
    const first = normalizeBatch(batch(lines())).map((e) => e.event.id);
    const retry = normalizeBatch(batch(lines(), { receivedAt: RECEIVED + 30_000 })).map(
      (e) => e.event.id,
    );
    expect(retry).toEqual(first);
    expect(first[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives identical lines of one request different ids', () => {
    const ids = normalizeBatch(batch(lines())).map((e) => e.event.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('gives the same line different ids for different tenants and indices', () => {
    const [a] = normalizeBatch(batch([lines()[0]]));
    const [b] = normalizeBatch(batch([lines()[0]], { tenant: 'globex' }));
    const [c] = normalizeBatch(batch([record({ message: 'GET /a 200' }, { index: 'other' })]));
    expect(new Set([a.event.id, b.event.id, c.event.id]).size).toBe(3);
  });

  it('uses the id the client chose: the bulk _id first, then event.id', () => {
    expect(normalizeOne({ message: 'x', event: { id: 'mine' } }, { id: 'bulk-1' }).event.id).toBe(
      'bulk-1',
    );
    expect(normalizeOne({ message: 'x', 'event.id': 'mine' }).event.id).toBe('mine');
    expect(normalizeOne({ message: 'x', event: { id: 42 } }).event.id).toBe('42');
  });

  it('keeps the ids of other records stable when a client id is added to one', () => {
    const without = normalizeBatch(batch(lines().slice(0, 2))).map((e) => e.event.id);
    const [first, second] = lines();
    const withId = normalizeBatch(batch([{ ...first, id: 'client' }, second])).map(
      (e) => e.event.id,
    );
    expect(withId[0]).toBe('client');
    expect(withId[1]).toBe(without[0]);
  });

  it('gives the items of an EventList without auditIDs distinct, stable ids', () => {
    const list = () =>
      record({
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: [
          { kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get' },
          { kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get' },
        ],
      });
    const first = normalizeBatch(batch([list()])).map((e) => e.event.id);
    expect(new Set(first).size).toBe(2);
    expect(normalizeBatch(batch([list()])).map((e) => e.event.id)).toEqual(first);
    const withBulkId = normalizeBatch(batch([{ ...list(), id: 'b1' }])).map((e) => e.event.id);
    expect(withBulkId).toEqual(['b1:0', 'b1:1']);
  });
});

describe('@timestamp', () => {
  it.each([
    ['@timestamp', '2024-05-01T10:00:00.123456Z', '2024-05-01T10:00:00.123Z'],
    ['timestamp', '2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['time', 1714557600, '2024-05-01T10:00:00.000Z'],
    ['ts', 1714557600.25, '2024-05-01T10:00:00.250Z'],
    ['date', '1714557600123', '2024-05-01T10:00:00.123Z'],
    ['datetime', '01/May/2024:10:00:00 +0000', '2024-05-01T10:00:00.000Z'],
    ['time', 'May  1 10:00:00', '2024-05-01T10:00:00.000Z'],
    ['time', '1714557600123456789', '2024-05-01T10:00:00.123Z'],
  ])('reads `%s` = %p', (field, value, expected) => {
    const event = normalizeOne({ message: 'x', [field]: value });
    expect(event['@timestamp']).toBe(expected);
    if (field !== '@timestamp') expect(event).not.toHaveProperty(field);
  });

  it('prefers @timestamp over the other time fields', () => {
    const event = normalizeOne({
      message: 'x',
      time: '2024-05-01T09:00:00Z',
      '@timestamp': '2024-05-01T10:00:00Z',
    });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.000Z');
    expect(event.time).toBe('2024-05-01T09:00:00Z');
  });

  it('uses the receive time when the event has none', () => {
    expect(normalizeOne({ message: 'x' })['@timestamp']).toBe('2024-05-01T12:00:00.000Z');
  });

  it('keeps an unreadable time field and falls back to the receive time', () => {
    const event = normalizeOne({ message: 'x', time: 'yesterday-ish', ts: 0 });
    expect(event['@timestamp']).toBe('2024-05-01T12:00:00.000Z');
    expect(event.time).toBe('yesterday-ish');
    expect(event.ts).toBe(0);
  });

  it('moves an unreadable @timestamp aside and tags the event', () => {
    const event = normalizeOne({ message: 'x', '@timestamp': '0000-01-01T00:00:00Z', tags: ['a'] });
    expect(event['@timestamp']).toBe('2024-05-01T12:00:00.000Z');
    expect(event['_@timestamp']).toBe('0000-01-01T00:00:00Z');
    expect(event.tags).toEqual(['a', '_timestampparsefailure']);
  });

  it('still reads another time field when @timestamp is unreadable', () => {
    const event = normalizeOne({ message: 'x', '@timestamp': 'NaN', time: 1714557600 });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.000Z');
    expect(event['_@timestamp']).toBe('NaN');
  });

  it('uses the current time when the batch has no valid receive time', () => {
    const before = Date.now();
    const [event] = normalizeBatch(batch([record({ message: 'x' })], { receivedAt: NaN }));
    expect(Date.parse(event.event.ingested)).toBeGreaterThanOrEqual(before);
    expect(event['@timestamp']).toBe(event.event.ingested);
  });
});

describe('log.level', () => {
  it.each([
    [{ level: 'WARNING' }, 'warn'],
    [{ severity: 'ERR' }, 'error'],
    [{ lvl: 'CRIT' }, 'fatal'],
    [{ loglevel: 'notice' }, 'info'],
    [{ log_level: 'DEBUG' }, 'debug'],
    [{ level: 60 }, 'fatal'],
    [{ severity: 3 }, 'error'],
    [{ 'log.level': 'Information' }, 'info'],
    [{ log: { syslog: { severity: { code: 2 } } } }, 'fatal'],
  ])('maps %p to %p and drops the non-ECS key', (fields, expected) => {
    const event = normalizeOne({ message: 'x', ...fields });
    expect(event.log.level).toBe(expected);
    for (const key of ['level', 'severity', 'lvl', 'loglevel', 'log_level']) {
      expect(event).not.toHaveProperty(key);
    }
  });

  it('leaves an unknown level where it was', () => {
    const event = normalizeOne({ message: 'x', level: 'Metadata' });
    expect(event.level).toBe('Metadata');
    expect(event).not.toHaveProperty('log');
  });
});
