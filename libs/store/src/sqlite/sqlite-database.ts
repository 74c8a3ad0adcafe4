import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Schema migrations, applied in order; `user_version` records how many ran. */
const MIGRATIONS: string[] = [
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
  CREATE UNIQUE INDEX events_tenant_id ON events (tenant, id);
  CREATE INDEX events_tenant_ts ON events (tenant, ts);
  CREATE INDEX events_tenant_container_ts ON events (tenant, container_name, ts);
  CREATE INDEX events_tenant_service_ts ON events (tenant, service_name, ts);
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
];

export interface SqliteOptions {
  dataDir: string;
  synchronous: 'full' | 'normal';
}

/** Opens (creating and migrating) the embedded database under the data directory. */
export class SqliteDatabase {
  readonly db: Database.Database;
  readonly path: string;

  constructor(options: SqliteOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.path = join(options.dataDir, 'logwarden.db');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    // Keeps the WAL from growing without bound between checkpoints under sustained ingest.
    this.db.pragma('journal_size_limit = 67108864');
    this.migrate();
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]);
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
