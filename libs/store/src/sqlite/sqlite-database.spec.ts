import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery } from '@logwarden/query';
import { EVENT_MIGRATIONS, SqliteDatabase } from './sqlite-database';
import { compileSqliteWhere } from './sqlite-query-compiler';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-30T08:00:00Z');

/** A store as the first schema version wrote it: container index in a B-tree, FTS of messages only. */
function writeFirstVersionStore(path: string): void {
  const db = new Database(path);
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.exec(EVENT_MIGRATIONS[0]);
  db.pragma('user_version = 1');
  const insert = db.prepare(
    `INSERT INTO events (id, tenant, ts, container_name, doc) VALUES (?, 'default', ?, ?, ?)`,
  );
  const text = db.prepare('INSERT INTO events_fts (rowid, message) VALUES (?, ?)');
  const events = [
    { id: 'a1', ts: T0, container: 'api', message: 'connection refused' },
    { id: 'w1', ts: T0 + MINUTE, container: 'web', message: 'GET /index.html 200' },
    { id: 'a2', ts: T0 + 2 * MINUTE, container: 'api', message: 42 },
    { id: 'n1', ts: T0 + 3 * MINUTE, container: null, message: 'no container: refused' },
    { id: 'a3', ts: T0 + 3 * 3_600_000, container: 'api', message: '' },
  ];
  for (const { id, ts, container, message } of events) {
    const doc = JSON.stringify({
      '@timestamp': new Date(ts).toISOString(),
      message,
      event: { id },
    });
    const { lastInsertRowid } = insert.run(id, ts, container, doc);
    if (typeof message === 'string' && message !== '') text.run(lastInsertRowid, message);
  }
  db.close();
}

describe('SqliteDatabase migrations', () => {
  let dir: string;
  let database: SqliteDatabase;
  let logged: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logwarden-migrate-'));
    writeFirstVersionStore(join(dir, 'logwarden.db'));
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    database = new SqliteDatabase({ dataDir: dir, synchronous: 'normal' });
    logged = log.mock.calls.map(([message]) => String(message));
    log.mockRestore();
  });
  afterAll(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says at startup that it is upgrading the store, and when it is done', () => {
    const file = join(dir, 'logwarden.db');
    expect(logged).toEqual([
      `upgrading ${file} from schema 1 to ${EVENT_MIGRATIONS.length}`,
      expect.stringMatching(new RegExp(`^upgraded ${file} in \\d+\\.\\d s$`)),
    ]);
  });

  it('creates a new store without a word', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'logwarden-fresh-'));
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    new SqliteDatabase({ dataDir: fresh, synchronous: 'normal' }).close();
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
    rmSync(fresh, { recursive: true, force: true });
  });

  const ids = (query: string, from = T0, to = T0 + 86_400_000): string[] => {
    const range = { from, to };
    const { sql, params } = compileSqliteWhere(parseQuery(query), range);
    return database.db
      .prepare(`SELECT id FROM events e WHERE e.ts >= ? AND e.ts < ? AND (${sql}) ORDER BY seq`)
      .pluck()
      .all(from, to, ...params) as string[];
  };

  it('brings a store of the first version to the current schema', () => {
    expect(database.db.pragma('user_version', { simple: true })).toBe(EVENT_MIGRATIONS.length);
    const indexes = database.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
      .pluck()
      .all();
    expect(indexes).not.toContain('events_tenant_container_ts');
  });

  it('indexes the events it already held by container, and still by message', () => {
    expect(ids('container.name:api')).toEqual(['a1', 'a2', 'a3']);
    expect(ids('container.name:api', T0 + MINUTE, T0 + 3 * 3_600_000)).toEqual(['a2']);
    expect(ids('container.name:web AND index')).toEqual(['w1']);
    expect(ids('refused')).toEqual(['a1', 'n1']);
    expect(ids('42')).toEqual([]);
  });

  it('keeps the index in step when old events are deleted', () => {
    database.db.prepare("DELETE FROM events WHERE id IN ('a1', 'n1')").run();
    expect(ids('container.name:api')).toEqual(['a2', 'a3']);
    expect(ids('refused')).toEqual([]);
    const left = database.db.prepare('SELECT count(*) FROM events_fts').pluck().get();
    expect(left).toBe(3);
  });
});
