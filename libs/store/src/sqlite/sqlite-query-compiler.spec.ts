import Database from 'better-sqlite3';
import { compileMatcher, eventTimeMillis, parseQuery, type QueryNode } from '@logwarden/query';
import {
  QUERY_CASES,
  QUERY_EVENTS,
  QUERY_NOW,
  randomQueries,
  type QueryEvent,
} from '../testing/query-cases';
import { SQLITE_FIELD_COLUMNS, compileSqliteWhere, jsonPath } from './sqlite-query-compiler';

const DDL = `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    ts INTEGER NOT NULL,
    container_name TEXT, host_name TEXT, service_name TEXT, log_level TEXT, dataset TEXT,
    doc TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE events_fts USING fts5(message, content='', contentless_delete=1);
`;

type Event = QueryEvent;

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
  const insertText = db.prepare('INSERT INTO events_fts (rowid, message) VALUES (?, ?)');
  const stringAt = (e: Event, path: string): string | null => {
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Event | undefined)?.[key], e);
    return typeof value === 'string' ? value : null;
  };
  for (const e of events) {
    const { lastInsertRowid } = insert.run(
      (e.event as Event).id,
      e.tenant,
      eventTimeMillis(e['@timestamp']),
      stringAt(e, 'container.name'),
      stringAt(e, 'host.name'),
      stringAt(e, 'service.name'),
      stringAt(e, 'log.level'),
      stringAt(e, 'event.dataset'),
      JSON.stringify(e),
    );
    if (typeof e.message === 'string') insertText.run(lastInsertRowid, e.message);
  }
  return db;
}

describe('compileSqliteWhere', () => {
  let db: Database.Database;
  beforeAll(() => (db = openDatabase(EVENTS)));
  afterAll(() => db.close());

  const sqlIds = (node: QueryNode): string[] => {
    const { sql, params } = compileSqliteWhere(node);
    return db
      .prepare(`SELECT id FROM events e WHERE ${sql} ORDER BY seq`)
      .pluck()
      .all(...params) as string[];
  };
  const memoryIds = (node: QueryNode): string[] => {
    const matches = compileMatcher(node);
    return EVENTS.filter(matches).map((e) => (e.event as Event).id as string);
  };

  it('has a table covering at least 40 queries', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('%s: SQLite and the in-memory matcher both match %j', (query, expected) => {
    const node = parseQuery(query, { now: NOW });
    expect(sqlIds(node)).toEqual(expected);
    expect(memoryIds(node)).toEqual(expected);
  });

  it('agrees with the in-memory matcher on hundreds of random queries', () => {
    for (const query of randomQueries(7, 400)) {
      const node = parseQuery(query, { now: NOW });
      expect(sqlIds(node)).toEqual(memoryIds(node));
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
    expect(compileSqliteWhere(parseQuery('container.name:api'))).toEqual({
      sql: 'e.container_name = ?',
      params: ['api'],
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

  it('accepts an extended column map', () => {
    const columns = { ...SQLITE_FIELD_COLUMNS, 'user.name': 'user_name' };
    expect(compileSqliteWhere(parseQuery('user.name:root'), columns).sql).toBe('e.user_name = ?');
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
