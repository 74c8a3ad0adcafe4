/**
 * A normalized event: Elastic Common Schema field names as nested JSON. Only the
 * fields every event carries are typed; everything else a shipper sent is kept.
 */
export interface EcsEvent {
  '@timestamp': string;
  message?: string;
  tenant: string;
  event: { id: string; ingested: string; [key: string]: unknown };
  [field: string]: unknown;
}

/** Reads a dotted ECS path (`container.image.name`) from a nested event. */
export function getField(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
