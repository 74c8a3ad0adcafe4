import { hash } from 'node:crypto';

/**
 * An id derived from what the shipper sent, so a retried request maps to the
 * same ids and the store can drop the duplicates: the first 22 base64url
 * characters (132 bits) of SHA-256 over tenant, index, occurrence, part and raw
 * text. `occurrence` tells identical lines of one request apart; `part` tells
 * apart the events one record expands into (a Kubernetes audit EventList).
 */
export function deriveEventId(
  tenant: string,
  index: string | undefined,
  raw: string,
  occurrence: number,
  part = 0,
): string {
  const input = `${tenant}\u0000${index ?? ''}\u0000${occurrence}\u0000${part}\u0000${raw}`;
  return hash('sha256', input, 'base64url').slice(0, 22);
}

/** Counts, within one batch, how many times each raw text was seen before. */
export class OccurrenceCounter {
  private readonly seen = new Map<string, number>();

  next(raw: string): number {
    const count = this.seen.get(raw) ?? 0;
    this.seen.set(raw, count + 1);
    return count;
  }
}
