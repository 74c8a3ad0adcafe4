import { MINUTE, T0, engineFor, event, feed } from './testing/rule-fixtures';

const DAY = 86_400_000;

const NEW_DESTINATION = `
id: new-destination
name: New outbound destination
category: network-anomaly
severity: low
type: new_term
filter: 'network.direction:egress'
group_by: [container.name]
new_term: {field: destination.ip, days: 7}
`;

const egress = (offsetMs: number, ip: unknown, container = 'api') =>
  event(offsetMs, {
    network: { direction: 'egress' },
    container: { name: container },
    destination: { ip },
  });

describe('new_term rules', () => {
  it('fire the first time a group uses a value, then stay silent for it', () => {
    const engine = engineFor(NEW_DESTINATION);
    const detections = feed(engine, [
      egress(0, '198.51.100.1'),
      egress(MINUTE, '198.51.100.1'),
      egress(2 * MINUTE, '198.51.100.2'),
      egress(3 * MINUTE, '198.51.100.1'),
    ]);
    expect(detections.map((d) => [d.groupValues, d.summary])).toEqual([
      [
        { 'container.name': 'api', 'destination.ip': '198.51.100.1' },
        'new destination.ip for container.name=api, destination.ip=198.51.100.1 (not seen in the last 7d)',
      ],
      [
        { 'container.name': 'api', 'destination.ip': '198.51.100.2' },
        'new destination.ip for container.name=api, destination.ip=198.51.100.2 (not seen in the last 7d)',
      ],
    ]);
  });

  it('judge each group on its own', () => {
    const engine = engineFor(NEW_DESTINATION);
    feed(engine, [egress(0, '198.51.100.1', 'api')]);
    expect(feed(engine, [egress(MINUTE, '198.51.100.1', 'worker')])).toHaveLength(1);
  });

  it('fire again for a value unseen for longer than the days', () => {
    const engine = engineFor(NEW_DESTINATION);
    feed(engine, [egress(0, '198.51.100.1')]);
    expect(feed(engine, [egress(6 * DAY, '198.51.100.1')])).toEqual([]);
    expect(feed(engine, [egress(12 * DAY, '198.51.100.1')])).toEqual([]);
    expect(feed(engine, [egress(19 * DAY + MINUTE, '198.51.100.1')])).toHaveLength(1);
  });

  it('treat seeded history as seen', () => {
    const engine = engineFor(NEW_DESTINATION);
    engine.seed('new-destination', [
      {
        tenant: 'default',
        group: { 'container.name': 'api' },
        value: '198.51.100.1',
        lastSeen: T0 - 2 * DAY,
      },
      {
        tenant: 'default',
        group: { 'container.name': 'api' },
        value: '198.51.100.9',
        lastSeen: T0 - 8 * DAY,
      },
    ]);
    expect(feed(engine, [egress(0, '198.51.100.1')])).toEqual([]);
    expect(feed(engine, [egress(0, '198.51.100.9')])).toHaveLength(1);
    expect(() => engine.seed('no-such-rule', [])).toThrow(
      'No enabled new_term rule has the id "no-such-rule"',
    );
  });

  it('take each element of a list as a value, and skip events without one', () => {
    const engine = engineFor(NEW_DESTINATION);
    const detections = feed(engine, [
      egress(0, ['198.51.100.1', '198.51.100.2']),
      egress(MINUTE, undefined),
      egress(MINUTE, { nested: true }),
    ]);
    expect(detections.map((d) => d.groupValues['destination.ip'])).toEqual([
      '198.51.100.1',
      '198.51.100.2',
    ]);
  });
});
