import {
  Doc,
  dedotKey,
  expandInto,
  isPlainObject,
  own,
  readField,
  setField,
  setOwn,
} from '../fields';
import { formatTimestamp, parseTimestamp } from '../timestamp';
import { splitImageReference, withoutSlash } from './container-runtime';

/** Keys of a Docker Engine event (`GET /events`), including the legacy ones dropped in API 1.52. */
const EVENT_KEYS = new Set([
  'Type',
  'Action',
  'Actor',
  'time',
  'timeNano',
  'scope',
  'status',
  'id',
  'from',
]);

/** Keys of a Docker stats sample (`GET /containers/{id}/stats`). */
const STATS_KEYS = new Set([
  'read',
  'preread',
  'id',
  'name',
  'os_type',
  'num_procs',
  'pids_stats',
  'cpu_stats',
  'precpu_stats',
  'memory_stats',
  'networks',
  'blkio_stats',
  'storage_stats',
]);

export function isDockerEngineEvent(obj: Doc): boolean {
  return (
    typeof own(obj, 'Type') === 'string' &&
    typeof own(obj, 'Action') === 'string' &&
    isPlainObject(own(obj, 'Actor'))
  );
}

export function isDockerStats(obj: Doc): boolean {
  return isPlainObject(own(obj, 'cpu_stats')) && isPlainObject(own(obj, 'memory_stats'));
}

/**
 * Splits a record into the keys Docker defines (moved under `docker.<kind>`,
 * minus the ones mapped 1:1 to ECS) and keys a shipper added (kept as they are).
 */
function splitKeys(source: Doc, native: Set<string>, mapped: Set<string>, kind: string): Doc {
  const doc: Doc = {};
  const kept: Doc = {};
  const extra: Doc = {};
  for (const key of Object.keys(source)) {
    if (!native.has(key)) setOwn(extra, key, source[key]);
    else if (!mapped.has(key)) kept[key] = source[key];
  }
  expandInto(doc, extra);
  if (Object.keys(kept).length > 0) {
    setField(doc, `docker.${kind}`, expandInto({}, kept, false, undefined));
  }
  return doc;
}

const EVENT_MAPPED = new Set(['Type', 'Action', 'Actor', 'time', 'timeNano']);

/**
 * Maps a Docker Engine event. `Action` strings such as `exec_create: /bin/sh -c ls`
 * or `health_status: healthy` are split into `event.action` and the command
 * (`process.command_line`) or the detail (`event.reason`). For containers,
 * Attributes other than the known ones are the container's labels.
 */
export function mapDockerEngineEvent(source: Doc, referenceMs: number): Doc {
  const doc = splitKeys(source, EVENT_KEYS, EVENT_MAPPED, 'event');
  const type = own(source, 'Type') as string;
  const fullAction = own(source, 'Action') as string;
  const actor = own(source, 'Actor') as Doc;

  setField(doc, 'event.kind', 'event');
  setField(doc, 'event.dataset', 'docker.events');
  setField(doc, 'docker.event.type', type);
  const colon = fullAction.indexOf(': ');
  const action = colon === -1 ? fullAction : fullAction.slice(0, colon);
  setField(doc, 'event.action', action);
  if (colon !== -1) {
    // Docker writes `exec_start: ` + entrypoint + " " + args: a command without arguments
    // ends in a space.
    const detail = fullAction.slice(colon + 2).trimEnd();
    setField(doc, action.startsWith('exec_') ? 'process.command_line' : 'event.reason', detail);
  }
  const ms =
    parseTimestamp(own(source, 'timeNano'), referenceMs) ??
    parseTimestamp(own(source, 'time'), referenceMs);
  if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);

  const id = own(actor, 'ID');
  const attributes = own(actor, 'Attributes');
  if (type !== 'container') {
    if (typeof id === 'string') setField(doc, 'docker.event.actor.id', id);
    if (isPlainObject(attributes)) {
      setField(doc, 'docker.event.actor.attributes', dedotted(attributes, new Set()));
    }
    return doc;
  }
  if (typeof id === 'string') setField(doc, 'container.id', id);
  if (isPlainObject(attributes)) mapContainerAttributes(doc, action, attributes);
  return doc;
}

const CONTAINER_ATTRIBUTES = new Set([
  'name',
  'image',
  'exitCode',
  'signal',
  'execDuration',
  'execID',
  'oldName',
]);

function mapContainerAttributes(doc: Doc, action: string, attributes: Doc): void {
  const name = own(attributes, 'name');
  if (typeof name === 'string') setField(doc, 'container.name', withoutSlash(name));
  const image = own(attributes, 'image');
  if (typeof image === 'string') {
    const reference = splitImageReference(image);
    setField(doc, 'container.image.name', reference.name);
    if (reference.tag !== undefined) setField(doc, 'container.image.tag', reference.tag);
    if (reference.digest !== undefined)
      setField(doc, 'container.image.hash.all', [reference.digest]);
  }
  const exitCode = integer(own(attributes, 'exitCode'));
  if (exitCode !== undefined) {
    setField(doc, 'process.exit_code', exitCode);
    if (action === 'die' || action === 'exec_die') {
      setField(doc, 'event.outcome', exitCode === 0 ? 'success' : 'failure');
    }
  }
  const signal = integer(own(attributes, 'signal'));
  if (signal !== undefined) setField(doc, 'docker.event.signal', signal);
  const seconds = integer(own(attributes, 'execDuration'));
  if (seconds !== undefined) setField(doc, 'event.duration', seconds * 1e9);
  const execId = own(attributes, 'execID');
  if (typeof execId === 'string') setField(doc, 'docker.event.exec_id', execId);
  const oldName = own(attributes, 'oldName');
  if (typeof oldName === 'string') setField(doc, 'docker.event.old_name', withoutSlash(oldName));
  const labels = dedotted(attributes, CONTAINER_ATTRIBUTES);
  if (Object.keys(labels).length > 0) expandInto(doc, { container: { labels } });
}

function dedotted(obj: Doc, skip: Set<string>): Doc {
  const out: Doc = {};
  for (const key of Object.keys(obj)) if (!skip.has(key)) setOwn(out, dedotKey(key), obj[key]);
  return out;
}

function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

const STATS_MAPPED = new Set(['read', 'id', 'name']);

/**
 * Maps a Docker stats sample to ECS container metrics:
 * - `container.cpu.usage`: share of all the host's CPUs used between the two
 *   samples, cpuDelta / systemDelta, 0..1 (the Docker CLI's CPU % divided by
 *   100 × online_cpus). Omitted when there is no previous sample
 *   (`one-shot=true`), as no rate can be computed from a single counter.
 * - `container.memory.usage`: (usage − inactive_file) / limit, 0..1.
 * - `container.network.{ingress,egress}.bytes`: rx / tx bytes summed over all
 *   interfaces, cumulative counters since the container started.
 * The raw sample stays under `docker.stats`.
 */
export function mapDockerStats(source: Doc, referenceMs: number): Doc {
  // Read before splitKeys hands the sample's objects over to the event, expanding them.
  const cpu = cpuUsage(source);
  const memory = memoryUsage(own(source, 'memory_stats') as Doc);
  const networks = own(source, 'networks');
  const ingress = isPlainObject(networks) ? sum(networks, 'rx_bytes') : undefined;
  const egress = isPlainObject(networks) ? sum(networks, 'tx_bytes') : undefined;

  const doc = splitKeys(source, STATS_KEYS, STATS_MAPPED, 'stats');
  setField(doc, 'event.kind', 'metric');
  setField(doc, 'event.dataset', 'docker.stats');
  const ms = parseTimestamp(own(source, 'read'), referenceMs);
  if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);
  const id = own(source, 'id');
  if (typeof id === 'string') setField(doc, 'container.id', id);
  const name = own(source, 'name');
  if (typeof name === 'string') setField(doc, 'container.name', withoutSlash(name));

  if (cpu !== undefined) setField(doc, 'container.cpu.usage', cpu);
  if (memory !== undefined) setField(doc, 'container.memory.usage', memory);
  if (ingress !== undefined) setField(doc, 'container.network.ingress.bytes', ingress);
  if (egress !== undefined) setField(doc, 'container.network.egress.bytes', egress);
  return doc;
}

function cpuUsage(source: Doc): number | undefined {
  const current = own(source, 'cpu_stats') as Doc;
  const previous = own(source, 'precpu_stats');
  if (!isPlainObject(previous)) return undefined;
  const total = num(readField(current, 'cpu_usage.total_usage'));
  const system = num(own(current, 'system_cpu_usage'));
  const previousTotal = num(readField(previous, 'cpu_usage.total_usage'));
  const previousSystem = num(own(previous, 'system_cpu_usage'));
  if (total === undefined || system === undefined) return undefined;
  if (previousTotal === undefined || previousSystem === undefined || previousSystem <= 0) {
    return undefined;
  }
  const systemDelta = system - previousSystem;
  const cpuDelta = total - previousTotal;
  if (systemDelta <= 0 || cpuDelta < 0) return undefined;
  return ratio(cpuDelta / systemDelta);
}

function memoryUsage(memory: Doc): number | undefined {
  const usage = num(own(memory, 'usage'));
  const limit = num(own(memory, 'limit'));
  if (usage === undefined || limit === undefined || limit <= 0) return undefined;
  const stats = own(memory, 'stats');
  const inactive = isPlainObject(stats)
    ? (num(own(stats, 'total_inactive_file')) ?? num(own(stats, 'inactive_file')) ?? 0)
    : 0;
  // docker/cli ignores the page cache only when it is smaller than usage.
  const used = inactive < usage ? usage - inactive : usage;
  return ratio(used / limit);
}

function sum(networks: Doc, counter: string): number {
  let total = 0;
  for (const key of Object.keys(networks)) {
    const iface = networks[key];
    if (isPlainObject(iface)) total += num(own(iface, counter)) ?? 0;
  }
  return total;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function ratio(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
