import path from 'node:path';
import { BUILT_IN_CATEGORIES, RuleEngine, loadRules, type Detection } from '@logwarden/rules';
import { normalizeBatch, type EcsEvent } from '@logwarden/schema';

// The built-in rule pack, fed with records shaped as real shippers send them and run
// through the real normalizer: each rule must fire on its attack or incident and the
// whole pack must stay quiet on the everyday traffic around it.

const pack = loadRules([path.join(__dirname, '..', 'config', 'rules')]);

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const TENANT = 'acme';

// ---------------------------------------------------------------------------------------
// Running the pack

/**
 * Sends one record the way the ingest path does: JSON on the wire, decoded once, received
 * shortly after it happened. A Kubernetes audit EventList gives several events.
 */
function ship(at: number, record: object, protocol = 'elasticsearch'): EcsEvent[] {
  const raw = JSON.stringify(record);
  return normalizeBatch({
    tenant: TENANT,
    protocol,
    receivedAt: at + 2 * SECOND,
    records: [{ data: JSON.parse(raw), raw }],
  });
}

/** Runs the whole pack over the events in event-time order, as the detector would. */
function detect(events: EcsEvent[], prepare?: (engine: RuleEngine) => void): Detection[] {
  const engine = new RuleEngine(pack.rules);
  prepare?.(engine);
  const ordered = [...events].sort(
    (a, b) => Date.parse(a['@timestamp']) - Date.parse(b['@timestamp']),
  );
  return ordered.flatMap((event) => engine.evaluate(event));
}

/** What an on-call engineer sees first: which rule, for which group. */
function fired(detections: Detection[]): { ruleId: string; groupValues: object }[] {
  return detections.map(({ ruleId, groupValues }) => ({ ruleId, groupValues }));
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

/** Deterministic jitter (mulberry32), so a failing run reproduces exactly. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `value` moved by up to ±`share` of itself. */
function jitter(random: () => number, value: number, share: number): number {
  return value * (1 + share * (2 * random() - 1));
}

function statusOf(event: EcsEvent): number | undefined {
  return (event.http as { response?: { status_code?: number } } | undefined)?.response?.status_code;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

// ---------------------------------------------------------------------------------------
// Shippers

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A line of a host's syslog file (`May  1 12:00:05 bastion sshd[812]: ...`) as Filebeat's filestream input ships it. */
function syslogFile(at: number, host: string, program: string, text: string): EcsEvent[] {
  const d = new Date(at);
  const time = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${iso(at).slice(11, 19)}`;
  return ship(at, {
    '@timestamp': iso(at),
    message: `${time} ${host} ${program}: ${text}`,
    log: { file: { path: program === 'kernel' ? '/var/log/kern.log' : '/var/log/auth.log' } },
    input: { type: 'filestream' },
    host: { name: host },
    agent: { type: 'filebeat', version: '8.13.4' },
  });
}

/** A journal entry as Fluent Bit's `systemd` input ships it (`Strip_Underscores On`, `es` output). */
function journal(at: number, host: string, program: string, pid: number, text: string): EcsEvent[] {
  return ship(at, {
    '@timestamp': iso(at),
    PRIORITY: '6',
    SYSLOG_IDENTIFIER: program,
    MESSAGE: text,
    HOSTNAME: host,
    PID: String(pid),
    SYSTEMD_UNIT: 'ssh.service',
    BOOT_ID: '3d2ae1d6b5a14bb2a6b1e0b7f0c1d2e3',
  });
}

/** sshd forks one process per connection, so the client port stands in for its pid. */
function sshd(at: number, clientPort: number, text: string): EcsEvent[] {
  return syslogFile(at, 'bastion-1', `sshd[${clientPort - 30000}]`, text);
}

/** What OpenSSH logs for one wrong password of an existing user. */
function wrongPassword(at: number, ip: string, user: string, port: number): EcsEvent[] {
  return [
    ...sshd(
      at,
      port,
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`,
    ),
    ...sshd(at + 2 * SECOND, port, `Failed password for ${user} from ${ip} port ${port} ssh2`),
  ];
}

/** What OpenSSH logs for one password tried on a user name that does not exist. */
function invalidUser(at: number, ip: string, user: string, port: number): EcsEvent[] {
  return [
    ...sshd(at, port, `Invalid user ${user} from ${ip} port ${port}`),
    ...sshd(at + 100, port, 'pam_unix(sshd:auth): check pass; user unknown'),
    ...sshd(
      at + 100,
      port,
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}`,
    ),
    ...sshd(
      at + 2 * SECOND,
      port,
      `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`,
    ),
    ...sshd(
      at + 2 * SECOND + 300,
      port,
      `Connection closed by invalid user ${user} ${ip} port ${port} [preauth]`,
    ),
  ];
}

function accepted(at: number, ip: string, user: string, port: number, method: string): EcsEvent[] {
  return [
    ...sshd(at, port, `Accepted ${method} for ${user} from ${ip} port ${port} ssh2`),
    ...sshd(
      at + 50,
      port,
      `pam_unix(sshd:session): session opened for user ${user}(uid=1001) by (uid=0)`,
    ),
  ];
}

/** An nginx access line from the container's stdout, as Filebeat's container input ships it. */
function nginxAccess(
  at: number,
  client: string,
  request: string,
  status: number,
  agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
): EcsEvent[] {
  const d = new Date(at);
  const time = `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${iso(at).slice(11, 19)} +0000`;
  return ship(at, {
    '@timestamp': iso(at),
    message: `${client} - - [${time}] "${request}" ${status} ${status === 200 ? 5120 : 179} "-" "${agent}"`,
    stream: 'stdout',
    input: { type: 'container' },
    container: {
      id: containerId('edge-nginx'),
      name: 'edge-nginx',
      image: { name: 'nginx:1.27.0' },
    },
  });
}

function containerId(name: string): string {
  return Buffer.from(name.padEnd(32, '.')).toString('hex').slice(0, 64);
}

/** One object of the Docker Engine event stream (`docker events --format '{{json .}}'`) posted by a host agent. */
function dockerEvent(
  at: number,
  action: string,
  name: string,
  attributes: Record<string, string> = {},
): EcsEvent[] {
  return ship(
    at,
    {
      Type: 'container',
      Action: action,
      Actor: {
        ID: containerId(name),
        Attributes: {
          image: 'registry.example.com/shop/web:2.4.1',
          name,
          'com.docker.compose.project': 'shop',
          ...attributes,
        },
      },
      scope: 'local',
      time: Math.floor(at / SECOND),
      timeNano: at * 1e6,
      host: { name: 'docker-1' },
    },
    'http',
  );
}

/** Docker's exec events for one `docker exec`, as the daemon logs them (Entrypoint + " " + Args). */
function dockerExec(at: number, name: string, entrypoint: string, args: string[]): EcsEvent[] {
  const command = `${entrypoint} ${args.join(' ')}`;
  const execID = containerId(`${name}${at}`);
  return [
    ...dockerEvent(at, `exec_create: ${command}`, name, { execID }),
    ...dockerEvent(at + 5, `exec_start: ${command}`, name, { execID }),
    ...dockerEvent(at + 800, 'exec_die', name, { execID, exitCode: '0' }),
  ];
}

interface Load {
  /** Share of all the host's CPUs. */
  cpu: number;
  /** Share of the memory limit, page cache excluded. */
  memory: number;
  rxPerSecond: number;
  txPerSecond: number;
}

const STATS_INTERVAL = 10 * SECOND;
const HOST_CPUS = 4;
const MEMORY_LIMIT = 1024 * 1024 * 1024;
const PAGE_CACHE = 48 * 1024 * 1024;

/**
 * `GET /containers/{id}/stats?stream=false` samples of one container, as a metrics
 * agent polls them every 10 s: cumulative CPU and network counters, memory gauges.
 */
class DockerStats {
  private cpuTotal = 0;
  private systemTotal = 9.1e15;
  private rx = 0;
  private tx = 0;
  private previous?: { cpuTotal: number; systemTotal: number };

  constructor(private readonly name: string) {}

  sample(at: number, load: Load): EcsEvent[] {
    const seconds = STATS_INTERVAL / SECOND;
    const systemDelta = seconds * 1e9 * HOST_CPUS;
    this.previous ??= { cpuTotal: this.cpuTotal, systemTotal: this.systemTotal - systemDelta };
    this.systemTotal += systemDelta;
    this.cpuTotal += Math.round(load.cpu * systemDelta);
    this.rx += Math.round(load.rxPerSecond * seconds);
    this.tx += Math.round(load.txPerSecond * seconds);
    const cpuStats = (cpuTotal: number, systemTotal: number) => ({
      cpu_usage: {
        total_usage: cpuTotal,
        usage_in_kernelmode: Math.round(cpuTotal * 0.2),
        usage_in_usermode: Math.round(cpuTotal * 0.8),
      },
      system_cpu_usage: systemTotal,
      online_cpus: HOST_CPUS,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    });
    const record = {
      read: iso(at),
      preread: iso(at - STATS_INTERVAL),
      id: containerId(this.name),
      name: `/${this.name}`,
      num_procs: 0,
      pids_stats: { current: 23, limit: 4915 },
      cpu_stats: cpuStats(this.cpuTotal, this.systemTotal),
      precpu_stats: cpuStats(this.previous.cpuTotal, this.previous.systemTotal),
      memory_stats: {
        usage: Math.round(load.memory * MEMORY_LIMIT) + PAGE_CACHE,
        limit: MEMORY_LIMIT,
        stats: { inactive_file: PAGE_CACHE, active_anon: Math.round(load.memory * MEMORY_LIMIT) },
      },
      networks: {
        eth0: {
          rx_bytes: this.rx,
          rx_packets: Math.round(this.rx / 900),
          rx_errors: 0,
          rx_dropped: 0,
          tx_bytes: this.tx,
          tx_packets: Math.round(this.tx / 900),
          tx_errors: 0,
          tx_dropped: 0,
        },
      },
      blkio_stats: { io_service_bytes_recursive: null },
    };
    this.previous = { cpuTotal: this.cpuTotal, systemTotal: this.systemTotal };
    return ship(at, record);
  }

  /** `docker restart`: same id, but the cgroup and network namespace start from zero. */
  restart(): void {
    this.cpuTotal = 0;
    this.rx = 0;
    this.tx = 0;
    this.previous = undefined;
  }
}

/** A busy web container's usual load, with the noise real samples have. */
function steadyLoad(random: () => number): Load {
  return {
    cpu: jitter(random, 0.08, 0.3),
    memory: jitter(random, 0.42, 0.03),
    rxPerSecond: jitter(random, 3_000_000, 0.4),
    txPerSecond: jitter(random, 1_500_000, 0.4),
  };
}

/** `samples` stats of a container from `start`, with `load(i)` giving the i-th sample's load. */
function statsSeries(
  stats: DockerStats,
  start: number,
  samples: number,
  load: (i: number) => Load,
): EcsEvent[] {
  return range(samples).flatMap((i) => stats.sample(start + i * STATS_INTERVAL, load(i)));
}

/** A connection record with container metadata, as Auditbeat's socket dataset ships it. */
function connection(
  at: number,
  container: string,
  destination: string,
  port: number,
  direction = 'egress',
): EcsEvent[] {
  return ship(at, {
    '@timestamp': iso(at),
    event: {
      kind: 'event',
      category: ['network'],
      type: ['connection', 'start'],
      action: 'connected-to',
      module: 'system',
      dataset: 'system.socket',
    },
    network: { direction, transport: 'tcp', type: destination.includes(':') ? 'ipv6' : 'ipv4' },
    source: { ip: '172.18.0.5', port: 40000 + (at % 20000) },
    destination: { ip: destination, port },
    process: { name: 'node', pid: 2211, executable: '/usr/local/bin/node' },
    container: {
      id: containerId(container),
      name: container,
      image: { name: 'registry.example.com/shop/web' },
    },
    host: { name: 'docker-1' },
    agent: { type: 'auditbeat', version: '8.13.4' },
  });
}

/** A finished flow between two addresses, as Packetbeat ships it. */
function flow(
  at: number,
  source: string,
  sourcePort: number,
  destination: string,
  destinationPort: number,
  transport = 'tcp',
): EcsEvent[] {
  return ship(at, {
    '@timestamp': iso(at),
    type: 'flow',
    event: {
      kind: 'event',
      category: ['network'],
      type: ['connection', 'end'],
      action: 'network_flow',
      dataset: 'flow',
      start: iso(at - 40),
      end: iso(at),
    },
    flow: { id: `${source}:${sourcePort}>${destination}:${destinationPort}`, final: true },
    source: { ip: source, port: sourcePort, bytes: 74, packets: 1 },
    destination: { ip: destination, port: destinationPort, bytes: 60, packets: 1 },
    network: { type: 'ipv4', transport, bytes: 134, packets: 2 },
    host: { name: 'node-2' },
    agent: { type: 'packetbeat', version: '8.13.4' },
  });
}

let auditSequence = 0;

interface AuditRequest {
  /** Shared by the stages of one request; a new one by default. */
  auditID?: string;
  verb: string;
  user: string;
  uri: string;
  /** Absent, like the decision, on the RequestReceived stage, logged before authorization. */
  code?: number;
  decision?: 'allow' | 'forbid';
  objectRef?: Record<string, string>;
  stage?: string;
  level?: string;
  sourceIP?: string;
  userAgent?: string;
  requestObject?: object;
  annotations?: Record<string, string>;
}

function newAuditId(): string {
  return `6f1c1e2a-0000-4000-8000-${String(++auditSequence).padStart(12, '0')}`;
}

/** One `audit.k8s.io/v1` Event as the API server writes it. */
function auditEvent(at: number, request: AuditRequest): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: request.level ?? 'Metadata',
    auditID: request.auditID ?? newAuditId(),
    stage: request.stage ?? 'ResponseComplete',
    requestURI: request.uri,
    verb: request.verb,
    user: {
      username: request.user,
      groups: request.user.startsWith('system:anonymous')
        ? ['system:unauthenticated']
        : ['system:authenticated'],
    },
    sourceIPs: [request.sourceIP ?? '10.0.0.12'],
    userAgent: request.userAgent ?? 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
    ...(request.objectRef && { objectRef: { apiVersion: 'v1', ...request.objectRef } }),
    ...(request.code !== undefined && {
      responseStatus:
        request.code >= 400
          ? { metadata: {}, status: 'Failure', reason: 'Forbidden', code: request.code }
          : { metadata: {}, code: request.code },
    }),
    ...(request.requestObject && { requestObject: request.requestObject }),
    // The API server writes microseconds.
    requestReceivedTimestamp: iso(at - 4).replace('Z', '123Z'),
    stageTimestamp: iso(at).replace('Z', '456Z'),
    annotations: {
      ...(request.decision && {
        'authorization.k8s.io/decision': request.decision,
        'authorization.k8s.io/reason':
          request.decision === 'allow' ? 'RBAC: allowed by ClusterRoleBinding' : '',
      }),
      ...request.annotations,
    },
  };
}

/** The audit webhook backend: the API server POSTs a batch of events as an EventList. */
function auditWebhook(at: number, events: Record<string, unknown>[]): EcsEvent[] {
  return ship(
    at,
    { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: events },
    'http',
  );
}

/** The audit log backend: one JSON line of audit.log, tailed by Filebeat. */
function auditLogLine(at: number, event: Record<string, unknown>): EcsEvent[] {
  return ship(at, {
    '@timestamp': iso(at + 300),
    message: JSON.stringify(event),
    log: { file: { path: '/var/log/kubernetes/audit/audit.log' } },
    input: { type: 'filestream' },
    host: { name: 'control-plane-1' },
  });
}

function pod(name: string, namespace: string, spec: object): object {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name.split('-')[0] } },
    spec,
  };
}

function podCreate(
  at: number,
  user: string,
  namespace: string,
  name: string,
  spec: object,
  annotations: Record<string, string> = {},
): Record<string, unknown> {
  return auditEvent(at, {
    verb: 'create',
    user,
    uri: `/api/v1/namespaces/${namespace}/pods`,
    code: 201,
    decision: 'allow',
    level: 'Request',
    objectRef: { resource: 'pods', namespace, name },
    requestObject: pod(name, namespace, spec),
    annotations,
  });
}

const RESTRICTED_SPEC = {
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  },
  containers: [
    {
      name: 'web',
      image: 'registry.example.com/shop/web:2.4.1',
      securityContext: { privileged: false, allowPrivilegeEscalation: false },
    },
  ],
};

function privilegedContainer(name: string): object {
  return {
    name,
    image: 'alpine:3.20',
    command: ['sleep', 'infinity'],
    securityContext: { privileged: true },
  };
}

function controller(name: string): string {
  return `system:serviceaccount:kube-system:${name}`;
}

interface Workload {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace: string };
  spec: object;
}

/** A Deployment, DaemonSet, ReplicaSet or Job: its pods' spec sits in spec.template. */
function templated(
  kind: string,
  name: string,
  namespace: string,
  podSpec: object,
  owner?: { kind: string; name: string },
): Workload {
  const labels = { 'app.kubernetes.io/name': name.split('-')[0] };
  return {
    kind,
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    metadata: {
      name,
      namespace,
      ...(owner && {
        ownerReferences: [
          {
            apiVersion: owner.kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
            ...owner,
            controller: true,
          },
        ],
      }),
    },
    spec: {
      ...(kind !== 'Job' && { selector: { matchLabels: labels } }),
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

function cronJob(name: string, namespace: string, podSpec: object): Workload {
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: { name, namespace },
    spec: {
      schedule: '0 * * * *',
      jobTemplate: { spec: { template: { spec: podSpec } } },
    },
  };
}

/**
 * A whole workload object written to the apps or batch API: created, or applied
 * server-side (`kubectl apply --server-side`, a PATCH whose body is the full object).
 */
function workloadWrite(
  at: number,
  user: string,
  verb: 'create' | 'patch',
  workload: Workload,
): Record<string, unknown> {
  const { name, namespace } = workload.metadata;
  const resource = `${workload.kind.toLowerCase()}s`;
  const collection = `/apis/${workload.apiVersion}/namespaces/${namespace}/${resource}`;
  return auditEvent(at, {
    verb,
    user,
    uri: verb === 'create' ? collection : `${collection}/${name}?fieldManager=kubectl&force=false`,
    code: verb === 'create' ? 201 : 200,
    decision: 'allow',
    level: 'Request',
    objectRef: { resource, namespace, name, apiGroup: workload.apiVersion.split('/')[0] },
    requestObject: workload,
  });
}

/** A Deployment someone creates, then what the controllers make of it: a ReplicaSet, then its pods. */
function deploymentRollout(
  at: number,
  user: string,
  namespace: string,
  name: string,
  podSpec: object,
): Record<string, unknown>[] {
  const replicaSet = `${name}-7d9f8c6b5`;
  return [
    workloadWrite(at, user, 'create', templated('Deployment', name, namespace, podSpec)),
    workloadWrite(
      at + 40,
      controller('deployment-controller'),
      'create',
      templated('ReplicaSet', replicaSet, namespace, podSpec, { kind: 'Deployment', name }),
    ),
    ...range(3).map((i) =>
      podCreate(
        at + 90 + i * 5,
        controller('replicaset-controller'),
        namespace,
        `${replicaSet}-${i}x2x9`,
        podSpec,
      ),
    ),
  ];
}

/** A CronJob someone creates, then each hourly run: a Job from the cronjob controller, its pod from the job controller. */
function cronJobRuns(
  at: number,
  user: string,
  namespace: string,
  name: string,
  podSpec: object,
  runs: number,
): Record<string, unknown>[] {
  const jobPodSpec = { restartPolicy: 'OnFailure', ...podSpec };
  return [
    workloadWrite(at, user, 'create', cronJob(name, namespace, jobPodSpec)),
    ...range(runs).flatMap((i) => {
      const runAt = at + (i + 1) * 60 * MINUTE;
      const job = `${name}-${28571460 + 60 * i}`;
      return [
        workloadWrite(
          runAt,
          controller('cronjob-controller'),
          'create',
          templated('Job', job, namespace, jobPodSpec, { kind: 'CronJob', name }),
        ),
        podCreate(runAt + 30, controller('job-controller'), namespace, `${job}-q8x7z`, jobPodSpec),
      ];
    }),
  ];
}

// ---------------------------------------------------------------------------------------

describe('built-in rule pack', () => {
  it('loads with no invalid rule; every rule has a built-in category, a 1-3 sentence description and a unique id', () => {
    expect(pack.invalid).toEqual([]);
    const ids = pack.rules.map((rule) => rule.id);
    expect([...ids].sort()).toEqual([
      'container-cpu-anomaly',
      'container-egress-spike',
      'container-ingress-spike',
      'container-interactive-shell',
      'container-memory-anomaly',
      'container-restart-loop',
      'container-unhealthy',
      'http-auth-failure-burst',
      'k8s-anonymous-access',
      'k8s-authorization-forbidden',
      'k8s-pod-exec',
      'k8s-privileged-pod',
      'new-outbound-destination',
      'oom-kill',
      'port-scan',
      'ssh-brute-force',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of pack.rules) {
      expect(BUILT_IN_CATEGORIES).toContain(rule.category);
      const sentences = rule.description.split(/(?<=[.!?])\s+/).filter((s) => s !== '');
      expect(sentences.length).toBeGreaterThanOrEqual(1);
      expect(sentences.length).toBeLessThanOrEqual(3);
      expect(rule.enabled).toBe(true);
      expect(rule.labels).toEqual({ pack: 'builtin' });
    }
  });
});

describe('ssh-brute-force', () => {
  it('fires once for the address guessing passwords, not for a slower one beside it', () => {
    const users = ['root', 'admin', 'oracle', 'ubuntu', 'test', 'postgres', 'git', 'pi'];
    const events = [
      ...range(20).flatMap((i) =>
        i % 2 === 0
          ? wrongPassword(T0 + i * 3 * SECOND, '203.0.113.7', 'root', 50100 + i)
          : invalidUser(T0 + i * 3 * SECOND, '203.0.113.7', users[i % users.length], 50100 + i),
      ),
      ...range(3).flatMap((i) =>
        invalidUser(T0 + i * 50 * SECOND, '198.51.100.14', 'admin', 41000 + i),
      ),
    ];

    const detections = detect(events);

    expect(fired(detections)).toEqual([
      { ruleId: 'ssh-brute-force', groupValues: { 'source.ip': '203.0.113.7' } },
    ]);
    expect(detections[0].count).toBe(10);
  });

  it('fires on the same attempts read from the journal rather than a syslog file', () => {
    const events = range(10).flatMap((i) =>
      journal(
        T0 + i * 3 * SECOND,
        'bastion-1',
        'sshd',
        2200 + i,
        `Failed password for root from 203.0.113.8 port ${50200 + i} ssh2`,
      ),
    );

    expect(fired(detect(events))).toEqual([
      { ruleId: 'ssh-brute-force', groupValues: { 'source.ip': '203.0.113.8' } },
    ]);
  });

  it('counts attempts, not the four lines sshd writes for each one', () => {
    // 4 attempts on unknown users: 16 lines with event.outcome failure, 8 of them attempts.
    const events = range(4).flatMap((i) =>
      invalidUser(T0 + i * 5 * SECOND, '203.0.113.7', 'admin', 50100 + i),
    );
    expect(
      events.filter((e) => (e.event as { outcome?: string }).outcome === 'failure'),
    ).toHaveLength(16);

    expect(detect(events)).toEqual([]);
  });

  it('stays quiet on logins with a few typos among them', () => {
    const events = [
      ...range(12).flatMap((i) =>
        accepted(T0 + i * 25 * SECOND, '10.0.4.2', 'deploy', 40022 + i, 'publickey'),
      ),
      ...wrongPassword(T0 + 10 * SECOND, '10.0.7.31', 'alice', 52001),
      ...wrongPassword(T0 + 20 * SECOND, '10.0.7.31', 'alice', 52001),
      ...wrongPassword(T0 + 35 * SECOND, '10.0.7.31', 'alice', 52001),
      ...accepted(T0 + 50 * SECOND, '10.0.7.31', 'alice', 52001, 'password'),
      ...invalidUser(T0 + 2 * MINUTE, '10.0.7.44', 'bob.smith', 52310),
      ...accepted(T0 + 2 * MINUTE + 20 * SECOND, '10.0.7.44', 'bsmith', 52311, 'publickey'),
      ...sshd(
        T0 + 3 * MINUTE,
        40022,
        'Received disconnect from 10.0.4.2 port 40022:11: disconnected by user',
      ),
    ];

    expect(detect(events)).toEqual([]);
  });
});

describe('http-auth-failure-burst', () => {
  const normalClients = ['198.51.100.7', '198.51.100.21', '192.0.2.44', '192.0.2.81'];

  function everydayTraffic(): EcsEvent[] {
    const random = randomSource(7);
    const paths = ['/', '/api/v1/cart', '/api/v1/products?page=2', '/static/app.js'];
    return range(400).flatMap((i) => {
      const client = normalClients[i % normalClients.length];
      // An expired session now and then, and one user poking at a page they may not see.
      const status = random() < 0.02 ? 401 : client === '192.0.2.81' && i % 50 === 3 ? 403 : 200;
      return nginxAccess(T0 + i * 750, client, `GET ${paths[i % paths.length]} HTTP/1.1`, status);
    });
  }

  it('fires for the address stuffing credentials into the login endpoint', () => {
    const attack = range(60).flatMap((i) =>
      nginxAccess(
        T0 + 30 * SECOND + i * 2 * SECOND,
        '203.0.113.50',
        'POST /api/v1/login HTTP/1.1',
        401,
        'python-requests/2.31.0',
      ),
    );

    const detections = detect([...everydayTraffic(), ...attack]);

    expect(fired(detections)).toEqual([
      { ruleId: 'http-auth-failure-burst', groupValues: { 'source.ip': '203.0.113.50' } },
    ]);
    expect(detections[0].count).toBe(30);
  });

  it('stays quiet on normal traffic with an occasional 401 or 403', () => {
    const events = everydayTraffic();
    const denied = events.filter((e) => statusOf(e) === 401 || statusOf(e) === 403);
    expect(denied.length).toBeGreaterThanOrEqual(8);

    expect(detect(events)).toEqual([]);
  });
});

/** What a busy cluster's API server logs all day: controllers, kubelets, people reading. */
function everydayClusterTraffic(start: number): Record<string, unknown>[] {
  return range(60).flatMap((i) => {
    const at = start + i * 2 * SECOND;
    return [
      auditEvent(at, {
        verb: 'update',
        user: 'system:node:node-2',
        uri: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2',
        code: 200,
        decision: 'allow',
        objectRef: { resource: 'leases', namespace: 'kube-node-lease', name: 'node-2' },
        userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350',
      }),
      auditEvent(at + 300, {
        verb: 'watch',
        user: 'system:serviceaccount:kube-system:replicaset-controller',
        uri: '/apis/apps/v1/replicasets?allowWatchBookmarks=true&watch=true',
        code: 200,
        decision: 'allow',
        objectRef: { resource: 'replicasets', apiGroup: 'apps' },
      }),
      // Load balancer health checks are anonymous and allowed by system:public-info-viewer.
      auditEvent(at + 500, {
        verb: 'get',
        user: 'system:anonymous',
        uri: ['/readyz', '/livez', '/healthz', '/version'][i % 4],
        code: 200,
        decision: 'allow',
        sourceIP: '10.0.0.50',
        userAgent: 'ELB-HealthChecker/2.0',
      }),
      ...(i % 10 === 0
        ? [
            auditEvent(at + 700, {
              verb: 'list',
              user: 'alice@example.com',
              uri: '/api/v1/namespaces/shop/pods?limit=500',
              code: 200,
              decision: 'allow',
              objectRef: { resource: 'pods', namespace: 'shop' },
            }),
            auditEvent(at + 900, {
              verb: 'get',
              user: 'alice@example.com',
              uri: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-x2x9k/log?container=web&follow=true',
              code: 200,
              decision: 'allow',
              objectRef: {
                resource: 'pods',
                namespace: 'shop',
                name: 'web-7d9f8c6b5-x2x9k',
                subresource: 'log',
              },
            }),
          ]
        : []),
    ];
  });
}

describe('k8s-authorization-forbidden', () => {
  it('fires once for a stolen service account token probing for permissions', () => {
    const probe = (at: number, verb: string, uri: string, objectRef: Record<string, string>) =>
      auditEvent(at, {
        verb,
        user: 'system:serviceaccount:shop:web',
        uri,
        code: 403,
        decision: 'forbid',
        objectRef,
        sourceIP: '10.244.1.17',
        userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
      });
    const attack = [
      probe(T0 + 10 * SECOND, 'list', '/api/v1/namespaces/kube-system/secrets', {
        resource: 'secrets',
        namespace: 'kube-system',
      }),
      probe(T0 + 12 * SECOND, 'list', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
        resource: 'clusterroles',
        apiGroup: 'rbac.authorization.k8s.io',
      }),
      probe(T0 + 15 * SECOND, 'create', '/api/v1/namespaces/kube-system/pods', {
        resource: 'pods',
        namespace: 'kube-system',
      }),
    ];

    const detections = detect([
      ...auditWebhook(T0, everydayClusterTraffic(T0)),
      ...auditWebhook(T0 + 20 * SECOND, attack),
    ]);

    expect(fired(detections)).toEqual([
      {
        ruleId: 'k8s-authorization-forbidden',
        groupValues: { 'user.name': 'system:serviceaccount:shop:web' },
      },
    ]);
    expect(detections[0].eventIds).toEqual([`${attack[0].auditID as string}:ResponseComplete`]);
  });

  it('reports a service account missing RBAC once, and not as an HTTP 403 burst', () => {
    // An operator without permission to list its CRDs retries every 5 s.
    const retries = range(72).map((i) =>
      auditEvent(T0 + i * 5 * SECOND, {
        verb: 'list',
        user: 'system:serviceaccount:monitoring:kube-state-metrics',
        uri: '/apis/autoscaling.k8s.io/v1/verticalpodautoscalers?limit=500',
        code: 403,
        decision: 'forbid',
        objectRef: { resource: 'verticalpodautoscalers', apiGroup: 'autoscaling.k8s.io' },
        sourceIP: '10.244.2.9',
        userAgent: 'kube-state-metrics/v2.12.0',
      }),
    );

    const detections = detect(auditWebhook(T0 + 6 * MINUTE, retries));

    expect(fired(detections)).toEqual([
      {
        ruleId: 'k8s-authorization-forbidden',
        groupValues: { 'user.name': 'system:serviceaccount:monitoring:kube-state-metrics' },
      },
    ]);
  });

  it('stays quiet on everyday API traffic', () => {
    expect(detect(auditWebhook(T0, everydayClusterTraffic(T0)))).toEqual([]);
  });
});

describe('k8s-anonymous-access', () => {
  it('fires when an anonymous client is allowed to read secrets', () => {
    const leak = auditEvent(T0 + 30 * SECOND, {
      verb: 'list',
      user: 'system:anonymous',
      uri: '/api/v1/secrets?limit=500',
      code: 200,
      decision: 'allow',
      objectRef: { resource: 'secrets' },
      sourceIP: '198.51.100.23',
      userAgent: 'python-requests/2.31.0',
    });

    const detections = detect([
      ...auditWebhook(T0, everydayClusterTraffic(T0)),
      ...auditWebhook(T0 + 31 * SECOND, [leak]),
    ]);

    expect(fired(detections)).toEqual([
      { ruleId: 'k8s-anonymous-access', groupValues: { 'source.ip': '198.51.100.23' } },
    ]);
  });
});

describe('k8s-pod-exec', () => {
  /** The stages the API server logs for one `kubectl exec -it <pod> -- sh`. */
  function session(
    user: string,
    podName: string,
    verb: string,
    startedAt: number,
    endedAt: number,
    decision: 'allow' | 'forbid' = 'allow',
  ): Record<string, unknown>[] {
    const request = {
      auditID: newAuditId(),
      verb,
      user,
      uri: `/api/v1/namespaces/shop/pods/${podName}/exec?command=sh&container=web&stdin=true&stdout=true&tty=true`,
      objectRef: { resource: 'pods', namespace: 'shop', name: podName, subresource: 'exec' },
    };
    if (decision === 'forbid') {
      return [
        auditEvent(startedAt, { ...request, stage: 'RequestReceived' }),
        auditEvent(endedAt, { ...request, code: 403, decision: 'forbid' }),
      ];
    }
    return [
      auditEvent(startedAt, { ...request, stage: 'RequestReceived' }),
      auditEvent(startedAt, { ...request, stage: 'ResponseStarted', code: 101, decision: 'allow' }),
      auditEvent(endedAt, { ...request, code: 101, decision: 'allow' }),
    ];
  }

  it('fires once per exec session, over SPDY (create) or WebSocket (get), and not when denied', () => {
    const web = 'web-7d9f8c6b5-x2x9k';
    const payments = 'payments-5c9b7-kq2lp';
    const sessions = [
      ...session('dave@example.com', web, 'create', T0 + 5 * SECOND, T0 + 4 * MINUTE),
      ...session('dave@example.com', payments, 'get', T0 + 6 * MINUTE, T0 + 7 * MINUTE),
      ...session(
        'carol@example.com',
        payments,
        'create',
        T0 + 8 * MINUTE,
        T0 + 8 * MINUTE,
        'forbid',
      ),
    ];

    const detections = detect([
      ...auditWebhook(T0, everydayClusterTraffic(T0)),
      ...sessions.flatMap((event) =>
        auditWebhook(Date.parse(event.stageTimestamp as string), [event]),
      ),
    ]);

    const execIn = (pod: string) => ({
      ruleId: 'k8s-pod-exec',
      groupValues: {
        'user.name': 'dave@example.com',
        'kubernetes.namespace': 'shop',
        'kubernetes.pod.name': pod,
      },
    });
    expect(fired(detections)).toEqual([
      execIn(web),
      execIn(payments),
      {
        ruleId: 'k8s-authorization-forbidden',
        groupValues: { 'user.name': 'carol@example.com' },
      },
    ]);
    expect(detections.map((d) => d.eventTime)).toEqual([
      T0 + 5 * SECOND,
      T0 + 6 * MINUTE,
      T0 + 8 * MINUTE,
    ]);
  });
});

describe('k8s-privileged-pod', () => {
  const psaViolation = (detail: string) => ({
    'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "baseline:latest": ${detail}`,
  });

  it.each([
    {
      how: 'host PID namespace (webhook backend)',
      events: () =>
        auditWebhook(T0 + 20 * SECOND, [
          podCreate(T0 + 20 * SECOND, 'bob@example.com', 'shop', 'debug-node', {
            hostPID: true,
            containers: [privilegedContainer('debug')],
          }),
        ]),
      namespace: 'shop',
      user: 'bob@example.com',
    },
    {
      how: 'pod-level runAsUser 0 (webhook backend)',
      events: () =>
        auditWebhook(T0 + 20 * SECOND, [
          podCreate(T0 + 20 * SECOND, 'system:serviceaccount:ci:runner', 'ci', 'build-4411', {
            securityContext: { runAsUser: 0 },
            containers: [{ name: 'build', image: 'docker:26-dind' }],
          }),
        ]),
      namespace: 'ci',
      user: 'system:serviceaccount:ci:runner',
    },
    {
      how: 'privileged container reported by Pod Security audit (webhook backend)',
      events: () =>
        auditWebhook(T0 + 20 * SECOND, [
          podCreate(
            T0 + 20 * SECOND,
            'bob@example.com',
            'payments',
            'toolbox',
            { containers: [privilegedContainer('toolbox')] },
            psaViolation(
              'privileged (container "toolbox" must not set securityContext.privileged=true)',
            ),
          ),
        ]),
      namespace: 'payments',
      user: 'bob@example.com',
    },
    {
      how: 'privileged container in a tailed audit.log line',
      events: () =>
        auditLogLine(
          T0 + 20 * SECOND,
          podCreate(T0 + 20 * SECOND, 'bob@example.com', 'shop', 'toolbox', {
            containers: [privilegedContainer('toolbox')],
          }),
        ),
      namespace: 'shop',
      user: 'bob@example.com',
    },
    {
      how: 'privileged debug container added by kubectl debug (Pod Security audit)',
      events: () =>
        auditWebhook(T0 + 20 * SECOND, [
          auditEvent(T0 + 20 * SECOND, {
            verb: 'patch',
            user: 'bob@example.com',
            uri: '/api/v1/namespaces/payments/pods/api-5c7d8-qk2lm/ephemeralcontainers',
            code: 200,
            decision: 'allow',
            objectRef: {
              resource: 'pods',
              namespace: 'payments',
              name: 'api-5c7d8-qk2lm',
              subresource: 'ephemeralcontainers',
            },
            annotations: psaViolation(
              'privileged (container "debugger-7xk2p" must not set securityContext.privileged=true)',
            ),
          }),
        ]),
      namespace: 'payments',
      user: 'bob@example.com',
    },
  ])('fires for a pod with a $how', ({ events, namespace, user }) => {
    const detections = detect([...auditWebhook(T0, everydayClusterTraffic(T0)), ...events()]);

    expect(fired(detections)).toEqual([
      {
        ruleId: 'k8s-privileged-pod',
        groupValues: { 'kubernetes.namespace': namespace, 'user.name': user },
      },
    ]);
  });

  it.each([
    {
      how: 'a privileged sidecar in a Deployment (webhook backend)',
      events: () =>
        auditWebhook(
          T0 + 20 * SECOND,
          deploymentRollout(T0 + 20 * SECOND, 'alice@example.com', 'shop', 'web', {
            containers: [...RESTRICTED_SPEC.containers, privilegedContainer('netshoot')],
          }),
        ),
      namespace: 'shop',
      user: 'alice@example.com',
    },
    {
      how: 'a CronJob running as root every hour (webhook backend)',
      events: () =>
        auditWebhook(
          T0 + 20 * SECOND,
          cronJobRuns(
            T0 + 20 * SECOND,
            'system:serviceaccount:ci:deployer',
            'ops',
            'backup',
            {
              securityContext: { runAsUser: 0 },
              containers: [{ name: 'backup', image: 'restic/restic:0.16.4' }],
            },
            3,
          ),
        ),
      namespace: 'ops',
      user: 'system:serviceaccount:ci:deployer',
    },
    {
      how: 'SYS_ADMIN in a DaemonSet applied server-side, in a tailed audit.log line',
      events: () => {
        const agent = {
          containers: [
            {
              name: 'agent',
              image: 'registry.example.com/node-agent:3.1',
              securityContext: { capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } },
            },
          ],
        };
        return [
          ...auditLogLine(
            T0 + 20 * SECOND,
            workloadWrite(
              T0 + 20 * SECOND,
              'bob@example.com',
              'patch',
              templated('DaemonSet', 'node-agent', 'monitoring', agent),
            ),
          ),
          ...auditWebhook(
            T0 + 21 * SECOND,
            range(3).map((i) =>
              podCreate(
                T0 + 21 * SECOND,
                controller('daemonset-controller'),
                'monitoring',
                `node-agent-${i}k7xz`,
                agent,
              ),
            ),
          ),
        ];
      },
      namespace: 'monitoring',
      user: 'bob@example.com',
    },
  ])(
    'fires once for $how, not again for what the controllers make of it',
    ({ events, namespace, user }) => {
      const detections = detect([...auditWebhook(T0, everydayClusterTraffic(T0)), ...events()]);

      expect(fired(detections)).toEqual([
        {
          ruleId: 'k8s-privileged-pod',
          groupValues: { 'kubernetes.namespace': namespace, 'user.name': user },
        },
      ]);
    },
  );

  it('stays quiet on a normal Deployment and on an ingress controller on the host network', () => {
    // ingress-nginx as its chart deploys it: the host's network, NET_BIND_SERVICE, user 101.
    const ingress = {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      containers: [
        {
          name: 'controller',
          image: 'registry.k8s.io/ingress-nginx/controller:v1.10.1',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 101,
            allowPrivilegeEscalation: true,
            capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
          },
        },
      ],
    };
    const events = auditWebhook(T0, [
      ...everydayClusterTraffic(T0),
      ...deploymentRollout(T0 + 20 * SECOND, 'alice@example.com', 'shop', 'web', RESTRICTED_SPEC),
      workloadWrite(
        T0 + 40 * SECOND,
        'alice@example.com',
        'create',
        templated('DaemonSet', 'ingress-nginx-controller', 'ingress-nginx', ingress),
      ),
    ]);

    expect(detect(events)).toEqual([]);
  });

  it('stays quiet on restricted pods, system DaemonSets and scheduling', () => {
    const replicaSetPods = range(6).map((i) =>
      podCreate(
        T0 + i * 10 * SECOND,
        'system:serviceaccount:kube-system:replicaset-controller',
        'shop',
        `web-7d9f8c6b5-${i}x2x9`,
        RESTRICTED_SPEC,
        i === 0
          ? psaViolation(
              'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type)',
            )
          : {},
      ),
    );
    const kubeProxy = podCreate(
      T0 + 70 * SECOND,
      'system:serviceaccount:kube-system:daemonset-controller',
      'kube-system',
      'kube-proxy-8xk2q',
      {
        hostNetwork: true,
        containers: [
          { ...privilegedContainer('kube-proxy'), image: 'registry.k8s.io/kube-proxy:v1.30.2' },
        ],
      },
    );
    const binding = auditEvent(T0 + 71 * SECOND, {
      verb: 'create',
      user: 'system:kube-scheduler',
      uri: '/api/v1/namespaces/shop/pods/web-7d9f8c6b5-0x2x9/binding',
      code: 201,
      decision: 'allow',
      objectRef: {
        resource: 'pods',
        namespace: 'shop',
        name: 'web-7d9f8c6b5-0x2x9',
        subresource: 'binding',
      },
    });

    const events = [
      ...auditWebhook(T0, [...everydayClusterTraffic(T0), ...replicaSetPods, kubeProxy, binding]),
      ...replicaSetPods.flatMap((event) => auditLogLine(T0 + 80 * SECOND, event)),
      ...auditLogLine(T0 + 80 * SECOND, kubeProxy),
    ];

    expect(detect(events)).toEqual([]);
  });
});

/** Health checks as Docker runs them every 30 s: each one is an exec too. */
function healthChecks(start: number, minutes: number): EcsEvent[] {
  return range(minutes * 2).flatMap((i) => {
    const at = start + i * 30 * SECOND;
    return [
      ...dockerExec(at, 'shop-web-1', '/bin/sh', [
        '-c',
        'curl -fsS http://localhost:8080/healthz || exit 1',
      ]),
      ...dockerExec(at + 1200, 'shop-db-1', 'pg_isready', ['-U', 'postgres']),
      ...dockerExec(at + 2500, 'shop-cache-1', 'sh', ['/usr/local/bin/healthcheck.sh']),
      ...dockerExec(at + 3100, 'shop-worker-1', 'bash', ['-ec', 'test -f /tmp/worker.alive']),
    ];
  });
}

describe('container-interactive-shell', () => {
  it('fires for a shell opened with docker exec -it, once per container', () => {
    const sessions = [
      ...dockerExec(T0 + 95 * SECOND, 'shop-web-1', 'sh', []),
      ...dockerExec(T0 + 3 * MINUTE, 'shop-web-1', 'sh', []),
      ...dockerExec(T0 + 4 * MINUTE, 'shop-worker-1', '/bin/bash', ['-l']),
    ];

    const detections = detect([...healthChecks(T0, 6), ...sessions]);

    expect(fired(detections)).toEqual([
      { ruleId: 'container-interactive-shell', groupValues: { 'container.name': 'shop-web-1' } },
      { ruleId: 'container-interactive-shell', groupValues: { 'container.name': 'shop-worker-1' } },
    ]);
  });

  it('stays quiet on health checks and scripted execs', () => {
    const events = [
      ...healthChecks(T0, 6),
      ...dockerExec(T0 + 2 * MINUTE, 'shop-nginx-1', 'nginx', ['-s', 'reload']),
      ...dockerExec(T0 + 3 * MINUTE, 'shop-db-1', 'sh', [
        '-c',
        'pg_dump -U postgres shop > /backup/shop.sql',
      ]),
    ];

    expect(detect(events)).toEqual([]);
  });
});

describe('oom-kill', () => {
  it.each([
    {
      source: "Docker's oom event",
      events: () => [
        ...dockerEvent(T0 + 40 * SECOND, 'oom', 'shop-worker-1'),
        ...dockerEvent(T0 + 40 * SECOND + 20, 'die', 'shop-worker-1', {
          exitCode: '137',
          execDuration: '3112',
        }),
      ],
      group: { 'host.name': 'docker-1', 'container.name': 'shop-worker-1' },
    },
    {
      source: "the kernel's cgroup OOM line in kern.log",
      events: () => [
        ...syslogFile(
          T0 + 40 * SECOND,
          'node-3',
          'kernel',
          '[812345.118203] Memory cgroup out of memory: Killed process 31337 (java) total-vm:4812344kB, anon-rss:1048012kB, file-rss:21440kB, shmem-rss:0kB, UID:1000 pgtables:2480kB oom_score_adj:936',
        ),
        ...syslogFile(
          T0 + 40 * SECOND + 80,
          'node-3',
          'kernel',
          '[812345.139661] oom_reaper: reaped process 31337 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
        ),
      ],
      group: { 'host.name': 'node-3', 'container.name': null },
    },
    {
      source: "an older kernel's two-line report",
      events: () => [
        ...syslogFile(
          T0 + 40 * SECOND,
          'node-4',
          'kernel',
          '[ 9912.223311] Out of memory: Kill process 2231 (python3) score 912 or sacrifice child',
        ),
        ...syslogFile(
          T0 + 40 * SECOND + 5,
          'node-4',
          'kernel',
          '[ 9912.224102] Killed process 2231 (python3) total-vm:2262244kB, anon-rss:1903112kB, file-rss:0kB',
        ),
      ],
      group: { 'host.name': 'node-4', 'container.name': null },
    },
    {
      source: "the kubelet's SystemOOM event, shipped by kubernetes-event-exporter",
      events: () =>
        ship(T0 + 40 * SECOND, {
          '@timestamp': iso(T0 + 40 * SECOND),
          message: 'System OOM encountered, victim process: java, pid: 31337',
          reason: 'SystemOOM',
          type: 'Warning',
          involvedObject: { kind: 'Node', name: 'node-3' },
          source: { component: 'kubelet', host: 'node-3' },
          host: { name: 'node-3' },
        }),
      group: { 'host.name': 'node-3', 'container.name': null },
    },
    {
      source: "the OOMKilled reason in the kubelet's pod status update (audit.log)",
      events: () =>
        auditLogLine(
          T0 + 40 * SECOND,
          auditEvent(T0 + 40 * SECOND, {
            verb: 'patch',
            user: 'system:node:node-3',
            uri: '/api/v1/namespaces/shop/pods/worker-6b7c9-tt4mz/status',
            code: 200,
            decision: 'allow',
            level: 'Request',
            objectRef: {
              resource: 'pods',
              namespace: 'shop',
              name: 'worker-6b7c9-tt4mz',
              subresource: 'status',
            },
            userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350',
            requestObject: {
              status: {
                containerStatuses: [
                  {
                    name: 'worker',
                    restartCount: 3,
                    lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
                    state: { waiting: { reason: 'CrashLoopBackOff' } },
                  },
                ],
              },
            },
          }),
        ),
      group: { 'host.name': 'control-plane-1', 'container.name': null },
    },
  ])('fires on $source', ({ events, group }) => {
    expect(fired(detect(events()))).toEqual([{ ruleId: 'oom-kill', groupValues: group }]);
  });
});

/** What Docker logs when a container is stopped and recreated by a deploy. */
function redeploy(at: number, name: string): EcsEvent[] {
  return [
    ...dockerEvent(at, 'kill', name, { signal: '15' }),
    ...dockerEvent(at + 2 * SECOND, 'die', name, { exitCode: '0', execDuration: '86400' }),
    ...dockerEvent(at + 2 * SECOND + 50, 'stop', name),
    ...dockerEvent(at + 3 * SECOND, 'destroy', name),
    ...dockerEvent(at + 4 * SECOND, 'create', name),
    ...dockerEvent(at + 5 * SECOND, 'start', name),
    ...dockerEvent(at + 20 * SECOND, 'health_status: healthy', name),
  ];
}

describe('container-restart-loop', () => {
  it('fires for a container crashing on start under a restart policy', () => {
    // Docker doubles the delay before each restart: 0.1 s, 0.2 s, 0.4 s...
    let at = T0;
    const loop = range(7).flatMap((i) => {
      const started = at;
      at += 1500 + 100 * 2 ** i;
      return [
        ...dockerEvent(started, 'start', 'shop-api-1'),
        ...dockerEvent(started + 1500, 'die', 'shop-api-1', { exitCode: '1', execDuration: '1' }),
      ];
    });

    const detections = detect([...redeploy(T0 - 10 * MINUTE, 'shop-api-1'), ...loop]);

    expect(fired(detections)).toEqual([
      { ruleId: 'container-restart-loop', groupValues: { 'container.name': 'shop-api-1' } },
    ]);
    expect(detections[0].count).toBe(5);
  });

  it('stays quiet on deploys and a manual restart', () => {
    const events = [
      ...redeploy(T0, 'shop-web-1'),
      ...redeploy(T0 + 2 * MINUTE, 'shop-worker-1'),
      ...redeploy(T0 + 9 * MINUTE, 'shop-web-1'),
      ...dockerEvent(T0 + 11 * MINUTE, 'kill', 'shop-cache-1', { signal: '15' }),
      ...dockerEvent(T0 + 11 * MINUTE + 200, 'die', 'shop-cache-1', { exitCode: '0' }),
      ...dockerEvent(T0 + 11 * MINUTE + 300, 'stop', 'shop-cache-1'),
      ...dockerEvent(T0 + 11 * MINUTE + 900, 'start', 'shop-cache-1'),
      ...dockerEvent(T0 + 11 * MINUTE + 950, 'restart', 'shop-cache-1'),
      ...redeploy(T0 + 13 * MINUTE, 'shop-web-1'),
    ];

    expect(detect(events)).toEqual([]);
  });
});

describe('container-unhealthy', () => {
  it('fires when Docker marks a container unhealthy, once while it flaps', () => {
    const events = [
      ...redeploy(T0, 'shop-web-1'),
      ...dockerEvent(T0 + 5 * MINUTE, 'health_status: unhealthy', 'shop-web-1'),
      ...dockerEvent(T0 + 6 * MINUTE, 'health_status: healthy', 'shop-web-1'),
      ...dockerEvent(T0 + 8 * MINUTE, 'health_status: unhealthy', 'shop-web-1'),
    ];

    const detections = detect(events);

    expect(fired(detections)).toEqual([
      { ruleId: 'container-unhealthy', groupValues: { 'container.name': 'shop-web-1' } },
    ]);
    expect(detections[0].eventTime).toBe(T0 + 5 * MINUTE);
  });
});

describe('resource and traffic anomalies (Docker stats)', () => {
  const WEB = 'shop-web-1';

  /** 45 ordinary samples (past the 30-sample warm-up), then `change` for 6 samples, then ordinary again. */
  function incident(change: Partial<Load>): { events: EcsEvent[]; startsAt: number } {
    const random = randomSource(42);
    const stats = new DockerStats(WEB);
    const events = statsSeries(stats, T0, 60, (i) => {
      const usual = steadyLoad(random);
      return i >= 45 && i < 51 ? { ...usual, ...change } : usual;
    });
    return { events, startsAt: T0 + 45 * STATS_INTERVAL };
  }

  it.each([
    {
      what: 'a crypto miner pegging 2.5 of 4 CPUs',
      change: { cpu: 0.63 },
      ruleId: 'container-cpu-anomaly',
    },
    {
      what: 'memory ballooning to 93% of the limit',
      change: { memory: 0.93 },
      ruleId: 'container-memory-anomaly',
    },
    {
      what: 'an upload of 30 MB/s',
      change: { txPerSecond: 30_000_000 },
      ruleId: 'container-egress-spike',
    },
    {
      what: 'a flood of 40 MB/s inbound',
      change: { rxPerSecond: 40_000_000 },
      ruleId: 'container-ingress-spike',
    },
  ])('fires $ruleId alone on $what', ({ change, ruleId }) => {
    const { events, startsAt } = incident(change);

    const detections = detect(events);

    expect(fired(detections)).toEqual([
      { ruleId, groupValues: { 'container.name': WEB, 'container.id': containerId(WEB) } },
    ]);
    expect(detections[0].eventTime).toBe(startsAt);
  });

  it('stays quiet on bursty busy traffic through a restart, and on a small batch job', () => {
    const random = randomSource(1);
    const web = new DockerStats(WEB);
    // Load ramps up over the hour, and every few minutes a burst of requests doubles it
    // for one sample.
    const webLoad = (i: number): Load => {
      const busy = (1 + i / 180) * (i % 23 === 0 ? 2 : 1);
      return {
        cpu: jitter(random, 0.08 * busy, 0.35),
        // A configuration reload grows the cache by 8% of the limit for good.
        memory: 0.35 + 0.06 * ((i % 12) / 12) + (i >= 120 ? 0.08 : 0) + jitter(random, 0.01, 0.5),
        rxPerSecond: jitter(random, 3_000_000 * busy, 0.4),
        txPerSecond: jitter(random, 1_500_000 * busy, 0.4),
      };
    };
    const beforeRestart = statsSeries(web, T0, 180, webLoad);
    web.restart();
    const afterRestart = statsSeries(web, T0 + 180 * STATS_INTERVAL, 180, (i) => webLoad(180 + i));
    // A nearly idle sidecar whose report job is tiny in absolute terms but far outside
    // its own flat baseline.
    const cron = new DockerStats('shop-cron-1');
    const cronJob = statsSeries(cron, T0, 360, (i) =>
      i === 200
        ? { cpu: 0.03, memory: 0.25, rxPerSecond: 20_000, txPerSecond: 600_000 }
        : {
            cpu: jitter(random, 0.002, 0.2),
            memory: jitter(random, 0.2, 0.002),
            rxPerSecond: jitter(random, 2_000, 0.2),
            txPerSecond: jitter(random, 1_500, 0.2),
          },
    );

    expect(detect([...beforeRestart, ...afterRestart, ...cronJob])).toEqual([]);
  });

  it('stays quiet while a fresh container warms up, and watches it once settled', () => {
    const random = randomSource(3);
    const stats = new DockerStats('shop-web-2');
    // The process starts idle, then migrates its database, fills its cache and downloads
    // its data set before settling: every metric leaps within the first samples.
    const warmingUp = statsSeries(stats, T0, 30, (i) =>
      i < 3
        ? { cpu: 0.01, memory: 0.05, rxPerSecond: 2_000, txPerSecond: 1_000 }
        : i < 10
          ? { cpu: 0.7, memory: 0.05 * i, rxPerSecond: 25_000_000, txPerSecond: 8_000_000 }
          : steadyLoad(random),
    );
    expect(detect(warmingUp)).toEqual([]);

    const settled = statsSeries(stats, T0 + 30 * STATS_INTERVAL, 90, () => steadyLoad(random));
    const miner = stats.sample(T0 + 120 * STATS_INTERVAL, { ...steadyLoad(random), cpu: 0.63 });
    expect(fired(detect([...warmingUp, ...settled, ...miner]))).toEqual([
      {
        ruleId: 'container-cpu-anomaly',
        groupValues: { 'container.name': 'shop-web-2', 'container.id': containerId('shop-web-2') },
      },
    ]);
  });
});

describe('port-scan', () => {
  /** Packetbeat's view of a quiet minute: scrapes, DNS answers, load balancer checks, web clients. */
  function everydayFlows(start: number): EcsEvent[] {
    const random = randomSource(11);
    const exporterPorts = [9100, 9101, 9113, 9115, 9121, 9187, 9200, 9216, 9308, 8080, 8081, 9090];
    return range(4).flatMap((round) => {
      const at = start + round * 15 * SECOND;
      return [
        ...exporterPorts.flatMap((port, i) =>
          flow(at + i * 10, '10.0.9.9', 41000 + i, `10.0.2.${10 + i}`, port),
        ),
        // A resolver's answers: one flow back to each client's ephemeral port.
        ...range(40).flatMap((i) =>
          flow(
            at + 200 + i,
            '10.0.0.2',
            53,
            `10.0.3.${i + 2}`,
            32768 + Math.floor(random() * 28000),
            'udp',
          ),
        ),
        // A network load balancer checking every NodePort service on a node.
        ...range(60).flatMap((i) =>
          flow(at + 500 + i, '10.0.0.50', 52000 + i, '10.0.2.11', 30000 + i),
        ),
        ...range(20).flatMap((i) =>
          flow(at + 900 + i, `198.51.100.${i + 1}`, 50000 + i, '10.0.1.80', 443),
        ),
      ];
    });
  }

  it('fires for a workload scanning ports of another host', () => {
    const ports = range(1024).map((i) => ((i * 389) % 1024) + 1);
    const scan = ports.flatMap((port, i) =>
      flow(T0 + 10 * SECOND + i * 20, '10.0.3.17', 61000 + (i % 4), '10.0.1.5', port),
    );

    const detections = detect([...everydayFlows(T0), ...scan]);

    expect(fired(detections)).toEqual([
      { ruleId: 'port-scan', groupValues: { 'source.ip': '10.0.3.17' } },
    ]);
    expect(detections[0].count).toBe(50);
  });

  it('stays quiet on scrapes, DNS answers to ephemeral ports and NodePort health checks', () => {
    expect(detect(everydayFlows(T0))).toEqual([]);
  });
});

describe('new-outbound-destination', () => {
  const KNOWN = [
    { container: 'shop-web-1', ip: '140.82.112.4' },
    { container: 'shop-web-1', ip: '54.187.174.169' },
    { container: 'shop-worker-1', ip: '52.94.236.248' },
  ];

  /** Destinations seen in the last 30 days, as the detector seeds them from stored history at start. */
  function seedHistory(engine: RuleEngine): void {
    engine.seed(
      'new-outbound-destination',
      KNOWN.map(({ container, ip }) => ({
        tenant: TENANT,
        group: { 'container.name': container },
        value: ip,
        lastSeen: T0 - 2 * DAY,
        firstSeen: T0 - 20 * DAY,
      })),
    );
  }

  function usualConnections(start: number): EcsEvent[] {
    return range(30).flatMap((i) => {
      const at = start + i * 20 * SECOND;
      return [
        ...connection(at, 'shop-web-1', KNOWN[i % 2].ip, 443),
        ...connection(at + 100, 'shop-web-1', '10.0.1.5', 5432),
        ...connection(at + 200, 'shop-web-1', '172.18.0.3', 6379),
        ...connection(at + 300, 'shop-worker-1', '52.94.236.248', 443, 'outbound'),
        ...connection(at + 400, 'shop-worker-1', `10.0.2.${10 + (i % 7)}`, 8080, 'outbound'),
        ...connection(at + 500, 'shop-worker-1', 'fd00:10:96::a', 53, 'outbound'),
      ];
    });
  }

  it('fires once per container for an outside address it never used', () => {
    const attack = [
      ...connection(T0 + 4 * MINUTE, 'shop-web-1', '45.77.23.9', 4444),
      ...connection(T0 + 4 * MINUTE + 30 * SECOND, 'shop-web-1', '45.77.23.9', 4444),
      ...connection(T0 + 5 * MINUTE, 'shop-web-1', '169.254.169.254', 80),
      ...connection(T0 + 6 * MINUTE, 'shop-worker-1', '140.82.112.4', 443, 'outbound'),
    ];

    const detections = detect([...usualConnections(T0), ...attack], seedHistory);

    expect(fired(detections)).toEqual([
      {
        ruleId: 'new-outbound-destination',
        groupValues: { 'container.name': 'shop-web-1', 'destination.ip': '45.77.23.9' },
      },
      {
        ruleId: 'new-outbound-destination',
        groupValues: { 'container.name': 'shop-web-1', 'destination.ip': '169.254.169.254' },
      },
      {
        ruleId: 'new-outbound-destination',
        groupValues: { 'container.name': 'shop-worker-1', 'destination.ip': '140.82.112.4' },
      },
    ]);
  });

  it('stays quiet on usual and in-cluster destinations', () => {
    expect(detect(usualConnections(T0), seedHistory)).toEqual([]);
  });
});
