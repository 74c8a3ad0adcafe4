import {
  MINUTE,
  SECOND,
  T0,
  engineFor,
  event,
  feed,
  SSH_BRUTE_FORCE,
} from './testing/rule-fixtures';

const failure = (
  offsetMs: number,
  ip = '10.0.0.5',
  options: { id?: string; tenant?: string } = {},
) => event(offsetMs, { event: { outcome: 'failure' }, source: { ip } }, options);

describe('threshold rules', () => {
  it('fire when the count in the window reaches the threshold, with the group and sample events', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const events = [0, 1, 2, 3, 4].map((i) =>
      failure(i * 20 * SECOND, '10.0.0.5', { id: `f${i}` }),
    );
    expect(feed(engine, events.slice(0, 4))).toEqual([]);
    expect(engine.evaluate(events[4])).toEqual([
      {
        ruleId: 'ssh-brute-force',
        tenant: 'default',
        groupKey: '["default","10.0.0.5"]',
        groupValues: { 'source.ip': '10.0.0.5' },
        eventTime: T0 + 80 * SECOND,
        count: 5,
        eventIds: ['f0', 'f1', 'f2', 'f3', 'f4'],
        summary: '5 events in 5m for source.ip=10.0.0.5 (threshold 5)',
        details: { threshold: 5, window: '5m' },
      },
    ]);
  });

  it('ignore events that do not match the filter', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const successes = [0, 1, 2, 3, 4, 5].map((i) =>
      event(i * SECOND, { event: { outcome: 'success' }, source: { ip: '10.0.0.5' } }),
    );
    expect(feed(engine, successes)).toEqual([]);
    expect(engine.stats().groups).toEqual({ 'ssh-brute-force': 0 });
  });

  it('stay silent when the events are spread wider than the window', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const spread = Array.from({ length: 25 }, (_, i) => failure(i * 80 * SECOND));
    expect(feed(engine, spread)).toEqual([]);
    const afterPause = [0, 1, 2, 3].map((i) => failure(40 * MINUTE + i * SECOND));
    expect(feed(engine, [...afterPause, failure(46 * MINUTE)])).toEqual([]);
  });

  it('count each source address and each tenant separately', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const mixed = [0, 1, 2].flatMap((i) => [
      failure(i * SECOND, '10.0.0.5'),
      failure(i * SECOND, '10.0.0.6'),
      failure(i * SECOND, '10.0.0.5', { tenant: 'other' }),
    ]);
    expect(feed(engine, mixed)).toEqual([]);
    const detections = feed(engine, [
      failure(5 * SECOND, '10.0.0.5'),
      failure(6 * SECOND, '10.0.0.5'),
    ]);
    expect(detections.map((d) => [d.tenant, d.groupValues, d.count])).toEqual([
      ['default', { 'source.ip': '10.0.0.5' }, 5],
    ]);
  });

  it('count events that arrive out of order within the allowed lateness', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const scrambled = [4, 0, 3, 1, 2].map((minute) => failure(minute * MINUTE));
    const detections = feed(engine, scrambled);
    expect(detections.map((d) => d.count)).toEqual([5]);
  });

  it('judge a late event in its own window, even after newer events moved on', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    feed(
      engine,
      [0, 30, 60, 90].map((s) => failure(s * SECOND)),
    );
    expect(feed(engine, [failure(6 * MINUTE)])).toEqual([]);
    const detections = engine.evaluate(failure(2 * MINUTE));
    expect(detections.map((d) => [d.count, d.eventTime])).toEqual([[5, T0 + 2 * MINUTE]]);
  });

  it('ignore and count events later than the allowed lateness', () => {
    const engine = engineFor(SSH_BRUTE_FORCE, { allowedLatenessMs: MINUTE });
    feed(
      engine,
      [0, 1, 2, 3].map((s) => failure(s * SECOND)),
    );
    feed(engine, [failure(10 * MINUTE, '192.0.2.1')]);
    expect(engine.evaluate(failure(4 * SECOND))).toEqual([]);
    expect(engine.stats().late).toBe(1);
  });

  it('fire again for a lasting attack once per window, not on every event', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const steady = Array.from({ length: 72 }, (_, i) => failure(i * 10 * SECOND));
    const times = feed(engine, steady).map((d) => (d.eventTime - T0) / SECOND);
    expect(times).toEqual([40, 340, 640]);
  });

  it('fire as often as the throttle allows', () => {
    const engine = engineFor(`${SSH_BRUTE_FORCE}throttle: 1m\n`);
    const steady = Array.from({ length: 19 }, (_, i) => failure(i * 10 * SECOND));
    const times = feed(engine, steady).map((d) => (d.eventTime - T0) / SECOND);
    expect(times).toEqual([40, 100, 160]);
  });
});

const SPIKE = `
id: error-spike
name: Error spike
category: availability
severity: medium
type: spike
filter: 'log.level:error'
group_by: [service.name]
spike: {window: 1m, ratio: 3, min_count: 10}
`;

/** `count` errors spread evenly over the minute starting at `minute`. */
const errors = (minute: number, count: number, service = 'api') =>
  Array.from({ length: count }, (_, i) =>
    event(minute * MINUTE + Math.floor((i * MINUTE) / count), {
      log: { level: 'error' },
      service: { name: service },
    }),
  );

describe('spike rules', () => {
  it('fire when the window holds ratio times the preceding one', () => {
    const engine = engineFor(SPIKE);
    expect(feed(engine, [...errors(0, 5), ...errors(1, 5), ...errors(2, 5)])).toEqual([]);
    const detections = feed(engine, errors(3, 20));
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({
      groupValues: { 'service.name': 'api' },
      count: 15,
      details: { baseline: 5, ratio: 3, min_count: 10 },
      summary: '15 events in 1m for service.name=api, 3.0× the preceding 1m (5)',
    });
  });

  it('stay silent for a steady rate', () => {
    const engine = engineFor(SPIKE);
    expect(
      feed(
        engine,
        [0, 1, 2, 3, 4, 5].flatMap((minute) => errors(minute, 40)),
      ),
    ).toEqual([]);
  });

  it('stay silent below min_count however large the ratio', () => {
    const engine = engineFor(SPIKE);
    expect(feed(engine, [...errors(0, 1), ...errors(1, 1), ...errors(2, 9)])).toEqual([]);
  });

  it('wait two windows before judging a group, so the baseline was fully seen', () => {
    const engine = engineFor(SPIKE);
    expect(
      feed(engine, [...errors(0, 5, 'new-service'), ...errors(1, 100, 'new-service')]),
    ).toEqual([]);
    feed(engine, [...errors(2, 5, 'new-service'), ...errors(3, 5, 'new-service')]);
    const detections = feed(engine, errors(4, 100, 'new-service'));
    expect(detections).toHaveLength(1);
    expect(detections[0].count).toBeGreaterThanOrEqual(
      3 * (detections[0].details.baseline as number),
    );
  });
});

const FLATLINE = `
id: api-silent
name: API stopped logging
category: availability
severity: high
type: flatline
filter: 'service.name:*'
group_by: [service.name]
flatline: {count: 3, window: 5m}
`;

const logLine = (offsetMs: number, service = 'api') =>
  event(offsetMs, { service: { name: service } });

describe('flatline rules', () => {
  it('fire when a group that was active falls below the count, judged as time advances', () => {
    const engine = engineFor(FLATLINE);
    const minutely = Array.from({ length: 10 }, (_, i) => logLine(i * MINUTE));
    expect(feed(engine, minutely)).toEqual([]);
    expect(engine.advance(T0 + 11 * MINUTE)).toEqual([]);
    expect(engine.advance(T0 + 12 * MINUTE)).toEqual([
      expect.objectContaining({
        ruleId: 'api-silent',
        groupValues: { 'service.name': 'api' },
        eventTime: T0 + 12 * MINUTE,
        count: 2,
        summary:
          '2 events in 5m for service.name=api, below 3; last event at 2024-05-01T12:09:00.000Z',
      }),
    ]);
  });

  it('never fire for a group that never reached the count', () => {
    const engine = engineFor(FLATLINE);
    feed(engine, [logLine(0, 'quiet'), logLine(MINUTE, 'quiet')]);
    expect(engine.advance(T0 + 30 * MINUTE)).toEqual([]);
  });

  it('fire once per drop however long the silence, and again after the group recovered', () => {
    const engine = engineFor(FLATLINE);
    feed(
      engine,
      [0, 1, 2].map((i) => logLine(i * MINUTE)),
    );
    const silence = Array.from({ length: 60 }, (_, i) => engine.advance(T0 + (10 + i) * MINUTE));
    expect(silence.flat().map((d) => d.eventTime)).toEqual([T0 + 10 * MINUTE]);
    feed(
      engine,
      [80, 81, 82].map((minute) => logLine(minute * MINUTE)),
    );
    expect(engine.advance(T0 + 83 * MINUTE)).toEqual([]);
    const second = [90, 91].flatMap((minute) => engine.advance(T0 + minute * MINUTE));
    expect(second.map((d) => d.eventTime)).toEqual([T0 + 90 * MINUTE]);
  });

  it('judge only in advance: events alone, even after a long gap, do not fire', () => {
    const engine = engineFor(FLATLINE);
    const detections = feed(engine, [
      ...[0, 1, 2].map((i) => logLine(i * MINUTE)),
      logLine(30 * MINUTE, 'other'),
    ]);
    expect(detections).toEqual([]);
    expect(engine.advance(T0 + 30 * MINUTE).map((d) => d.groupValues)).toEqual([
      { 'service.name': 'api' },
    ]);
  });
});
