import { MINUTE, SECOND, T0, engineFor, event, feed } from './testing/rule-fixtures';

const BRUTE_FORCE_THEN_LOGIN = `
id: login-after-failures
name: Successful login after a failure
category: unauthorized-access
severity: high
type: sequence
filter: 'event.category:authentication'
sequence:
  by: [user.name]
  within: 5m
  steps:
    - {name: failed login, filter: 'event.outcome:failure'}
    - {name: successful login, filter: 'event.outcome:success'}
`;

const login = (offsetMs: number, outcome: string, user = 'bob', id?: string) =>
  event(offsetMs, { event: { category: 'authentication', outcome }, user: { name: user } }, { id });

describe('sequence rules', () => {
  it('fire when the steps happen in order for one key within the time', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    expect(engine.evaluate(login(0, 'failure', 'bob', 'a'))).toEqual([]);
    expect(engine.evaluate(login(42 * SECOND, 'success', 'bob', 'b'))).toEqual([
      expect.objectContaining({
        ruleId: 'login-after-failures',
        groupValues: { 'user.name': 'bob' },
        eventTime: T0 + 42 * SECOND,
        count: 2,
        eventIds: ['a', 'b'],
        summary: 'failed login → successful login within 42s for user.name=bob',
      }),
    ]);
  });

  it('stay silent when B comes before A', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    expect(feed(engine, [login(0, 'success'), login(SECOND, 'failure')])).toEqual([]);
  });

  it('stay silent when B arrives first with an earlier event time than A', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    expect(feed(engine, [login(10 * SECOND, 'failure'), login(5 * SECOND, 'success')])).toEqual([]);
  });

  it('fire when A arrives after B but happened before it', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    const detections = feed(engine, [login(30 * SECOND, 'success'), login(0, 'failure')]);
    expect(detections.map((d) => d.eventTime)).toEqual([T0 + 30 * SECOND]);
  });

  it('stay silent when B comes later than the time allows', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    expect(feed(engine, [login(0, 'failure'), login(5 * MINUTE + SECOND, 'success')])).toEqual([]);
  });

  it('never combine the steps of different keys', () => {
    const engine = engineFor(BRUTE_FORCE_THEN_LOGIN);
    expect(feed(engine, [login(0, 'failure', 'bob'), login(SECOND, 'success', 'alice')])).toEqual(
      [],
    );
    const noUser = event(2 * SECOND, { event: { category: 'authentication', outcome: 'success' } });
    expect(feed(engine, [login(SECOND, 'failure', 'carol'), noUser])).toEqual([]);
  });

  it('use the failures up, so later logins need a new failure', () => {
    const engine = engineFor(`${BRUTE_FORCE_THEN_LOGIN}throttle: 0\n`);
    const detections = feed(engine, [
      login(0, 'failure'),
      login(SECOND, 'failure'),
      login(2 * SECOND, 'success'),
      login(3 * SECOND, 'success'),
      login(4 * SECOND, 'failure'),
      login(5 * SECOND, 'success'),
    ]);
    expect(detections.map((d) => (d.eventTime - T0) / SECOND)).toEqual([2, 5]);
  });

  it('follow three steps in order, and not let one event fill two steps', () => {
    const engine = engineFor(`
id: recon-exec-exfil
name: Recon, exec, then egress
category: privilege-escalation
severity: critical
type: sequence
filter: '*'
sequence:
  by: [container.name]
  within: 10m
  steps:
    - {filter: 'tag:recon'}
    - {filter: 'tag:exec OR tag:recon'}
    - {filter: 'tag:egress'}
`);
    const step = (offsetMs: number, tag: string) =>
      event(offsetMs, { tag, container: { name: 'web' } });
    expect(feed(engine, [step(0, 'recon'), step(MINUTE, 'egress')])).toEqual([]);
    const detections = feed(engine, [step(2 * MINUTE, 'exec'), step(3 * MINUTE, 'egress')]);
    expect(detections.map((d) => [d.count, d.summary])).toEqual([
      [3, 'step 1 → step 2 → step 3 within 3m for container.name=web'],
    ]);
  });
});
