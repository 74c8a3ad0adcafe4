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

/** An allowed write of `requestObject` as the API server logs it at level Request. */
function writeEvent(
  verb: string,
  objectRef: Record<string, string>,
  requestObject: unknown,
  requestURI: string,
): Record<string, unknown> {
  return auditEvent({
    level: 'Request',
    verb,
    requestURI,
    objectRef: { apiVersion: 'v1', ...objectRef },
    requestObject,
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "admins"',
    },
  });
}

const WEB_CONTAINER = {
  name: 'web',
  image: 'registry.example.com/shop/web:2.4.1',
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
  resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

function deployment(name: string, podSpec: object): object {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}' },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: podSpec },
    },
  };
}

function deploymentCreate(name: string, podSpec: object): Record<string, unknown> {
  return writeEvent(
    'create',
    { resource: 'deployments', namespace: 'shop', name, apiGroup: 'apps' },
    deployment(name, podSpec),
    '/apis/apps/v1/namespaces/shop/deployments?fieldManager=kubectl-client-side-apply&fieldValidation=Strict',
  );
}

function podCreate(name: string, podSpec: object): Record<string, unknown> {
  return writeEvent(
    'create',
    { resource: 'pods', namespace: 'shop', name },
    { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'shop' }, spec: podSpec },
    '/api/v1/namespaces/shop/pods?fieldManager=kubectl-run',
  );
}

describe('pod security fields derived from Kubernetes audit events', () => {
  it('flags a Deployment whose sidecar is privileged, and nothing else about it', () => {
    const [event] = normalize(
      deploymentCreate('web', {
        containers: [
          WEB_CONTAINER,
          {
            name: 'netshoot',
            image: 'nicolaka/netshoot:v0.13',
            command: ['sleep', 'infinity'],
            securityContext: { privileged: true },
          },
        ],
      }),
    );
    expect(event.container).toEqual({ security_context: { privileged: true } });
    expect(event.kubernetes).not.toHaveProperty('pod');
    expect(event.kubernetes.audit.requestObject.spec.template.spec.containers).toHaveLength(2);
  });

  it('flags a bare pod that shares the host PID namespace', () => {
    const [event] = normalize(
      podCreate('debug-node', {
        hostPID: true,
        containers: [{ name: 'debug', image: 'alpine:3.20', command: ['sh'], stdin: true }],
      }),
    );
    expect(event.kubernetes.pod).toEqual({ name: 'debug-node', host_pid: true });
    expect(event).not.toHaveProperty('container');
  });

  it('flags a CronJob whose pods run as root', () => {
    const [event] = normalize(
      writeEvent(
        'create',
        { resource: 'cronjobs', namespace: 'ops', name: 'backup', apiGroup: 'batch' },
        {
          kind: 'CronJob',
          apiVersion: 'batch/v1',
          metadata: { name: 'backup', namespace: 'ops' },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: {
              spec: {
                template: {
                  spec: {
                    restartPolicy: 'OnFailure',
                    securityContext: { runAsUser: 0, fsGroup: 0 },
                    containers: [{ name: 'backup', image: 'restic/restic:0.16.4' }],
                  },
                },
              },
            },
          },
        },
        '/apis/batch/v1/namespaces/ops/cronjobs',
      ),
    );
    expect(event.kubernetes.pod).toEqual({ run_as_root: true });
  });

  it('gives a pod that follows the restricted profile no flags', () => {
    const [event] = normalize(
      podCreate('web-0', {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [WEB_CONTAINER],
      }),
    );
    expect(event).not.toHaveProperty('container');
    expect(event.kubernetes.pod).toEqual({ name: 'web-0' });
  });

  it('reads every container list, letting a container override the pod user', () => {
    const [event] = normalize(
      podCreate('cni-node', {
        hostNetwork: true,
        securityContext: { runAsUser: 0 },
        initContainers: [
          {
            name: 'install-cni',
            image: 'registry.example.com/cni:1.4',
            securityContext: {
              runAsUser: 1000,
              allowPrivilegeEscalation: true,
              capabilities: { add: ['NET_ADMIN', 'CAP_SYS_ADMIN'] },
            },
          },
        ],
        containers: [
          {
            name: 'agent',
            image: 'registry.example.com/cni-agent:1.4',
            securityContext: { runAsUser: 1000, capabilities: { add: ['net_admin', 'NET_RAW'] } },
          },
        ],
      }),
    );
    expect(event.kubernetes.pod).toEqual({
      name: 'cni-node',
      host_network: true,
      allow_privilege_escalation: true,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'] },
    });
  });

  it('flags a container that allows root with runAsNonRoot false, and a privileged debug container', () => {
    const [event] = normalize(
      writeEvent(
        'update',
        { resource: 'pods', namespace: 'shop', name: 'web-0', subresource: 'ephemeralcontainers' },
        {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { name: 'web-0', namespace: 'shop' },
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [WEB_CONTAINER],
            ephemeralContainers: [
              {
                name: 'debugger-x7k2p',
                image: 'busybox:1.36',
                stdin: true,
                tty: true,
                securityContext: { privileged: true, runAsNonRoot: false },
              },
            ],
          },
        },
        '/api/v1/namespaces/shop/pods/web-0/ephemeralcontainers',
      ),
    );
    expect(event.container).toEqual({ security_context: { privileged: true } });
    expect(event.kubernetes.pod).toEqual({ name: 'web-0', run_as_root: true });
  });

  it('reads a server-side apply, which sends the whole object, but not a partial patch', () => {
    const privileged = {
      containers: [{ ...WEB_CONTAINER, securityContext: { privileged: true } }],
    };
    const uri = '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl';
    const ref = { resource: 'deployments', namespace: 'shop', name: 'web', apiGroup: 'apps' };
    const [applied] = normalize(writeEvent('patch', ref, deployment('web', privileged), uri));
    expect(applied.container).toEqual({ security_context: { privileged: true } });

    const [patched] = normalize(
      writeEvent('patch', ref, { spec: { template: { spec: privileged } } }, uri),
    );
    expect(patched).not.toHaveProperty('container');
  });

  it('derives the same fields from an audit log line tailed by Filebeat', () => {
    const [event] = normalize({
      '@timestamp': '2024-05-01T10:00:01.000Z',
      message: JSON.stringify(
        deploymentCreate('web', {
          containers: [
            WEB_CONTAINER,
            { name: 'agent', image: 'agent:1', securityContext: { privileged: true } },
          ],
        }),
      ),
      log: { file: { path: '/var/log/kubernetes/audit.log' } },
    });
    expect(event.event.dataset).toBe('kubernetes.audit');
    expect(event.container).toEqual({ security_context: { privileged: true } });
  });

  it('derives nothing from a read or a delete', () => {
    const [event] = normalize(
      writeEvent(
        'delete',
        { resource: 'pods', namespace: 'shop', name: 'web-0' },
        {
          kind: 'DeleteOptions',
          apiVersion: 'meta.k8s.io/__internal',
          propagationPolicy: 'Background',
        },
        '/api/v1/namespaces/shop/pods/web-0',
      ),
    );
    expect(event).not.toHaveProperty('container');
    expect(event.kubernetes.pod).toEqual({ name: 'web-0' });
  });
});
