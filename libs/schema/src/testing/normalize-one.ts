import { normalizeBatch } from '../normalize';
import type { RawRecord } from '../raw-batch';

/** Loose typing for reading nested fields of normalized events in assertions. */
export interface Fields {
  [key: string]: Fields;
}

/** The receive time of every test batch. */
export const RECEIVED = Date.parse('2024-05-01T12:00:00.000Z');

/** Normalizes one record, as a shipper would send it, and answers its event. */
export function normalizeOne(
  data: Record<string, unknown>,
  record: Partial<RawRecord> = {},
): Fields {
  const [event] = normalizeBatch({
    tenant: 'acme',
    protocol: 'http',
    receivedAt: RECEIVED,
    records: [{ data, raw: JSON.stringify(data), ...record }],
  });
  return event as unknown as Fields;
}
