import { normalizeBatch } from '../normalize';

/** Loose typing for reading nested fields of normalized events in assertions. */
interface Fields {
  [key: string]: Fields;
}

const RECEIVED = Date.parse('2024-05-01T12:00:00.000Z');

function normalize(data: Record<string, unknown>) {
  return normalizeBatch({
    tenant: 'acme',
    protocol: 'http',
    receivedAt: RECEIVED,
    records: [{ data, raw: JSON.stringify(data) }],
  }) as unknown as Fields[];
}

function auditEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods/web-0/exec?command=sh&stdin=true&tty=true',
    verb: 'create',
    user: {
      username: 'system:serviceaccount:ci:deployer',
      uid: '6a1c',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'],
      extra: { 'authentication.kubernetes.io/pod-name': ['runner-1'] },
    },
    sourceIPs: ['10.0.0.5'],
    userAgent: 'kubectl/v1.30.1 (linux/amd64) kubernetes/7c48c2b',
    objectRef: {
      resource: 'pods',
      namespace: 'default',
      name: 'web-0',
      apiVersion: 'v1',
      subresource: 'exec',
    },
    responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 },
    requestReceivedTimestamp: '2024-05-01T10:00:00.123456Z',
    stageTimestamp: '2024-05-01T10:00:00.130000Z',
    annotations: {
      'authorization.k8s.io/decision': 'forbid',
      'authorization.k8s.io/reason': '',
    },
    ...overrides,
  };
}

describe('Kubernetes audit events', () => {
  it('maps a forbidden exec sent as the record itself', () => {
    const [event] = normalize(auditEvent());
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.130Z');
    expect(event.event).toMatchObject({
      id: 'c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11:ResponseComplete',
      kind: 'event',
      dataset: 'kubernetes.audit',
      action: 'create',
      category: ['api'],
      outcome: 'failure',
    });
    expect(event.user).toEqual({ name: 'system:serviceaccount:ci:deployer' });
    expect(event.source).toEqual({ address: '10.0.0.5', ip: '10.0.0.5' });
    expect(event.url).toEqual({
      original: '/api/v1/namespaces/default/pods/web-0/exec?command=sh&stdin=true&tty=true',
      path: '/api/v1/namespaces/default/pods/web-0/exec',
      query: 'command=sh&stdin=true&tty=true',
    });
    expect(event.user_agent.original).toBe('kubectl/v1.30.1 (linux/amd64) kubernetes/7c48c2b');
    expect(event.http.response.status_code).toBe(403);
    expect(event.kubernetes).toMatchObject({ namespace: 'default', pod: { name: 'web-0' } });
    expect(event.kubernetes.audit).toMatchObject({
      level: 'Metadata',
      stage: 'ResponseComplete',
      decision: 'forbid',
      objectRef: { resource: 'pods', subresource: 'exec', name: 'web-0' },
      annotations: { 'authorization_k8s_io/decision': 'forbid' },
      user: { extra: { 'authentication_kubernetes_io/pod-name': ['runner-1'] } },
    });
    expect(event).not.toHaveProperty('log');
  });

  it('dedots label keys inside the request object it keeps', () => {
    const [event] = normalize(
      auditEvent({
        requestObject: {
          metadata: { name: 'web-0', labels: { 'app.kubernetes.io/name': 'web' } },
        },
      }),
    );
    expect(event.kubernetes.audit.requestObject.metadata.labels).toEqual({
      'app_kubernetes_io/name': 'web',
    });
  });

  it('treats a successful RBAC change as an IAM success, taking the stage into the id', () => {
    const [event] = normalize(
      auditEvent({
        stage: 'ResponseStarted',
        verb: 'update',
        requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/admins',
        objectRef: {
          resource: 'clusterrolebindings',
          name: 'admins',
          apiGroup: 'rbac.authorization.k8s.io',
        },
        responseStatus: { metadata: {}, code: 200 },
        annotations: { 'authorization.k8s.io/decision': 'allow' },
        impersonatedUser: { username: 'admin' },
      }),
    );
    expect(event.event.id).toBe('c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11:ResponseStarted');
    expect(event.event.category).toEqual(['iam']);
    expect(event.event.outcome).toBe('success');
    expect(event.user).toEqual({
      name: 'system:serviceaccount:ci:deployer',
      effective: { name: 'admin' },
    });
    expect(event.kubernetes).not.toHaveProperty('namespace');
  });

  it('maps an audit event tailed from the audit log by Filebeat, keeping the line', () => {
    const line = JSON.stringify(auditEvent());
    const [event] = normalize({
      '@timestamp': '2024-05-01T10:00:01.000Z',
      message: line,
      log: { file: { path: '/var/log/kubernetes/audit.log' }, offset: 1024 },
      host: { name: 'cp-1' },
    });
    expect(event.message).toBe(line);
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.130Z');
    expect(event.event.dataset).toBe('kubernetes.audit');
    expect(event.event.id).toBe('c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11:ResponseComplete');
    expect(event.log.file.path).toBe('/var/log/kubernetes/audit.log');
    expect(event.host.name).toBe('cp-1');
    expect(event.kubernetes.audit.level).toBe('Metadata');
  });

  it('expands a webhook EventList into one event per item', () => {
    const events = normalize({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: [
        auditEvent({ stage: 'RequestReceived', responseStatus: undefined }),
        auditEvent(),
        auditEvent({ auditID: 'second', verb: 'get', responseStatus: { code: 200 } }),
      ],
    });
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.event.id)).toEqual([
      'c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11:RequestReceived',
      'c5f4e2a1-7d2b-4b8e-9a51-0f3f0c6b8e11:ResponseComplete',
      'second:ResponseComplete',
    ]);
    expect(events[0].event.outcome).toBe('failure');
    expect(events.map((e) => e.tenant)).toEqual(['acme', 'acme', 'acme']);
  });

  it('gives an empty EventList no events', () => {
    expect(normalize({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] })).toEqual([]);
  });
});
