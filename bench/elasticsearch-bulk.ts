import { EcsEvent, RawRecord, normalizeBatch } from '@logwarden/schema';
import { EventIndexNames, bulkEntry } from '@logwarden/store';
import type { Batch } from './workload';

export interface ElasticsearchBulkFigures {
  events: number;
  /** UTF-8 bytes of the bulk bodies: what would go over the wire. */
  bytes: number;
  bytesPerEvent: number;
  eventsPerSecond: number;
  megabytesPerSecond: number;
}

/**
 * What the Elasticsearch event store spends turning normalized events into `_bulk`
 * bodies (the event, its index and id, and its query fields), with the store's own code
 * and one body per workload batch, as `append` writes one per processed batch; no
 * network. Best of three runs.
 */
export function measureElasticsearchBulk(batches: Batch[]): ElasticsearchBulkFigures {
  const names = new EventIndexNames('logwarden');
  const eventBatches: EcsEvent[][] = batches.map((batch) => {
    const records: RawRecord[] = batch.body
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((raw) => ({ data: JSON.parse(raw) as Record<string, unknown>, raw }));
    return normalizeBatch({ tenant: 'default', protocol: 'http', receivedAt: Date.now(), records });
  });
  const events = eventBatches.reduce((sum, batch) => sum + batch.length, 0);

  let best = Infinity;
  let bodies: string[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    bodies = eventBatches.map((batch) =>
      batch
        .map((event) => {
          const entry = bulkEntry(event, names);
          return 'lines' in entry ? entry.lines : '';
        })
        .join(''),
    );
    best = Math.min(best, performance.now() - started);
  }
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  return {
    events,
    bytes,
    bytesPerEvent: bytes / events,
    eventsPerSecond: (events / best) * 1000,
    megabytesPerSecond: bytes / 1e6 / (best / 1000),
  };
}
