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

/**
 * Paths split once: the store, the processor and the rules read the same few paths for every
 * event, and splitting each time cost about 200 bytes of garbage per event. Rules bring their
 * own paths, so the cache is bounded.
 */
const PATH_KEYS = new Map<string, readonly string[]>();
const MAX_CACHED_PATHS = 1_000;

function pathKeys(path: string): readonly string[] {
  let keys = PATH_KEYS.get(path);
  if (keys === undefined) {
    if (PATH_KEYS.size >= MAX_CACHED_PATHS) PATH_KEYS.clear();
    keys = path.split('.');
    PATH_KEYS.set(path, keys);
  }
  return keys;
}

/** Reads a dotted ECS path (`container.image.name`) from a nested event. */
export function getField(doc: unknown, path: string): unknown {
  const keys = pathKeys(path);
  let node: unknown = doc;
  for (let i = 0; i < keys.length; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[keys[i]];
  }
  return node;
}
