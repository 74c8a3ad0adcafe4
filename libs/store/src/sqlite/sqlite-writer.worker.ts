import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { containerTokens } from './sqlite-container-index';
import { WAL_CHECKPOINT_PAGES } from './sqlite-database';
import { WriterOptions, WriterReply, WriterRequest, WriterRow } from './sqlite-writer.protocol';

/**
 * The event store's only writer, on its own thread so that inserting and
 * indexing run on one core while HTTP, parsing and normalization run on the
 * other. Each append is inserted as it arrives, into an open transaction that
 * commits once every message waiting has been read (group commit). Rows are
 * garbage right after their insert: holding a whole transaction's rows (up to
 * 20,000 documents, some 35 MB) until it ran made this thread's young-generation
 * collections copy them, then promote them.
 */

/** About 20-40 ms of work: large enough to amortize the commit, small enough to keep latency low. */
const MAX_ROWS_PER_TRANSACTION = 20_000;

const options = workerData as WriterOptions;
const port = parentPort!;
const db = new Database(options.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -32768');
db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);

const insertEvent = db.prepare(
  `INSERT INTO events (id, tenant, ts, container_name, host_name, service_name, log_level, dataset, doc)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
);
const insertText = db.prepare(
  'INSERT INTO events_fts (rowid, message, container) VALUES (?, ?, ?)',
);
const tenants = db.prepare('SELECT DISTINCT tenant FROM events').pluck();
const deleteOld = db.prepare(
  'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE tenant = ? AND ts < ? LIMIT ?)',
);
const deleteRow = db.prepare('DELETE FROM events WHERE seq = ?');
const begin = db.prepare('BEGIN');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');

/** The appends inserted into the open transaction, answered once it commits. */
interface Inserted {
  id: number;
  positions: Float64Array;
}

let open: { started: bigint; rows: number; appends: Inserted[] } | undefined;

function reply(message: WriterReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Writes each row's `seq` into `positions` as it goes, or leaves 0 for a duplicate. */
function insert(rows: WriterRow[], positions: Float64Array): void {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const info = insertEvent.run(
      row[0],
      row[1],
      row[2],
      row[3],
      row[4],
      row[5],
      row[6],
      row[7],
      row[8],
    );
    if (info.changes === 0) continue;
    positions[i] = Number(info.lastInsertRowid);
    const container = row[3] === null ? null : containerTokens(row[3], row[2]);
    if (row[9] !== null || container !== null)
      insertText.run(info.lastInsertRowid, row[9], container);
  }
}

function append(request: Extract<WriterRequest, { kind: 'append' }>): void {
  if (open !== undefined && open.rows + request.rows.length > MAX_ROWS_PER_TRANSACTION) finish();
  try {
    if (open === undefined) {
      begin.run();
      open = { started: process.hrtime.bigint(), rows: 0, appends: [] };
      setImmediate(finish);
    }
  } catch (error) {
    reply({ kind: 'failed', id: request.id, message: (error as Error).message });
    return;
  }
  const positions = new Float64Array(request.rows.length);
  try {
    insert(request.rows, positions);
    open.appends.push({ id: request.id, positions });
    open.rows += request.rows.length;
  } catch (error) {
    reply({ kind: 'failed', id: request.id, message: (error as Error).message });
    takeBack(positions, error as Error);
  }
}

/**
 * Deletes the rows of a failed append, so that it fails alone. Not a savepoint per append:
 * FTS5 writes its pending postings out as a new segment at every savepoint, and merging a
 * segment per append rather than per transaction cost this thread 6 % more CPU.
 */
function takeBack(positions: Float64Array, error: Error): void {
  try {
    if (!db.inTransaction) throw error;
    for (const seq of positions) if (seq > 0) deleteRow.run(seq);
  } catch (cause) {
    abandon(cause as Error);
  }
}

/** Commits the open transaction, if any, and answers its appends. */
function finish(): void {
  if (open === undefined) return;
  const { started, rows, appends } = open;
  try {
    commit.run();
  } catch (error) {
    abandon(error as Error);
    return;
  }
  open = undefined;
  reply({ kind: 'committed', seconds: Number(process.hrtime.bigint() - started) / 1e9, rows });
  for (const { id, positions } of appends)
    reply({ kind: 'appended', id, positions }, [positions.buffer as ArrayBuffer]);
}

/** Ends the open transaction without committing it: every append in it fails. */
function abandon(error: Error): void {
  const failed = open?.appends ?? [];
  open = undefined;
  if (db.inTransaction) rollback.run();
  for (const { id } of failed) reply({ kind: 'failed', id, message: error.message });
}

function remove(cutoff: number, limit: number): number {
  let deleted = 0;
  for (const tenant of tenants.all() as string[]) {
    if (deleted >= limit) break;
    deleted += deleteOld.run(tenant, cutoff, limit - deleted).changes;
  }
  return deleted;
}

port.on('message', (request: WriterRequest) => {
  switch (request.kind) {
    case 'append':
      append(request);
      return;
    case 'delete':
      finish();
      try {
        reply({ kind: 'deleted', id: request.id, deleted: remove(request.cutoff, request.limit) });
      } catch (error) {
        reply({ kind: 'failed', id: request.id, message: (error as Error).message });
      }
      return;
    case 'close':
      finish();
      db.close();
      reply({ kind: 'closed', id: request.id });
      port.close();
      return;
  }
});
