import { isIP } from 'node:net';
import { Doc, dedotDeep, expandInto, isPlainObject, own, setField, setOwn } from '../fields';
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
