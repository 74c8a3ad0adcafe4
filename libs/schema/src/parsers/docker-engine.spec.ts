import { normalizeOne } from '../testing/normalize-one';

const CONTAINER_ID = '4f66ad9a0b2e1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d';

function containerEvent(action: string, attributes: Record<string, string> = {}) {
  return {
    Type: 'container',
    Action: action,
    Actor: {
      ID: CONTAINER_ID,
      Attributes: {
        image: 'nginx:1.27',
        name: 'web',
        'com.docker.compose.project': 'demo',
        maintainer: 'NGINX Docker Maintainers',
        ...attributes,
      },
    },
    scope: 'local',
    time: 1714557600,
    timeNano: 1.7145576001234568e18,
  };
}

describe('Docker Engine events', () => {
  it('maps a container dying after an OOM kill', () => {
    const event = normalizeOne(containerEvent('die', { exitCode: '137', execDuration: '42' }));
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
    expect(event.event).toMatchObject({
      kind: 'event',
      dataset: 'docker.events',
      action: 'die',
      outcome: 'failure',
      duration: 42e9,
    });
    expect(event.container).toEqual({
      id: CONTAINER_ID,
      name: 'web',
      image: { name: 'nginx', tag: '1.27' },
      labels: { com_docker_compose_project: 'demo', maintainer: 'NGINX Docker Maintainers' },
    });
    expect(event.process).toEqual({ exit_code: 137 });
    expect(event.docker.event).toEqual({ type: 'container', scope: 'local' });
  });

  it('splits the command out of an exec action', () => {
    const event = normalizeOne(
      containerEvent('exec_create: /bin/sh -c cat /etc/shadow', { execID: 'e1' }),
    );
    expect(event.event.action).toBe('exec_create');
    expect(event.process).toEqual({ command_line: '/bin/sh -c cat /etc/shadow' });
    expect(event.docker.event.exec_id).toBe('e1');
    expect(event.container.labels).not.toHaveProperty('execID');
  });

  it.each(['exec_create', 'exec_start'])(
    'gives a bare shell from docker exec -it (%s: "sh ") the command line sh',
    (action) => {
      const event = normalizeOne(containerEvent(`${action}: sh `, { execID: 'e2' }));
      expect(event.event.action).toBe(action);
      expect(event.process).toEqual({ command_line: 'sh' });
    },
  );

  it('keeps the health status as the reason', () => {
    const event = normalizeOne(containerEvent('health_status: unhealthy'));
    expect(event.event.action).toBe('health_status');
    expect(event.event.reason).toBe('unhealthy');
  });

  it('reads the signal of a kill as a number', () => {
    const event = normalizeOne(containerEvent('kill', { signal: '9' }));
    expect(event.docker.event.signal).toBe(9);
    expect(event.container.labels).not.toHaveProperty('signal');
  });

  it('uses the seconds time when there is no timeNano', () => {
    const legacy: Record<string, unknown> = containerEvent('start');
    delete legacy.timeNano;
    expect(normalizeOne(legacy)['@timestamp']).toBe('2024-05-01T10:00:00.000Z');
  });

  it('keeps a network event apart from container fields', () => {
    const event = normalizeOne({
      Type: 'network',
      Action: 'connect',
      Actor: {
        ID: 'net1',
        Attributes: { container: CONTAINER_ID, name: 'bridge', type: 'bridge' },
      },
      time: 1714557600,
    });
    expect(event).not.toHaveProperty('container');
    expect(event.docker.event).toEqual({
      type: 'network',
      actor: {
        id: 'net1',
        attributes: { container: CONTAINER_ID, name: 'bridge', type: 'bridge' },
      },
    });
  });

  it('maps an event that a shipper sent as a JSON line', () => {
    const line = JSON.stringify(containerEvent('oom'));
    const event = normalizeOne({ message: line, host: { name: 'docker-1' } });
    expect(event.message).toBe(line);
    expect(event.event.action).toBe('oom');
    expect(event.container.name).toBe('web');
    expect(event.host.name).toBe('docker-1');
  });
});

function statsSample(overrides: Record<string, unknown> = {}) {
  return {
    read: '2024-05-01T10:00:10.000123456Z',
    preread: '2024-05-01T10:00:09.000112233Z',
    id: CONTAINER_ID,
    name: '/web',
    num_procs: 0,
    pids_stats: { current: 5, limit: 4915 },
    cpu_stats: {
      cpu_usage: { total_usage: 2_500_000_000, usage_in_kernelmode: 1, usage_in_usermode: 2 },
      system_cpu_usage: 110_000_000_000,
      online_cpus: 4,
    },
    precpu_stats: {
      cpu_usage: { total_usage: 1_500_000_000 },
      system_cpu_usage: 106_000_000_000,
      online_cpus: 4,
    },
    memory_stats: {
      usage: 300 * 1024 * 1024,
      limit: 1024 * 1024 * 1024,
      stats: { inactive_file: 44 * 1024 * 1024, active_anon: 200 * 1024 * 1024 },
    },
    networks: {
      eth0: { rx_bytes: 1000, tx_bytes: 200, rx_packets: 10 },
      eth1: { rx_bytes: 500, tx_bytes: 50 },
    },
    ...overrides,
  };
}

describe('Docker stats', () => {
  it('turns a sample into container metrics', () => {
    const event = normalizeOne(statsSample());
    expect(event['@timestamp']).toBe('2024-05-01T10:00:10.000Z');
    expect(event.event).toMatchObject({ kind: 'metric', dataset: 'docker.stats' });
    expect(event.container).toEqual({
      id: CONTAINER_ID,
      name: 'web',
      cpu: { usage: 0.25 },
      memory: { usage: 0.25 },
      network: { ingress: { bytes: 1500 }, egress: { bytes: 250 } },
    });
    expect(event.docker.stats.pids_stats).toEqual({ current: 5, limit: 4915 });
    expect(event.docker.stats.preread).toBe('2024-05-01T10:00:09.000112233Z');
    expect(event.docker.stats).not.toHaveProperty('name');
  });

  it('uses cgroup v1 total_inactive_file and clamps usage to 1', () => {
    const event = normalizeOne(
      statsSample({
        memory_stats: { usage: 2048, limit: 1024, stats: { total_inactive_file: 512, cache: 900 } },
      }),
    );
    expect(event.container.memory.usage).toBe(1);
  });

  it('leaves cpu usage out of a one-shot sample that has no previous reading', () => {
    const event = normalizeOne(
      statsSample({
        preread: '0001-01-01T00:00:00Z',
        precpu_stats: { cpu_usage: { total_usage: 0 }, throttling_data: {} },
      }),
    );
    expect(event.container).not.toHaveProperty('cpu');
    expect(event.container.memory.usage).toBe(0.25);
  });
});
