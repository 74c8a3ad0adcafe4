import Database from 'better-sqlite3';
import { compileMatcher, eventTimeMillis, parseQuery, type QueryNode } from '@logwarden/query';
import {
  QUERY_CASES,
  QUERY_EVENTS,
  QUERY_NOW,
  randomQueries,
  type QueryEvent,
} from '../testing/query-cases';
import type { TimeRange } from '../event-store.port';
import { containerTokens } from './sqlite-container-index';
import { compileSqliteWhere, jsonPath } from './sqlite-query-compiler';

const DDL = `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    ts INTEGER NOT NULL,
    container_name TEXT, host_name TEXT, service_name TEXT, log_level TEXT, dataset TEXT,
    doc TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE events_fts USING fts5(message, container, content='', contentless_delete=1);
`;

type Event = QueryEvent;

function timeOf(e: Event): number {
  const ts = eventTimeMillis(e['@timestamp']);
  if (ts === undefined) throw new Error(`fixture ${JSON.stringify(e)} has no valid @timestamp`);
  return ts;
}

const EVENTS = QUERY_EVENTS;
const CASES = QUERY_CASES;
const NOW = QUERY_NOW;

function openDatabase(events: Event[]): Database.Database {
  const db = new Database(':memory:');
  db.exec(DDL);
  const insert = db.prepare(
    `INSERT INTO events (id, tenant, ts, container_name, host_name, service_name, log_level, dataset, doc)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertText = db.prepare(
    'INSERT INTO events_fts (rowid, message, container) VALUES (?, ?, ?)',
  );
  const stringAt = (e: Event, path: string): string | null => {
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Event | undefined)?.[key], e);
    return typeof value === 'string' ? value : null;
  };
  for (const e of events) {
    const ts = timeOf(e);
    const container = stringAt(e, 'container.name');
    const { lastInsertRowid } = insert.run(
      (e.event as Event).id,
      e.tenant,
      ts,
      container,
      stringAt(e, 'host.name'),
      stringAt(e, 'service.name'),
      stringAt(e, 'log.level'),
      stringAt(e, 'event.dataset'),
      JSON.stringify(e),
    );
    const message = typeof e.message === 'string' ? e.message : null;
    const tokens = container === null ? null : containerTokens(container, ts);
    if (message !== null || tokens !== null) insertText.run(lastInsertRowid, message, tokens);
  }
  return db;
}

describe('compileSqliteWhere', () => {
  let db: Database.Database;
  beforeAll(() => (db = openDatabase(EVENTS)));
  afterAll(() => db.close());

  const sqlIds = (node: QueryNode, range?: TimeRange): string[] => {
    const { sql, params } = compileSqliteWhere(node, range);
    const window = range ? [range.from, range.to] : [-Infinity, Infinity];
    return db
      .prepare(`SELECT id FROM events e WHERE e.ts >= ? AND e.ts < ? AND (${sql}) ORDER BY seq`)
      .pluck()
      .all(...window, ...params) as string[];
  };
  const memoryIds = (node: QueryNode, range?: TimeRange): string[] => {
    const matches = compileMatcher(node);
    const inRange = (e: Event): boolean => {
      const ts = timeOf(e);
      return !range || (ts >= range.from && ts < range.to);
    };
    return EVENTS.filter((e) => inRange(e) && matches(e)).map(
      (e) => (e.event as Event).id as string,
    );
  };
  const times = EVENTS.map(timeOf);
  /** Every event; then windows that start and end inside minutes, so covers overhang both ends. */
  const RANGES: TimeRange[] = [
    { from: Math.min(...times), to: Math.max(...times) + 1 },
    { from: Date.parse('2024-05-01T10:00:30Z'), to: Date.parse('2024-05-01T10:11:00.001Z') },
    { from: Date.parse('2024-05-01T10:02:00Z'), to: Date.parse('2024-05-01T10:12:00Z') },
  ];

  it('has a table covering at least 40 queries', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('%s: SQLite and the in-memory matcher both match %j', (query, expected) => {
    const node = parseQuery(query, { now: NOW });
    expect(sqlIds(node)).toEqual(expected);
    expect(memoryIds(node)).toEqual(expected);
    expect(sqlIds(node, RANGES[0])).toEqual(expected);
  });

  it('agrees with the in-memory matcher on hundreds of random queries, in time ranges', () => {
    for (const query of randomQueries(7, 400)) {
      const node = parseQuery(query, { now: NOW });
      expect(sqlIds(node)).toEqual(memoryIds(node));
      for (const range of RANGES) expect(sqlIds(node, range)).toEqual(memoryIds(node, range));
    }
  });

  it('agrees with the in-memory matcher on text nodes built without the parser', () => {
    for (const value of ['', '...', 'ERROR', 'foo bar', 'Foo-BAR baz', 'naive', 'e']) {
      for (const prefix of [false, true]) {
        const node: QueryNode = { kind: 'text', value, prefix };
        expect(sqlIds(node)).toEqual(memoryIds(node));
        expect(sqlIds({ kind: 'not', child: node })).toEqual(
          memoryIds({ kind: 'not', child: node }),
        );
        const merged: QueryNode = {
          kind: 'and',
          children: [node, { kind: 'text', value: 'foo', prefix: false }],
        };
        expect(sqlIds(merged)).toEqual(memoryIds(merged));
      }
    }
  });

  it('passes every value as a parameter, so quotes in values cannot change the SQL', () => {
    const hostile = `x' OR 1=1; DROP TABLE events; --`;
    const node = parseQuery(`user.name:"${hostile}" OR container.name:"${hostile}"`);
    const { sql, params } = compileSqliteWhere(node);
    expect(sql).not.toContain('DROP');
    expect(params).toContain(hostile);
    expect(sqlIds(node)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(EVENTS.length);
  });

  it('compiles a promoted field to a plain column comparison that can use an index', () => {
    expect(compileSqliteWhere(parseQuery('host.name:node-1'))).toEqual({
      sql: 'e.host_name = ?',
      params: ['node-1'],
      byContainer: false,
    });
    const indexed = new Database(':memory:');
    indexed.exec(DDL);
    indexed.exec('CREATE INDEX events_container ON events (container_name)');
    const { sql, params } = compileSqliteWhere(parseQuery('container.name:api*'));
    const plan = indexed
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM events e WHERE ${sql}`)
      .all(...params) as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toContain('USING INDEX events_container');
    indexed.close();
  });

  it('runs queries with thousands of terms, beyond SQLite expression depth limits', () => {
    expect(sqlIds(parseQuery(Array.from({ length: 1000 }, () => 'a:1').join(' ')))).toEqual([]);
    const terms: QueryNode[] = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'term',
      field: i % 2 ? 'container.name' : 'user.name',
      value: `v${i}`,
    }));
    expect(sqlIds({ kind: 'and', children: terms })).toEqual([]);
    expect(sqlIds({ kind: 'or', children: [...terms, parseQuery('user.name:root')] })).toEqual([
      'e5',
      'e14',
    ]);
  });

  it('searches all full-text words of a group with one FTS lookup', () => {
    const { sql } = compileSqliteWhere(parseQuery('connection refused log.level:error'));
    expect(sql.match(/events_fts MATCH/g)).toHaveLength(1);
  });

  it('looks a container up in the FTS index, in one lookup with the words beside it', () => {
    const range = {
      from: Date.parse('2024-05-01T10:00:30Z'),
      to: Date.parse('2024-05-01T10:02:00Z'),
    };
    const node = parseQuery('container.name:api AND connection');
    const { sql, params } = compileSqliteWhere(node, range);
    expect(sql.match(/events_fts MATCH/g)).toHaveLength(1);
    expect(params).toEqual([
      'api',
      'container : (c617069m28575960 OR c617069m28575961) AND message : "connection"',
    ]);
  });

  it('says when every match comes from one container, so the store reads by seq', () => {
    const byContainer = (query: string, range?: TimeRange) =>
      compileSqliteWhere(parseQuery(query), range).byContainer;
    const range = RANGES[0];
    expect(byContainer('container.name:api', range)).toBe(true);
    expect(byContainer('log.level:error AND container.name:api AND refused', range)).toBe(true);
    expect(byContainer('container.name:api', undefined)).toBe(false);
    expect(byContainer('container.name:api OR container.name:auth', range)).toBe(false);
    expect(byContainer('NOT container.name:api', range)).toBe(false);
    expect(byContainer('container.name:api*', range)).toBe(false);
    expect(byContainer('container.name:api', { from: 0, to: 8.64e15 })).toBe(false);
  });

  it('covers partial minutes whole, and the time filter trims what they overhang', () => {
    const node = parseQuery('container.name:api');
    const { params } = compileSqliteWhere(node, RANGES[1]);
    const covered = db
      .prepare('SELECT rowid FROM events_fts WHERE events_fts MATCH ? ORDER BY rowid')
      .pluck()
      .all(params[1]);
    // e1 and e16 fall in 10:00, the first minute, but before the range starts at 10:00:30.
    expect(covered).toEqual([1, 4, 12, 16]);
    expect(sqlIds(node, RANGES[1])).toEqual(['e4', 'e12']);
  });
});

describe('jsonPath', () => {
  it('quotes every key so field names with special characters stay one key', () => {
    expect(jsonPath('kubernetes.labels.app/name')).toBe('$."kubernetes"."labels"."app/name"');
    expect(jsonPath('@timestamp')).toBe('$."@timestamp"');
  });

  it('refuses a field name SQLite JSON paths cannot express', () => {
    expect(() => jsonPath('a"b')).toThrow(/a"b/);
  });
});
