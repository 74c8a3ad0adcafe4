import { SECOND, engineFor, event, feed } from './testing/rule-fixtures';

const PORT_SCAN = `
id: port-scan
name: Port scan
category: network-anomaly
severity: medium
type: cardinality
filter: 'network.transport:tcp'
group_by: [source.ip]
cardinality: {field: destination.port, count: 10, window: 1m}
`;

const connection = (offsetMs: number, port: unknown, ip = '203.0.113.7') =>
  event(offsetMs, { network: { transport: 'tcp' }, source: { ip }, destination: { port } });

describe('cardinality rules', () => {
  it('fire when a group reaches the number of distinct values in the window', () => {
    const engine = engineFor(PORT_SCAN);
    const ports = Array.from({ length: 10 }, (_, i) => connection(i * SECOND, 20 + i));
    expect(feed(engine, ports.slice(0, 9))).toEqual([]);
    expect(engine.evaluate(ports[9])).toEqual([
      expect.objectContaining({
        groupValues: { 'source.ip': '203.0.113.7' },
        count: 10,
        summary:
          '10 distinct destination.port values in 1m for source.ip=203.0.113.7 (threshold 10)',
      }),
    ]);
  });

  it('count repeated values once, and a number and its string as one value', () => {
    const engine = engineFor(PORT_SCAN);
    const repeats = Array.from({ length: 30 }, (_, i) =>
      connection(i * SECOND, i % 2 === 0 ? 443 + (i % 6) : String(443 + (i % 6))),
    );
    expect(feed(engine, repeats)).toEqual([]);
  });

  it('forget values that left the window', () => {
    const engine = engineFor(PORT_SCAN);
    const slow = Array.from({ length: 20 }, (_, i) => connection(i * 10 * SECOND, 1000 + i));
    expect(feed(engine, slow)).toEqual([]);
  });

  it('keep each source apart, and skip events without the field', () => {
    const engine = engineFor(PORT_SCAN);
    const two = Array.from({ length: 12 }, (_, i) =>
      connection(i * SECOND, 20 + i, i % 2 === 0 ? '203.0.113.7' : '203.0.113.8'),
    );
    const noPort = Array.from({ length: 12 }, (_, i) => connection(i * SECOND, undefined));
    expect(feed(engine, [...two, ...noPort])).toEqual([]);
  });

  it('keep a bounded number of values per group during a full scan, firing once per window', () => {
    const engine = engineFor(PORT_SCAN);
    const scan = Array.from({ length: 5000 }, (_, i) =>
      connection(Math.floor(i / 100) * SECOND, i),
    );
    const detections = feed(engine, scan);
    expect(detections).toHaveLength(1);
    // 26 tracked ports and 5 sample ids, not 5000 ports.
    expect(JSON.stringify(engine.snapshot()).length).toBeLessThan(1500);
  });

  it('report at least the tracked number when more distinct values were seen', () => {
    const engine = engineFor(`${PORT_SCAN}throttle: 1s\n`);
    const scan = Array.from({ length: 60 }, (_, i) => connection(i * 100, i));
    const last = feed(engine, scan).pop();
    expect(last?.summary).toBe(
      'at least 26 distinct destination.port values in 1m for source.ip=203.0.113.7 (threshold 10)',
    );
  });
});
