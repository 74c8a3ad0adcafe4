import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertingStores, describeAlertStoreConformance } from '../testing/alert-store-conformance';
import { SqliteAlertStore } from './sqlite-alert-store';
import { SqliteCheckpointStore } from './sqlite-checkpoint-store';
import { ALERTING_MIGRATIONS, SqliteDatabase } from './sqlite-database';
import { SqliteSilenceStore } from './sqlite-silence-store';

/** The stores on the alerting database in `dataDir`, opened as the store module opens them. */
function openStores(dataDir: string): AlertingStores {
  const database = new SqliteDatabase({
    dataDir,
    synchronous: 'full',
    file: 'alerting.db',
    migrations: ALERTING_MIGRATIONS,
  });
  return {
    alerts: new SqliteAlertStore(database.db),
    silences: new SqliteSilenceStore(database.db),
    checkpoints: new SqliteCheckpointStore(database.db),
    reopen: async () => {
      database.close();
      return openStores(dataDir);
    },
    close: async () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describeAlertStoreConformance('SQLite', async () =>
  openStores(mkdtempSync(join(tmpdir(), 'logwarden-alert-store-'))),
);
