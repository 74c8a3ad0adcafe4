import { MINUTE, SECOND, T0, engineFor, event, feed } from './testing/rule-fixtures';

const SHELL = `
id: container-shell
name: Shell in a container
category: privilege-escalation
severity: high
type: match
filter: 'process.name:sh OR process.name:bash'
group_by: [container.name]
`;

const shell = (offsetMs: number, container = 'web', id?: string) =>
  event(offsetMs, { process: { name: 'bash' }, container: { name: container } }, { id });

describe('match rules', () => {
  it('fire on every matching event, and on nothing else', () => {
    const engine = engineFor(SHELL);
    const detections = feed(engine, [
      shell(0, 'web', 'a'),
      event(SECOND, { process: { name: 'nginx' }, container: { name: 'web' } }),
      shell(2 * SECOND, 'web', 'b'),
    ]);
    expect(detections).toEqual([
      {
        ruleId: 'container-shell',
        tenant: 'default',
        groupKey: '["default","web"]',
        groupValues: { 'container.name': 'web' },
        eventTime: T0,
        count: 1,
        eventIds: ['a'],
        summary: '1 matching event for container.name=web',
        details: {},
      },
      expect.objectContaining({ eventIds: ['b'], eventTime: T0 + 2 * SECOND }),
    ]);
  });

  it('fire for events however late they arrive', () => {
    const engine = engineFor(SHELL);
    feed(engine, [shell(60 * MINUTE)]);
    expect(engine.evaluate(shell(0))).toHaveLength(1);
    expect(engine.stats().late).toBe(0);
  });

  it('fold events within the throttle into the next detection of their group', () => {
    const engine = engineFor(`${SHELL}throttle: 1m\n`);
    const detections = feed(engine, [
      shell(0, 'web', 'a'),
      shell(10 * SECOND, 'web', 'b'),
      shell(20 * SECOND, 'db', 'c'),
      shell(30 * SECOND, 'web', 'd'),
      shell(70 * SECOND, 'web', 'e'),
    ]);
    expect(
      detections.map((d) => [d.groupValues['container.name'], d.count, d.eventIds, d.summary]),
    ).toEqual([
      ['web', 1, ['a'], '1 matching event for container.name=web'],
      ['db', 1, ['c'], '1 matching event for container.name=db'],
      [
        'web',
        3,
        ['b', 'd', 'e'],
        '3 matching events since the last detection for container.name=web',
      ],
    ]);
  });
});
