import { RuleEngine } from './rule-engine';
import {
  MINUTE,
  SECOND,
  T0,
  engineFor,
  event,
  feed,
  rulesFrom,
  SSH_BRUTE_FORCE,
} from './testing/rule-fixtures';

const failure = (offsetMs: number, ip = '10.0.0.5', ingestedOffsetMs?: number) =>
  event(offsetMs, { event: { outcome: 'failure' }, source: { ip } }, { ingestedOffsetMs });

/** Through JSON, as a snapshot would be stored. */
const stored = (engine: RuleEngine) =>
  JSON.parse(JSON.stringify(engine.snapshot())) as ReturnType<RuleEngine['snapshot']>;

describe('RuleEngine', () => {
  it('runs every rule on each event and returns all their detections', () => {
    const engine = engineFor(`
- {id: any-failure, name: Any failure, category: unauthorized-access, severity: info, type: match, filter: 'event.outcome:failure'}
- {id: disabled, name: Off, category: availability, severity: info, type: match, filter: '*', enabled: false}
${SSH_BRUTE_FORCE.replace(/^/gm, '  ').replace(/^ {2}id:/m, '- id:')}
`);
    const detections = feed(
      engine,
      [0, 1, 2, 3, 4].map((i) => failure(i * SECOND)),
    );
    expect(detections.map((d) => d.ruleId)).toEqual([
      'any-failure',
      'any-failure',
      'any-failure',
      'any-failure',
      'any-failure',
      'ssh-brute-force',
    ]);
    expect(Object.keys(engine.stats().groups)).toEqual(['any-failure', 'ssh-brute-force']);
  });

  it('wants the events some enabled rule reads, and only those leave a trace', () => {
    const engine = engineFor(`
- {id: disabled, name: Off, category: availability, severity: info, type: match, filter: '*', enabled: false}
${SSH_BRUTE_FORCE.replace(/^/gm, '  ').replace(/^ {2}id:/m, '- id:')}
`);
    const success = event(0, { event: { outcome: 'success' }, source: { ip: '10.0.0.5' } });
    expect(engine.wants(failure(0))).toBe(true);
    expect(engine.wants(success)).toBe(false);

    const before = JSON.stringify(engine.snapshot());
    expect(engine.evaluate(success)).toEqual([]);
    expect(JSON.stringify(engine.snapshot())).toBe(before);
    engine.evaluate(failure(0));
    expect(JSON.stringify(engine.snapshot())).not.toBe(before);
  });

  it('keeps at most maxGroupsPerRule groups, evicting the least recently seen', () => {
    const engine = engineFor(SSH_BRUTE_FORCE, { maxGroupsPerRule: 100 });
    const detections = [];
    for (let i = 0; i < 1000; i++) {
      detections.push(...engine.evaluate(failure(i * 100, `198.51.${i >> 8}.${i & 255}`)));
      // The attacker keeps coming back, so it stays among the recently seen.
      if (i % 50 === 0) detections.push(...engine.evaluate(failure(i * 100, '10.0.0.5')));
    }
    expect(engine.stats()).toMatchObject({ evicted: 901, groups: { 'ssh-brute-force': 100 } });
    expect(detections.map((d) => d.groupValues['source.ip'])).toEqual(['10.0.0.5']);
  });

  it('forgets idle groups as time advances', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    feed(engine, [failure(0, '10.0.0.1'), failure(0, '10.0.0.2')]);
    engine.advance(T0 + 5 * MINUTE);
    expect(engine.stats().groups).toEqual({ 'ssh-brute-force': 2 });
    engine.advance(T0 + 11 * MINUTE);
    expect(engine.stats().groups).toEqual({ 'ssh-brute-force': 0 });
  });

  it('continues a window after snapshot and restore', () => {
    const before = engineFor(SSH_BRUTE_FORCE);
    feed(
      before,
      [0, 1, 2].map((i) => failure(i * SECOND)),
    );
    const after = engineFor(SSH_BRUTE_FORCE);
    expect(after.restore(stored(before))).toEqual({ restored: ['ssh-brute-force'], discarded: [] });
    expect(feed(after, [failure(3 * SECOND), failure(4 * SECOND)]).map((d) => d.count)).toEqual([
      5,
    ]);
    const fresh = engineFor(SSH_BRUTE_FORCE);
    expect(feed(fresh, [failure(3 * SECOND), failure(4 * SECOND)])).toEqual([]);
  });

  it('continues a window when restarted with another allowed lateness', () => {
    const before = engineFor(SSH_BRUTE_FORCE);
    feed(
      before,
      [0, 1, 2].map((i) => failure(i * MINUTE)),
    );
    const after = engineFor(SSH_BRUTE_FORCE, { allowedLatenessMs: 0 });
    after.restore(stored(before));
    expect(feed(after, [failure(3 * MINUTE), failure(4 * MINUTE)]).map((d) => d.count)).toEqual([
      5,
    ]);
  });

  it('does not repeat a detection after a restart within the throttle', () => {
    const before = engineFor(SSH_BRUTE_FORCE);
    expect(
      feed(
        before,
        [0, 1, 2, 3, 4].map((i) => failure(i * SECOND)),
      ),
    ).toHaveLength(1);
    const after = engineFor(SSH_BRUTE_FORCE);
    after.restore(stored(before));
    expect(feed(after, [failure(5 * SECOND), failure(6 * SECOND)])).toEqual([]);
  });

  it('restores every rule type’s state', () => {
    const yaml = `
- {id: m, name: M, category: availability, severity: low, type: match, filter: 'kind:m', throttle: 1h}
- {id: c, name: C, category: availability, severity: low, type: cardinality, filter: 'kind:c', cardinality: {field: port, count: 3, window: 1h}}
- {id: s, name: S, category: availability, severity: low, type: spike, filter: 'kind:s', spike: {window: 1m, ratio: 2, min_count: 2}}
- {id: a, name: A, category: availability, severity: low, type: anomaly, filter: 'kind:a', anomaly: {field: v, z: 3, warmup: 3, min_stddev: 1}}
- {id: n, name: N, category: availability, severity: low, type: new_term, filter: 'kind:n', new_term: {field: v, days: 1}}
- {id: f, name: F, category: availability, severity: low, type: flatline, filter: 'kind:f', flatline: {count: 1, window: 1m}}
- {id: q, name: Q, category: availability, severity: low, type: sequence, filter: '*', sequence: {by: [u], within: 1h, steps: [{filter: 'kind:q1'}, {filter: 'kind:q2'}]}}
`;
    const before = engineFor(yaml);
    feed(before, [
      event(0, { kind: 'm' }),
      event(0, { kind: 'c', port: 1 }),
      event(0, { kind: 'c', port: 2 }),
      ...[0, 1, 2].map((i) => event(i * 10 * SECOND, { kind: 's' })),
      ...[0, 1, 2].map((i) => event(0, { kind: 'a', v: 10 + i })),
      event(0, { kind: 'n', v: 'x' }),
      event(0, { kind: 'f' }),
      event(0, { kind: 'q1', u: 'bob' }),
    ]);
    before.advance(T0 + 30 * SECOND);
    const after = engineFor(yaml);
    expect(after.restore(stored(before)).discarded).toEqual([]);
    const detections = [
      ...feed(after, [
        event(MINUTE, { kind: 'm' }),
        event(MINUTE, { kind: 'c', port: 3 }),
        ...[0, 1, 2, 3, 4, 5].map((i) => event(2 * MINUTE + i * SECOND, { kind: 's' })),
        event(MINUTE, { kind: 'a', v: 100 }),
        event(MINUTE, { kind: 'n', v: 'x' }),
        event(MINUTE, { kind: 'q2', u: 'bob' }),
      ]),
      ...after.advance(T0 + 2 * MINUTE),
    ];
    expect(detections.map((d) => d.ruleId).sort()).toEqual(['a', 'c', 'f', 'q', 's']);
    expect(after.snapshot()).toEqual(expect.objectContaining({ version: 1 }));
  });

  it('starts a rule empty when its settings changed, but keeps it across a rename', () => {
    const before = engineFor(SSH_BRUTE_FORCE);
    feed(
      before,
      [0, 1, 2, 3].map((i) => failure(i * SECOND)),
    );
    const changed = engineFor(SSH_BRUTE_FORCE.replace('count: 5', 'count: 6'));
    expect(changed.restore(stored(before))).toEqual({
      restored: [],
      discarded: ['ssh-brute-force'],
    });
    expect(feed(changed, [failure(4 * SECOND), failure(5 * SECOND)])).toEqual([]);
    const renamed = engineFor(
      SSH_BRUTE_FORCE.replace(
        'name: SSH_BRUTE_FORCE brute force',
        'name: SSH_BRUTE_FORCE password guessing',
      ),
    );
    renamed.restore(stored(before));
    expect(renamed.evaluate(failure(4 * SECOND))).toHaveLength(1);
  });

  it('keeps the watermark across a restart, so old events stay late', () => {
    const before = engineFor(SSH_BRUTE_FORCE);
    feed(before, [failure(30 * MINUTE, '192.0.2.1')]);
    const after = engineFor(SSH_BRUTE_FORCE);
    after.restore(stored(before));
    feed(
      after,
      [0, 1, 2, 3, 4].map((i) => failure(i * SECOND)),
    );
    expect(after.stats()).toMatchObject({ late: 5, groups: { 'ssh-brute-force': 1 } });
  });

  it('does not let one event from the far future make every other event late', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    feed(engine, [failure(365 * 24 * 60 * MINUTE, '192.0.2.1', 0)]);
    const detections = feed(
      engine,
      [0, 1, 2, 3, 4].map((i) => failure(i * SECOND)),
    );
    expect(detections).toHaveLength(1);
    expect(engine.stats().late).toBe(0);
  });

  it('counts matching events without a readable time, and uses none of them', () => {
    const engine = engineFor(SSH_BRUTE_FORCE);
    const untimed = {
      ...failure(0),
      '@timestamp': 'yesterday',
      event: { id: 'x', outcome: 'failure', ingested: '' },
    };
    expect(feed(engine, [untimed, untimed, untimed, untimed, untimed])).toEqual([]);
    expect(engine.stats()).toMatchObject({ untimed: 5, groups: { 'ssh-brute-force': 0 } });
  });

  it('rejects options out of range and two rules with one id', () => {
    const rules = rulesFrom(SSH_BRUTE_FORCE);
    expect(() => new RuleEngine(rules, { maxGroupsPerRule: 0 })).toThrow(
      'maxGroupsPerRule must be a positive integer',
    );
    expect(() => new RuleEngine(rules, { allowedLatenessMs: -1 })).toThrow(
      'allowedLatenessMs must be a non-negative number',
    );
    expect(() => new RuleEngine([...rules, ...rules])).toThrow(
      'Two rules have the id "ssh-brute-force"',
    );
  });
});
