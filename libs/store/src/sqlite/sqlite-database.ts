import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { containerTokens } from './sqlite-container-index';

/** SQL name of `containerTokens`, for migrations that index stored events. */
const CONTAINER_TOKENS_FUNCTION = 'logwarden_container_tokens';

/** Schema migrations of the event database, applied in order; `user_version` records how many ran. */
export const EVENT_MIGRATIONS: string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    ts INTEGER NOT NULL,
    container_name TEXT,
    host_name TEXT,
    service_name TEXT,
    log_level TEXT,
    dataset TEXT,
    doc TEXT NOT NULL
  );
  -- Serves time-range scans and rejects a replayed event: its id and @timestamp are the
  -- same on every retry. Keyed by time, inserts touch few pages, unlike a random id key.
  CREATE UNIQUE INDEX events_tenant_ts_id ON events (tenant, ts, id);
  CREATE INDEX events_tenant_container_ts ON events (tenant, container_name, ts);
  CREATE VIRTUAL TABLE events_fts USING fts5 (message, content = '', contentless_delete = 1);
  CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.seq;
  END;

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    tenant TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // The container index moves into events_fts (see sqlite-container-index.ts). A
  // contentless table cannot gain a column, so it is rebuilt from the documents.
  `
  DROP INDEX events_tenant_container_ts;
  DROP TRIGGER events_fts_delete;
  DROP TABLE events_fts;
  CREATE VIRTUAL TABLE events_fts USING fts5 (message, container, content = '', contentless_delete = 1);
  INSERT INTO events_fts (rowid, message, container)
    SELECT seq, message, container FROM (
      SELECT seq,
        CASE WHEN json_type(doc, '$.message') = 'text' THEN nullif(doc ->> '$.message', '') END AS message,
        ${CONTAINER_TOKENS_FUNCTION}(container_name, ts) AS container
      FROM events)
    WHERE message IS NOT NULL OR container IS NOT NULL;
  CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.seq;
  END;
  `,
  // FTS5 merges a level's segments once it holds 16 rather than 4: each posting is rewritten
  // about half as often, which took 7-11 % off the writer's CPU time. A search reads up to 16
  // segments per level instead of 4, which its figures do not show.
  `
  INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);
  `,
];

/**
 * Checkpoint once the WAL holds 64 MiB. Index pages rewritten by many commits
 * are then copied into the database once rather than every few commits: this
 * alone took the insert rate from about 42,000 to 60,000-75,000 rows/s.
 */
export const WAL_CHECKPOINT_PAGES = 4_000;

/**
 * Alerts, silences, the notification outbox and consumer checkpoints. A database of
 * their own, so their small transactions never wait behind the event writer's.
 */
export const ALERTING_MIGRATIONS: string[] = [
  `
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    group_key TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    category TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- When an open alert resolves itself if nothing repeats it; NULL once resolved.
    resolve_at INTEGER,
    doc TEXT NOT NULL
  );
  CREATE UNIQUE INDEX alerts_open ON alerts (tenant, rule_id, group_key) WHERE status != 'resolved';
  CREATE INDEX alerts_tenant_last_seen ON alerts (tenant, last_seen);
  CREATE INDEX alerts_resolve_at ON alerts (resolve_at) WHERE resolve_at IS NOT NULL;

  CREATE TABLE detections (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE notifications (
    alert_id TEXT NOT NULL,
    route TEXT NOT NULL,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (alert_id, route)
  );

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    route TEXT NOT NULL,
    group_key TEXT NOT NULL,
    notification TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
  CREATE TABLE outbox_alerts (
    alert_id TEXT NOT NULL,
    outbox_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (alert_id, outbox_id)
  );

  CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    matchers TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE checkpoints (
    name TEXT PRIMARY KEY,
    position INTEGER,
    state TEXT NOT NULL,
    saved_at INTEGER NOT NULL
  );
  `,
  // Fences conditional checkpoint saves; rows saved before it start at version 0.
  `
  ALTER TABLE checkpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
  `,
];

export interface SqliteOptions {
  dataDir: string;
  synchronous: 'full' | 'normal';
  /** File name under the data directory; default `logwarden.db`, the events. */
  file?: string;
  migrations?: string[];
}

/** Opens (creating and migrating) an embedded database under the data directory. */
export class SqliteDatabase {
  readonly db: Database.Database;
  readonly path: string;

  constructor(readonly options: SqliteOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.path = join(options.dataDir, options.file ?? 'logwarden.db');
    this.db = new Database(this.path);
    // Rows are ~500-byte JSON documents; large pages mean fewer page splits and B-tree levels.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    // Searches read mostly fresh pages the OS caches anyway; the writer thread has the larger cache.
    this.db.pragma('cache_size = -8192');
    // Sorts for aggregations over a million events spill to a file rather than grow the heap by ~40 MB.
    this.db.pragma('temp_store = FILE');
    this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    this.db.pragma(`journal_size_limit = ${WAL_CHECKPOINT_PAGES * 16384}`);
    this.db.function(CONTAINER_TOKENS_FUNCTION, { deterministic: true }, (name, ts) =>
      typeof name === 'string' && typeof ts === 'number' ? containerTokens(name, ts) : null,
    );
    this.migrate();
  }

  private migrate(): void {
    const migrations = this.options.migrations ?? EVENT_MIGRATIONS;
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    if (applied === 0 || applied >= migrations.length) {
      this.apply(migrations, applied);
      return;
    }
    // An upgrade may rebuild an index over every stored event: say why startup waits.
    const logger = new Logger(SqliteDatabase.name);
    const started = Date.now();
    logger.log(`upgrading ${this.path} from schema ${applied} to ${migrations.length}`);
    this.apply(migrations, applied);
    logger.log(`upgraded ${this.path} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  private apply(migrations: string[], applied: number): void {
    for (let version = applied; version < migrations.length; version++) {
      this.db.transaction(() => {
        this.db.exec(migrations[version]);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  /** Database plus write-ahead log, in bytes. */
  sizeBytes(): number {
    let size = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        size += statSync(file).size;
      } catch {
        // The WAL does not exist between checkpoints on some platforms.
      }
    }
    return size;
  }

  isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
