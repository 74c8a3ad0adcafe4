/**
 * What ingest hands to the processor over the `logs.raw` topic: records as the
 * shipper sent them, before any normalization. Serializable as JSON so the same
 * message crosses Kafka in distributed mode.
 */
export interface RawRecord {
  /** The decoded record (one NDJSON line, one bulk source document, ...). */
  data: Record<string, unknown>;
  /** The record's bytes as received, used to derive a stable event id; normalization then empties it. */
  raw: string;
  /** An id the shipper chose (Elasticsearch `_id`); wins over the derived one. */
  id?: string;
  /** The Elasticsearch index or stream the shipper addressed, if any. */
  index?: string;
}

export interface RawBatch {
  tenant: string;
  /** `http`, `elasticsearch`, ... — becomes `observer.ingest.protocol`. */
  protocol: string;
  /** Receive time, epoch milliseconds — becomes `event.ingested`. */
  receivedAt: number;
  records: RawRecord[];
}
