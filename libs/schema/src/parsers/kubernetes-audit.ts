import { isIP } from 'node:net';
import {
  Doc,
  dedotDeep,
  expandInto,
  isPlainObject,
  own,
  readField,
  setField,
  setOwn,
} from '../fields';
import { formatTimestamp, parseTimestamp } from '../timestamp';

const AUDIT_API_VERSION = 'audit.k8s.io/';

/** Top-level keys of an `audit.k8s.io/v1` Event; anything else was added by a shipper. */
const AUDIT_KEYS = new Set([
  'kind',
  'apiVersion',
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
]);

/** Resources that grant or prove identity and permissions: changes to them are IAM events. */
const IAM_RESOURCES = new Set([
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'serviceaccounts',
  'tokenreviews',
  'subjectaccessreviews',
  'selfsubjectaccessreviews',
  'localsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'certificatesigningrequests',
]);

/** Where each kind that runs pods keeps the spec of its pods. */
const POD_SPEC_PATHS = new Map([
  ['Pod', 'spec'],
  ['Deployment', 'spec.template.spec'],
  ['DaemonSet', 'spec.template.spec'],
  ['StatefulSet', 'spec.template.spec'],
  ['ReplicaSet', 'spec.template.spec'],
  ['ReplicationController', 'spec.template.spec'],
  ['Job', 'spec.template.spec'],
  ['CronJob', 'spec.jobTemplate.spec.template.spec'],
]);

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

function isAuditKind(obj: Doc, kind: string): boolean {
  const apiVersion = own(obj, 'apiVersion');
  return (
    typeof apiVersion === 'string' &&
    apiVersion.startsWith(AUDIT_API_VERSION) &&
    own(obj, 'kind') === kind
  );
}

export function isKubernetesAuditEvent(obj: Doc): boolean {
  return isAuditKind(obj, 'Event');
}

/** The events of a webhook `EventList`, or undefined when `obj` is not one. */
export function kubernetesAuditItems(obj: Doc): Doc[] | undefined {
  if (!isAuditKind(obj, 'EventList')) return undefined;
  const items = own(obj, 'items');
  return Array.isArray(items) ? items.filter(isPlainObject) : [];
}

/**
 * Maps a Kubernetes audit Event. The whole original event stays under
 * `kubernetes.audit` (keys dedotted, as its annotations and embedded objects
 * carry dotted label names); `event.id` is `auditID:stage` because every
 * stage of one request shares the auditID.
 */
export function mapKubernetesAuditEvent(source: Doc, referenceMs: number): Doc {
  const doc: Doc = {};
  const audit: Doc = {};
  const extra: Doc = {};
  for (const key of Object.keys(source)) {
    if (AUDIT_KEYS.has(key)) audit[key] = dedotDeep(source[key]);
    else setOwn(extra, key, source[key]);
  }
  expandInto(doc, extra);

  const annotations = own(source, 'annotations');
  const decision = isPlainObject(annotations)
    ? own(annotations, 'authorization.k8s.io/decision')
    : undefined;
  if (typeof decision === 'string') audit.decision = decision;
  setField(doc, 'kubernetes.audit', audit);

  const ms =
    parseTimestamp(own(source, 'stageTimestamp'), referenceMs) ??
    parseTimestamp(own(source, 'requestReceivedTimestamp'), referenceMs);
  if (ms !== undefined) doc['@timestamp'] = formatTimestamp(ms);

  const auditId = own(source, 'auditID');
  const stage = own(source, 'stage');
  if (typeof auditId === 'string') {
    setField(doc, 'event.id', typeof stage === 'string' ? `${auditId}:${stage}` : auditId);
  }
  setField(doc, 'event.kind', 'event');
  setField(doc, 'event.dataset', 'kubernetes.audit');
  const verb = own(source, 'verb');
  if (typeof verb === 'string') setField(doc, 'event.action', verb);

  const objectRef = own(source, 'objectRef');
  const resource = isPlainObject(objectRef) ? own(objectRef, 'resource') : undefined;
  const apiGroup = isPlainObject(objectRef) ? own(objectRef, 'apiGroup') : undefined;
  const iam =
    apiGroup === 'rbac.authorization.k8s.io' ||
    (typeof resource === 'string' && IAM_RESOURCES.has(resource));
  setField(doc, 'event.category', [iam ? 'iam' : 'api']);
  if (isPlainObject(objectRef)) {
    const namespace = own(objectRef, 'namespace');
    const name = own(objectRef, 'name');
    if (typeof namespace === 'string') setField(doc, 'kubernetes.namespace', namespace);
    if (resource === 'pods' && typeof name === 'string') setField(doc, 'kubernetes.pod.name', name);
  }

  const spec = requestedPodSpec(verb, own(source, 'requestObject'));
  if (spec !== undefined) mapPodSecurity(doc, spec);

  const username = usernameOf(own(source, 'user'));
  if (username !== undefined) setField(doc, 'user.name', username);
  const impersonated = usernameOf(own(source, 'impersonatedUser'));
  if (impersonated !== undefined) setField(doc, 'user.effective.name', impersonated);

  const sourceIps = own(source, 'sourceIPs');
  const sourceIp = Array.isArray(sourceIps) ? (sourceIps[0] as unknown) : undefined;
  if (typeof sourceIp === 'string') {
    setField(doc, 'source.address', sourceIp);
    if (isIP(sourceIp) !== 0) setField(doc, 'source.ip', sourceIp);
  }
  const requestUri = own(source, 'requestURI');
  if (typeof requestUri === 'string') {
    setField(doc, 'url.original', requestUri);
    const query = requestUri.indexOf('?');
    setField(doc, 'url.path', query === -1 ? requestUri : requestUri.slice(0, query));
    if (query !== -1) setField(doc, 'url.query', requestUri.slice(query + 1));
  }
  const userAgent = own(source, 'userAgent');
  if (typeof userAgent === 'string') setField(doc, 'user_agent.original', userAgent);

  const responseStatus = own(source, 'responseStatus');
  const code = isPlainObject(responseStatus) ? own(responseStatus, 'code') : undefined;
  if (typeof code === 'number') setField(doc, 'http.response.status_code', code);
  if (decision === 'forbid' || (typeof code === 'number' && code >= 400)) {
    setField(doc, 'event.outcome', 'failure');
  } else if (typeof code === 'number') {
    setField(doc, 'event.outcome', 'success');
  }
  return doc;
}

function usernameOf(user: unknown): string | undefined {
  if (!isPlainObject(user)) return undefined;
  const username = own(user, 'username');
  return typeof username === 'string' ? username : undefined;
}

/**
 * The pod spec a request writes in full: a create, or an update or a patch
 * whose body is the whole object (server-side apply, replace). A merge or
 * JSON patch carries only the changed parts, which cannot tell what the pods
 * will run with.
 */
function requestedPodSpec(verb: unknown, requestObject: unknown): Doc | undefined {
  if (verb !== 'create' && verb !== 'update' && verb !== 'patch') return undefined;
  if (!isPlainObject(requestObject)) return undefined;
  const kind = own(requestObject, 'kind');
  const path = typeof kind === 'string' ? POD_SPEC_PATHS.get(kind) : undefined;
  if (path === undefined) return undefined;
  const spec = readField(requestObject, path);
  return isPlainObject(spec) ? spec : undefined;
}

/**
 * Flags the settings that let a pod's processes reach the node, as flat fields
 * a query can test: the containers are arrays, which queries do not look into.
 * A flag is only ever `true`, so a harmless pod gets no field at all.
 */
function mapPodSecurity(doc: Doc, spec: Doc): void {
  if (own(spec, 'hostPID') === true) setField(doc, 'kubernetes.pod.host_pid', true);
  if (own(spec, 'hostIPC') === true) setField(doc, 'kubernetes.pod.host_ipc', true);
  if (own(spec, 'hostNetwork') === true) setField(doc, 'kubernetes.pod.host_network', true);
  const podContext = objectOrEmpty(own(spec, 'securityContext'));
  const podUser = own(podContext, 'runAsUser');
  const podNonRoot = own(podContext, 'runAsNonRoot');
  let privileged = false;
  let root = false;
  let escalation = false;
  const added = new Set<string>();
  for (const list of CONTAINER_LISTS) {
    const containers = own(spec, list);
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (!isPlainObject(container)) continue;
      const context = objectOrEmpty(own(container, 'securityContext'));
      if (own(context, 'privileged') === true) privileged = true;
      if (own(context, 'allowPrivilegeEscalation') === true) escalation = true;
      // A container's own setting overrides the pod's.
      const user = own(context, 'runAsUser') ?? podUser;
      const nonRoot = own(context, 'runAsNonRoot') ?? podNonRoot;
      if (user === 0 || nonRoot === false) root = true;
      const add = readField(context, 'capabilities.add');
      if (Array.isArray(add)) for (const name of add) addCapability(added, name);
    }
  }
  if (privileged) setField(doc, 'container.security_context.privileged', true);
  if (root) setField(doc, 'kubernetes.pod.run_as_root', true);
  if (escalation) setField(doc, 'kubernetes.pod.allow_privilege_escalation', true);
  if (added.size > 0) setField(doc, 'kubernetes.pod.capabilities.add', [...added]);
}

/**
 * Runtimes (CRI-O, for one) read `sys_admin` and `CAP_SYS_ADMIN` as `SYS_ADMIN`:
 * one spelling lets a query match them all.
 */
function addCapability(added: Set<string>, name: unknown): void {
  if (typeof name !== 'string') return;
  const upper = name.toUpperCase();
  added.add(upper.startsWith('CAP_') ? upper.slice(4) : upper);
}

const EMPTY: Doc = {};

function objectOrEmpty(value: unknown): Doc {
  return isPlainObject(value) ? value : EMPTY;
}
