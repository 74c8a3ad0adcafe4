/** A document under construction: nested JSON with ECS field names. */
export type Doc = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an own property only: shippers control the keys, and `constructor` or
 * `toString` must not resolve to something inherited from Object.prototype.
 */
export function own(obj: Doc, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Plain assignment of `__proto__` would replace the object's prototype (and
 * let `{"__proto__.x":1}` write into Object.prototype); define it as data.
 */
export function setOwn(obj: Doc, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/**
 * Maps whose keys are names chosen by users (Kubernetes labels such as
 * `app.kubernetes.io/name`): their keys are dedotted, never expanded, so each
 * label stays one field.
 */
const LABEL_MAPS = new Set([
  'labels',
  'container.labels',
  'kubernetes.labels',
  'kubernetes.annotations',
  'kubernetes.pod_labels',
  'kubernetes.pod_annotations',
  'kubernetes.namespace_labels',
  'kubernetes.namespace_annotations',
  'kubernetes.node_labels',
  'kubernetes.node.labels',
]);

/** The only paths below which a label map can start, so deeper keys need no path tracking. */
const LABEL_MAP_PARENTS = new Set(['container', 'kubernetes', 'kubernetes.node']);

function childPath(parent: string | undefined, key: string): string | undefined {
  if (parent === '') return key;
  if (parent !== undefined && LABEL_MAP_PARENTS.has(parent)) return `${parent}.${key}`;
  return undefined;
}

/**
 * Where a scalar goes when an ECS object field arrives as a plain value
 * (`"host":"web-1"` is `host.name`), so the field keeps one type in every
 * document. Other collisions between a value and an object use `value`.
 */
const SCALAR_HOMES = new Map([
  ['agent', 'name'],
  ['client', 'address'],
  ['container', 'name'],
  ['destination', 'address'],
  ['error', 'message'],
  ['event', 'action'],
  ['file', 'path'],
  ['host', 'name'],
  ['observer', 'name'],
  ['process', 'name'],
  ['server', 'address'],
  ['service', 'name'],
  ['source', 'address'],
  ['url', 'original'],
  ['user', 'name'],
  ['user_agent', 'original'],
]);

function homeKey(atRoot: boolean, key: string): string {
  return (atRoot && SCALAR_HOMES.get(key)) || 'value';
}

/** Label keys keep their meaning with `.` replaced by `_`, as Filebeat's `labels.dedot` does. */
export function dedotKey(key: string): string {
  return key.includes('.') ? key.replaceAll('.', '_') : key;
}

/** Copies a value, dedotting the keys of every object inside it. */
export function dedotDeep(value: unknown): unknown {
  return copyDeep(value, dedotKey);
}

function copyDeep(value: unknown, renameKey: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => copyDeep(item, renameKey));
  if (!isPlainObject(value)) return value;
  const out: Doc = {};
  for (const key of Object.keys(value)) {
    setOwn(out, renameKey(key), copyDeep(value[key], renameKey));
  }
  return out;
}

/**
 * Moves the fields of `source` into `target` the way Elasticsearch reads a
 * document: `{"a.b":1}` and `{"a":{"b":1}}` are the same field, objects merge,
 * and two different values for one field become an array instead of one being
 * lost. With `overwrite`, a value from `source` replaces a scalar already
 * present. `path` is where `target` sits in the document ('' for the root).
 * The objects and arrays of `source` are taken over, not copied: `target` ends
 * up holding them, so the caller must own `source` and not use it afterwards.
 */
export function expandInto(
  target: Doc,
  source: Doc,
  overwrite = false,
  path: string | undefined = '',
): Doc {
  const labelMap = path !== undefined && LABEL_MAPS.has(path);
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    if (labelMap) put(target, dedotKey(key), value, path, overwrite);
    else if (!key.includes('.')) put(target, key, value, path, overwrite);
    else putDotted(target, key, value, path, overwrite);
  }
  return target;
}

/** A nested copy of a shipper's record, leaving the record as it was. */
export function expandFields(source: Doc): Doc {
  return expandOwned(copyDeep(source, identity) as Doc);
}

function identity(key: string): string {
  return key;
}

/**
 * Gives `doc` the shape `expandInto({}, doc)` would, reusing its objects and
 * arrays: shippers mostly send nested documents without a dotted key, and
 * copying them would double what every event keeps alive until it is stored.
 * An object with nothing to rewrite is kept and its values are expanded in
 * place; only an object holding a dotted key (or an undefined value) is
 * rebuilt, taking its values over. Returns `doc` or its rebuilt replacement.
 * `doc` must belong to the caller alone: no object may be reachable twice.
 */
export function expandOwned(doc: Doc, path: string | undefined = '', overwrite = false): Doc {
  // for-in rather than Object.keys: no array of keys per object of every event.
  for (const key in doc) {
    if (!Object.hasOwn(doc, key)) continue;
    const value = doc[key];
    // Values met before such a key are already expanded; expanding them again changes nothing.
    if (value === undefined || key.includes('.')) return expandInto({}, doc, overwrite, path);
    if (isPlainObject(value)) {
      const expanded = expandOwned(value, childPath(path, key), overwrite);
      if (expanded !== value) setOwn(doc, key, expanded);
    } else if (Array.isArray(value)) {
      expandArray(value);
    }
  }
  return doc;
}

function expandArray(values: unknown[]): void {
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    if (isPlainObject(item)) values[i] = expandOwned(item, undefined);
    else if (Array.isArray(item)) expandArray(item);
  }
}

function putDotted(
  target: Doc,
  key: string,
  value: unknown,
  path: string | undefined,
  overwrite: boolean,
): void {
  const parts = key.split('.').filter((part) => part !== '');
  if (parts.length === 0) {
    put(target, key, value, path, overwrite);
    return;
  }
  let node = target;
  let nodePath = path;
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) {
    node = objectAt(node, parts[i], nodePath === '');
    nodePath = childPath(nodePath, parts[i]);
    if (nodePath !== undefined && LABEL_MAPS.has(nodePath)) {
      put(node, parts.slice(i + 1).join('_'), value, nodePath, overwrite);
      return;
    }
  }
  put(node, parts[last], value, nodePath, overwrite);
}

function put(
  target: Doc,
  key: string,
  value: unknown,
  path: string | undefined,
  overwrite: boolean,
): void {
  const existing = own(target, key);
  if (isPlainObject(value)) {
    const valuePath = childPath(path, key);
    if (isPlainObject(existing)) {
      expandInto(existing, value, overwrite, valuePath);
      return;
    }
    const obj = expandOwned(value, valuePath, overwrite);
    if (existing !== undefined) put(obj, homeKey(path === '', key), existing, valuePath, false);
    setOwn(target, key, obj);
    return;
  }
  if (Array.isArray(value)) expandArray(value);
  if (isPlainObject(existing)) {
    put(existing, homeKey(path === '', key), value, undefined, overwrite);
  } else if (existing === undefined || overwrite) {
    setOwn(target, key, value);
  } else {
    setOwn(target, key, combine(existing, value));
  }
}

/** `existing` belongs to the document being built, so it may be extended in place. */
function combine(existing: unknown, incoming: unknown): unknown {
  if (existing === incoming) return existing;
  const list = Array.isArray(existing) ? existing : [existing];
  if (Array.isArray(incoming)) {
    for (const item of incoming) if (!list.includes(item)) list.push(item);
  } else if (!list.includes(incoming)) {
    list.push(incoming);
  }
  return list;
}

/** The object at `node[key]`, created if missing; a scalar found there moves inside it. */
export function objectAt(node: Doc, key: string, atRoot = false): Doc {
  const existing = own(node, key);
  if (isPlainObject(existing)) return existing;
  const obj: Doc = {};
  if (existing !== undefined) setOwn(obj, homeKey(atRoot, key), existing);
  setOwn(node, key, obj);
  return obj;
}

/** Field paths come from this library's own literals, so splitting each once is enough. */
const splitPaths = new Map<string, string[]>();

function splitPath(path: string): string[] {
  let parts = splitPaths.get(path);
  if (parts === undefined) {
    parts = path.split('.');
    splitPaths.set(path, parts);
  }
  return parts;
}

/** Reads a dotted ECS path, own properties only. */
export function readField(doc: Doc, path: string): unknown {
  const parts = splitPath(path);
  let node: unknown = doc;
  for (const part of parts) {
    if (!isPlainObject(node)) return undefined;
    node = own(node, part);
  }
  return node;
}

function parentOf(doc: Doc, parts: string[]): Doc {
  let node = doc;
  for (let i = 0; i < parts.length - 1; i++) node = objectAt(node, parts[i], i === 0);
  return node;
}

/** Writes a dotted ECS path, replacing whatever was there. */
export function setField(doc: Doc, path: string, value: unknown): void {
  const parts = splitPath(path);
  setOwn(parentOf(doc, parts), parts[parts.length - 1], value);
}

/** Writes a dotted ECS path unless the event already has a value there. */
export function fillField(doc: Doc, path: string, value: unknown): void {
  const parts = splitPath(path);
  const parent = parentOf(doc, parts);
  const leaf = parts[parts.length - 1];
  if (own(parent, leaf) === undefined) setOwn(parent, leaf, value);
}

/**
 * Moves `obj[key]` to a dotted path of `doc`, merging with what is already
 * there (both values are kept on a collision).
 */
export function moveField(obj: Doc, key: string, doc: Doc, path: string): void {
  const value = own(obj, key);
  if (value === undefined) return;
  delete obj[key];
  const parts = splitPath(path);
  put(parentOf(doc, parts), parts[parts.length - 1], value, undefined, false);
}

/** Gives every ECS object field that arrived as a plain value its ECS home (`host` → `host.name`). */
export function homeScalars(doc: Doc): void {
  // An event has fewer keys than there are homes, so its keys are looked up rather than every home probed.
  for (const key in doc) {
    const home = SCALAR_HOMES.get(key);
    if (home === undefined || !Object.hasOwn(doc, key)) continue;
    const value = doc[key];
    if (value !== undefined && !isPlainObject(value)) setOwn(doc, key, { [home]: value });
  }
}
