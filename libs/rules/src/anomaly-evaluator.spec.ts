import { SECOND, engineFor, event, feed } from './testing/rule-fixtures';

const CPU = `
id: cpu-anomaly
name: CPU usage anomaly
category: resource-anomaly
severity: medium
type: anomaly
filter: 'event.kind:metric'
group_by: [container.name]
anomaly: {field: container.cpu.usage, z: 4, warmup: 10, direction: up, min_stddev: 0.01}
`;

const cpu = (index: number, usage: unknown, container = 'api') =>
  event(index * 10 * SECOND, {
    event: { kind: 'metric' },
    container: { name: container, cpu: { usage } },
  });

/** Usage wobbling around 0.30. */
const normal = (from: number, count: number, container = 'api') =>
  Array.from({ length: count }, (_, i) => cpu(from + i, 0.3 + ((i % 3) - 1) * 0.01, container));

describe('anomaly rules', () => {
  it('fire on a value far above the group’s own baseline', () => {
    const engine = engineFor(CPU);
    expect(feed(engine, normal(0, 20))).toEqual([]);
    const detections = engine.evaluate(cpu(20, 0.95));
    expect(detections).toEqual([
      expect.objectContaining({
        groupValues: { 'container.name': 'api' },
        count: 1,
        details: expect.objectContaining({ value: 0.95, samples: 20 }),
      }),
    ]);
    expect(detections[0].summary).toMatch(
      /^container\.cpu\.usage 0\.95 for container\.name=api is [\d.]+σ above its mean 0\.\d+ \(threshold 4σ\)$/,
    );
  });

  it('stay silent during warm-up, however wild the values', () => {
    const engine = engineFor(CPU);
    const wild = [0.1, 0.9, 0.05, 0.99, 0.2, 0.95, 0.01, 0.9, 0.1].map((usage, i) => cpu(i, usage));
    expect(feed(engine, [cpu(-1, 0.3), ...wild])).toEqual([]);
  });

  it('keep a baseline per group: a busy container is normal for itself', () => {
    const engine = engineFor(CPU);
    const busy = Array.from({ length: 20 }, (_, i) => cpu(i, 0.9 + ((i % 3) - 1) * 0.01, 'batch'));
    expect(feed(engine, [...normal(0, 20), ...busy, cpu(20, 0.9, 'batch')])).toEqual([]);
    expect(feed(engine, [cpu(21, 0.9, 'api')])).toHaveLength(1);
  });

  it('ignore drops when watching only upward, and see them when watching both ways', () => {
    const up = engineFor(CPU);
    feed(up, normal(0, 20));
    expect(up.evaluate(cpu(20, 0))).toEqual([]);
    const both = engineFor(CPU.replace('direction: up', 'direction: both'));
    feed(both, normal(0, 20));
    expect(both.evaluate(cpu(20, 0)).map((d) => d.summary)).toEqual([
      expect.stringContaining('below its mean'),
    ]);
  });

  it('learn a lasting change as the new normal', () => {
    const engine = engineFor(`${CPU}throttle: 0\n`);
    feed(engine, normal(0, 20));
    const plateau = Array.from({ length: 60 }, (_, i) => cpu(20 + i, 0.6));
    const detections = feed(engine, plateau);
    expect(detections.length).toBeGreaterThan(0);
    expect(detections.length).toBeLessThan(10);
  });

  it('ignore samples that are not numbers', () => {
    const engine = engineFor(CPU);
    feed(engine, normal(0, 20));
    expect(feed(engine, [cpu(20, 'high'), cpu(21, null), cpu(22, '')])).toEqual([]);
    expect(engine.evaluate(cpu(23, '0.95'))).toHaveLength(1);
  });

  it('judge the rate of a cumulative counter, across a counter reset', () => {
    const engine = engineFor(`
id: egress
name: Egress spike
category: network-anomaly
severity: high
type: anomaly
filter: 'event.kind:metric'
group_by: [container.name]
anomaly: {field: container.network.egress.bytes, counter: true, z: 4, warmup: 10, direction: up}
`);
    const bytes = (index: number, total: number) =>
      event(index * 10 * SECOND, {
        event: { kind: 'metric' },
        container: { name: 'api', network: { egress: { bytes: total } } },
      });
    // About 1 kB/s, a container restart that resets the counter, then 1 kB/s again.
    let total = 0;
    const steady = Array.from({ length: 15 }, (_, i) =>
      bytes(i, (total += 10_000 + (i % 3) * 500)),
    );
    const afterRestart = [15, 16, 17].map((i, n) => bytes(i, 10_000 * (n + 1)));
    expect(feed(engine, [...steady, ...afterRestart])).toEqual([]);
    const detections = engine.evaluate(bytes(18, 30_000 + 5_000_000));
    expect(detections.map((d) => d.summary)).toEqual([
      expect.stringMatching(
        /^container\.network\.egress\.bytes rate 500000\/s for container\.name=api is/,
      ),
    ]);
  });
});
