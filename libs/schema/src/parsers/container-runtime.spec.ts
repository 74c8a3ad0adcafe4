import { normalizeOne } from '../testing/normalize-one';
import { splitImageReference } from './container-runtime';

describe('Docker json-file records', () => {
  it('takes the message from `log` without its newline, the stream and the time', () => {
    const event = normalizeOne({
      log: 'GET /healthz 200\n',
      stream: 'stdout',
      time: '2024-05-01T10:00:00.123456789Z',
    });
    expect(event.message).toBe('GET /healthz 200');
    expect(event.log).toEqual({ iostream: 'stdout' });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
    expect(event).not.toHaveProperty('stream');
    expect(event).not.toHaveProperty('time');
  });

  it('keeps a shipper @timestamp over the Docker time', () => {
    const event = normalizeOne({
      '@timestamp': '2024-05-01T10:00:00.500Z',
      log: 'ready\r\n',
      stream: 'stderr',
      time: '2024-05-01T10:00:00.123Z',
    });
    expect(event.message).toBe('ready');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.500Z');
    expect(event.log.iostream).toBe('stderr');
  });
});

describe('CRI lines', () => {
  it('unwraps a full line from `message`', () => {
    const event = normalizeOne({
      message: '2024-05-01T10:00:00.123456789Z stderr F panic: runtime error',
    });
    expect(event.message).toBe('panic: runtime error');
    expect(event.log.iostream).toBe('stderr');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
    expect(event.log).not.toHaveProperty('flags');
  });

  it('unwraps a line Fluent Bit tailed into `log` and flags a partial line', () => {
    const event = normalizeOne({
      log: '2024-05-01T10:00:00.987654321+00:00 stdout P first half of a long line',
    });
    expect(event.message).toBe('first half of a long line');
    expect(event.log).toEqual({ iostream: 'stdout', flags: ['partial'] });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.987Z');
  });

  it('leaves a line that only starts with a date alone', () => {
    const line = '2024-05-01T10:00:00Z worker started with 4 threads';
    expect(normalizeOne({ message: line }).message).toBe(line);
  });
});

describe('Fluentd log driver records', () => {
  it('maps container id, name without the slash and stream', () => {
    const event = normalizeOne({
      container_id: 'f2c6a0d5e1b94c7e8a3d',
      container_name: '/web',
      source: 'stdout',
      log: 'listening on :8080',
    });
    expect(event.container).toEqual({ id: 'f2c6a0d5e1b94c7e8a3d', name: 'web' });
    expect(event.log.iostream).toBe('stdout');
    expect(event.message).toBe('listening on :8080');
    expect(event).not.toHaveProperty('source');
  });

  it('keeps a driver field as sent when the event already has that ECS field', () => {
    const event = normalizeOne({
      container: { name: 'web-1' },
      container_name: '/web-legacy',
      log: 'x',
    });
    expect(event.container).toEqual({ name: 'web-1' });
    expect(event.container_name).toBe('/web-legacy');
  });
});

describe('Kubernetes metadata', () => {
  it('maps the Fluent Bit kubernetes filter output to ECS', () => {
    const event = normalizeOne({
      log: 'started\n',
      stream: 'stdout',
      time: '2024-05-01T10:00:00Z',
      kubernetes: {
        pod_name: 'api-7d9f8-x2x5q',
        namespace_name: 'shop',
        pod_id: '0b6a4e1c-5b6f-4f1e-9f0a-7a7f1c0e2d11',
        labels: { app: 'api', 'app.kubernetes.io/part-of': 'shop' },
        annotations: { 'prometheus.io/scrape': 'true' },
        host: 'node-3',
        container_name: 'api',
        docker_id: '3f1e2d',
        container_image: 'ghcr.io/acme/api:2.4.1',
      },
    });
    expect(event.kubernetes).toEqual({
      pod: { name: 'api-7d9f8-x2x5q', uid: '0b6a4e1c-5b6f-4f1e-9f0a-7a7f1c0e2d11' },
      namespace: 'shop',
      node: { name: 'node-3' },
      container: { name: 'api' },
      labels: { app: 'api', 'app_kubernetes_io/part-of': 'shop' },
      annotations: { 'prometheus_io/scrape': 'true' },
    });
    expect(event.container).toEqual({
      id: '3f1e2d',
      name: 'api',
      image: { name: 'ghcr.io/acme/api', tag: '2.4.1' },
    });
  });

  it('maps the Vector kubernetes_logs source to ECS', () => {
    const event = normalizeOne({
      message: 'started',
      stream: 'stderr',
      timestamp: '2024-05-01T10:00:00.250Z',
      file: '/var/log/pods/shop_api-1_uid/api/0.log',
      source_type: 'kubernetes_logs',
      kubernetes: {
        pod_name: 'api-1',
        pod_namespace: 'shop',
        pod_uid: 'uid-1',
        pod_ip: '10.1.2.3',
        pod_node_name: 'node-3',
        container_name: 'api',
        container_id: 'containerd://9a8b7c',
        container_image: 'redis:7.2',
        pod_labels: { 'app.kubernetes.io/name': 'api' },
        pod_owner: 'ReplicaSet/api-7d9f8',
      },
    });
    expect(event.kubernetes).toEqual({
      pod: { name: 'api-1', uid: 'uid-1', ip: '10.1.2.3' },
      namespace: 'shop',
      node: { name: 'node-3' },
      container: { name: 'api' },
      labels: { 'app_kubernetes_io/name': 'api' },
      pod_owner: 'ReplicaSet/api-7d9f8',
    });
    expect(event.container).toEqual({
      id: '9a8b7c',
      name: 'api',
      image: { name: 'redis', tag: '7.2' },
    });
    expect(event.log.iostream).toBe('stderr');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.250Z');
    expect(event.file).toEqual({ path: '/var/log/pods/shop_api-1_uid/api/0.log' });
    expect(event.source_type).toBe('kubernetes_logs');
  });

  it('leaves Filebeat ECS metadata as sent, splitting the image tag', () => {
    const event = normalizeOne({
      message: 'ok',
      container: { id: 'abc', image: { name: 'nginx:1.27' } },
      kubernetes: { namespace: 'web', pod: { name: 'nginx-0' }, container: { name: 'nginx' } },
    });
    expect(event.container.image).toEqual({ name: 'nginx', tag: '1.27' });
    expect(event.kubernetes).toEqual({
      namespace: 'web',
      pod: { name: 'nginx-0' },
      container: { name: 'nginx' },
    });
  });
});

describe('splitImageReference', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['nginx:1.27', { name: 'nginx', tag: '1.27' }],
    ['registry:5000/team/app', { name: 'registry:5000/team/app' }],
    ['registry:5000/team/app:v2', { name: 'registry:5000/team/app', tag: 'v2' }],
    ['nginx@sha256:abc', { name: 'nginx', digest: 'sha256:abc' }],
    ['nginx:1.27@sha256:abc', { name: 'nginx', tag: '1.27', digest: 'sha256:abc' }],
  ])('splits %s', (reference, expected) => {
    expect(splitImageReference(reference)).toEqual(expected);
  });
});
