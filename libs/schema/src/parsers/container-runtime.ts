import { Doc, fillField, isPlainObject, moveField, own, readField, setField } from '../fields';
import { formatTimestamp, parseTimestamp } from '../timestamp';

/** `2024-05-01T10:00:00.123456789Z stdout F message`: the CRI log file line format. */
const CRI_LINE = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s;

/** `containerd://<id>`, `docker://<id>`, `cri-o://<id>` as Kubernetes reports container ids. */
const RUNTIME_SCHEME = /^[a-z-]+:\/\//;

/** Fluent Bit `kubernetes` filter and Vector `kubernetes_logs` keys, and their ECS names. */
const KUBERNETES_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['pod_name', 'kubernetes.pod.name'],
  ['pod_id', 'kubernetes.pod.uid'],
  ['pod_uid', 'kubernetes.pod.uid'],
  ['pod_ip', 'kubernetes.pod.ip'],
  ['namespace_name', 'kubernetes.namespace'],
  ['pod_namespace', 'kubernetes.namespace'],
  ['host', 'kubernetes.node.name'],
  ['pod_node_name', 'kubernetes.node.name'],
  ['container_name', 'kubernetes.container.name'],
  ['pod_labels', 'kubernetes.labels'],
  ['pod_annotations', 'kubernetes.annotations'],
  ['node_labels', 'kubernetes.node.labels'],
  ['container_image', 'container.image.name'],
];

/**
 * Takes the log line out of the envelope a container runtime or log driver
 * put around it: Docker json-file (`log`, `stream`, `time`), the Fluentd log
 * driver (`container_id`, `container_name`, `source`) and CRI lines.
 */
export function unwrapContainerRuntime(doc: Doc, referenceMs: number): void {
  const log = own(doc, 'log');
  if (typeof log === 'string' && own(doc, 'message') === undefined) {
    delete doc.log;
    doc.message = withoutNewline(log);
    const time = own(doc, 'time');
    const ms = parseTimestamp(time, referenceMs);
    if (ms !== undefined) {
      delete doc.time;
      fillField(doc, '@timestamp', formatTimestamp(ms));
    }
  }
  const stream = own(doc, 'stream') ?? own(doc, 'source');
  if (stream === 'stdout' || stream === 'stderr') {
    delete doc[own(doc, 'stream') === stream ? 'stream' : 'source'];
    setField(doc, 'log.iostream', stream);
  }
  adopt(doc, 'container_id', 'container.id');
  adopt(doc, 'container_name', 'container.name', withoutSlash);
  const message = own(doc, 'message');
  if (typeof message === 'string') unwrapCriLine(doc, message, referenceMs);
}

function unwrapCriLine(doc: Doc, line: string, referenceMs: number): void {
  if (line.length < 30 || line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84) return;
  const m = CRI_LINE.exec(line);
  if (m === null) return;
  const ms = parseTimestamp(m[1], referenceMs);
  if (ms === undefined) return;
  doc['@timestamp'] = formatTimestamp(ms);
  setField(doc, 'log.iostream', m[2]);
  if (m[3] === 'P') setField(doc, 'log.flags', ['partial']);
  doc.message = m[4];
}

/**
 * Renames the pod metadata Fluent Bit and Vector attach (`kubernetes.pod_name`,
 * `namespace_name` / `pod_namespace`, `pod_labels`, ...) to ECS `kubernetes.*`
 * and `container.*` names.
 */
export function mapKubernetesMetadata(doc: Doc): void {
  const k8s = own(doc, 'kubernetes');
  if (!isPlainObject(k8s)) return;
  for (const [key, path] of KUBERNETES_KEYS) moveField(k8s, key, doc, path);
  adopt(k8s, 'docker_id', 'container.id', withoutScheme, doc);
  adopt(k8s, 'container_id', 'container.id', withoutScheme, doc);
  const containerName = readField(doc, 'kubernetes.container.name');
  if (typeof containerName === 'string') fillField(doc, 'container.name', containerName);
}

/**
 * Moves the string `obj[key]` to the ECS field `path` of `doc` unless that
 * field is already set, in which case the original key stays, unmapped.
 */
function adopt(
  obj: Doc,
  key: string,
  path: string,
  convert?: (value: string) => string,
  doc: Doc = obj,
): void {
  const value = own(obj, key);
  if (typeof value !== 'string' || readField(doc, path) !== undefined) return;
  delete obj[key];
  setField(doc, path, convert === undefined ? value : convert(value));
}

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** `registry:5000/team/app:1.2@sha256:…` → name `registry:5000/team/app`, tag `1.2`, digest. */
export function splitImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const base = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const colon = base.lastIndexOf(':');
  if (colon <= base.lastIndexOf('/'))
    return digest === undefined ? { name: base } : { name: base, digest };
  const image: ImageReference = { name: base.slice(0, colon), tag: base.slice(colon + 1) };
  if (digest !== undefined) image.digest = digest;
  return image;
}

/** Splits a `container.image.name` that carries its tag (`nginx:1.27`) into name and tag. */
export function normalizeContainerImage(doc: Doc): void {
  const image = readField(doc, 'container.image');
  if (!isPlainObject(image)) return;
  const name = own(image, 'name');
  if (typeof name !== 'string' || own(image, 'tag') !== undefined) return;
  const reference = splitImageReference(name);
  if (reference.tag === undefined && reference.digest === undefined) return;
  image.name = reference.name;
  if (reference.tag !== undefined) image.tag = reference.tag;
  if (reference.digest !== undefined) fillField(image, 'hash.all', [reference.digest]);
}

function withoutNewline(text: string): string {
  if (text.charCodeAt(text.length - 1) !== 10) return text;
  return text.charCodeAt(text.length - 2) === 13 ? text.slice(0, -2) : text.slice(0, -1);
}

function withoutScheme(id: string): string {
  return id.replace(RUNTIME_SCHEME, '');
}

export function withoutSlash(name: string): string {
  return name.charCodeAt(0) === 47 ? name.slice(1) : name;
}
