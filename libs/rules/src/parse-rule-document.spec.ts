import { parseRuleDocument } from './parse-rule-document';

const SSH = `
id: ssh-brute-force
name: SSH brute force
description: Many failed SSH logins from one address.
category: unauthorized-access
severity: high
type: threshold
filter: 'event.dataset:sshd AND event.outcome:failure'
group_by: [source.ip]
threshold:
  count: 10
  window: 5m
labels:
  team: platform
  tier: 1
`;

const messages = (text: string, file = 'rules/ssh.yml') =>
  parseRuleDocument(text, file).invalid.flatMap((rule) => rule.problems.map((p) => p.message));

describe('parseRuleDocument', () => {
  it('reads a rule with durations in milliseconds and defaults applied', () => {
    const { rules, invalid } = parseRuleDocument(SSH, 'rules/ssh.yml');
    expect(invalid).toEqual([]);
    expect(rules).toEqual([
      {
        id: 'ssh-brute-force',
        name: 'SSH brute force',
        description: 'Many failed SSH logins from one address.',
        category: 'unauthorized-access',
        severity: 'high',
        type: 'threshold',
        filter: 'event.dataset:sshd AND event.outcome:failure',
        groupBy: ['source.ip'],
        threshold: { count: 10, windowMs: 300_000 },
        throttleMs: 300_000,
        labels: { team: 'platform', tier: '1' },
        enabled: true,
        source: { file: 'rules/ssh.yml', line: 2 },
      },
    ]);
  });

  it('reads a list of rules and several YAML documents, and JSON', () => {
    const text = `
- {id: a, name: A, category: availability, severity: low, type: match, filter: 'log.level:error'}
- {id: b, name: B, category: my-own-category, severity: info, type: match, filter: '*', enabled: false}
---
id: c
name: C
category: availability
severity: critical
type: new_term
filter: '*'
new_term: {field: destination.ip, days: 7}
`;
    const { rules, invalid } = parseRuleDocument(text, 'rules/many.yml');
    expect(invalid).toEqual([]);
    expect(rules.map((rule) => [rule.id, rule.enabled, rule.source.line])).toEqual([
      ['a', true, 2],
      ['b', false, 3],
      ['c', true, 5],
    ]);
    const json = JSON.stringify({
      id: 'j',
      name: 'J',
      category: 'availability',
      severity: 'low',
      type: 'flatline',
      filter: 'service.name:api',
      flatline: { count: 1, window: '10m' },
    });
    expect(parseRuleDocument(json, 'request').rules[0]).toMatchObject({
      type: 'flatline',
      flatline: { count: 1, windowMs: 600_000 },
      throttleMs: 600_000,
    });
  });

  it('names the file, line, rule, field and reason of each problem', () => {
    expect(messages(SSH.replace('count: 10', 'count: 0'))).toEqual([
      'rules/ssh.yml:11: rule "ssh-brute-force": threshold.count must be a positive integer (got 0)',
    ]);
  });

  it('reports every problem of a rule at once, and the position of a filter syntax error', () => {
    const text = `
id: broken
name: Broken
category: Unauthorized Access
severity: urgent
type: threshold
filter: 'event.outcome:failure AND'
threshold: {count: 5, window: 5 minutes}
`;
    expect(messages(text, 'r.yml')).toEqual([
      'r.yml:4: rule "broken": category must be one of unauthorized-access, resource-anomaly, network-anomaly, privilege-escalation, availability or your own lower-case name of letters, digits and "-" (got "Unauthorized Access")',
      'r.yml:5: rule "broken": severity must be one of info, low, medium, high, critical (got "urgent")',
      'r.yml:7: rule "broken": filter is not a valid query: Unexpected end of query after "AND" at position 25',
      'r.yml:8: rule "broken": threshold.window must be a duration like 30s, 5m, 1h or 7d, at most 365d (got "5 minutes")',
    ]);
  });

  it('rejects an unknown type, naming the known ones', () => {
    expect(messages(SSH.replace('type: threshold', 'type: treshold'))).toEqual([
      'rules/ssh.yml:7: rule "ssh-brute-force": type must be one of match, threshold, cardinality, spike, anomaly, new_term, flatline, sequence (got "treshold")',
    ]);
  });

  it('reports missing fields, by position when the id itself is missing', () => {
    const text = `
- name: No id
  category: availability
  severity: low
  type: threshold
  filter: '*'
`;
    expect(messages(text, 'r.yml')).toEqual([
      'r.yml:2: rule #1: id is required',
      'r.yml:2: rule #1: threshold is required',
    ]);
    expect(
      messages(SSH.replace('  count: 10\n', '').replace('name: SSH brute force\n', '')),
    ).toEqual([
      'rules/ssh.yml:2: rule "ssh-brute-force": name is required',
      'rules/ssh.yml:10: rule "ssh-brute-force": threshold.count is required',
    ]);
  });

  it('rejects misspelt fields and settings of another type instead of ignoring them', () => {
    const text = `${SSH}grup_by: [user.name]\ncardinality: {field: destination.port, count: 5, window: 1m}\n`;
    expect(messages(text)).toEqual([
      'rules/ssh.yml:16: rule "ssh-brute-force": grup_by is not a rule field',
      'rules/ssh.yml:17: rule "ssh-brute-force": cardinality only applies to type cardinality, not threshold',
    ]);
    expect(messages(SSH.replace('window: 5m', 'window: 5m\n  windw: 1m'))).toEqual([
      'rules/ssh.yml:13: rule "ssh-brute-force": threshold.windw is not a threshold setting',
    ]);
  });

  it.each([
    ['300', 'must be a duration like 30s, 5m, 1h or 7d, at most 365d (got 300)'],
    ['0s', 'must be a duration like 30s, 5m, 1h or 7d, at most 365d (got "0s")'],
    ['400d', 'must be a duration like 30s, 5m, 1h or 7d, at most 365d (got "400d")'],
    ['5mins', 'must be a duration like 30s, 5m, 1h or 7d, at most 365d (got "5mins")'],
  ])('rejects the duration %s', (window, reason) => {
    expect(
      parseRuleDocument(SSH.replace('window: 5m', `window: ${window}`), 'r.yml').invalid,
    ).toEqual([
      expect.objectContaining({
        id: 'ssh-brute-force',
        problems: [expect.objectContaining({ field: 'threshold.window', reason, line: 12 })],
      }),
    ]);
  });

  it('checks each type’s settings', () => {
    const rule = (type: string, settings: string) =>
      messages(
        `{id: x, name: X, category: availability, severity: low, type: ${type}, filter: '*', ${settings}}`,
        'r.yml',
      ).map((message) => message.replace('r.yml:1: rule "x": ', ''));
    expect(rule('cardinality', 'cardinality: {field: "", count: 5000, window: 1m}')).toEqual([
      'cardinality.field must be a dotted field path like source.ip (got "")',
      'cardinality.count must be a positive integer of at most 1000 (got 5000)',
    ]);
    expect(rule('spike', 'spike: {window: 5m, ratio: 0.5}')).toEqual([
      'spike.ratio must be a number of at least 1 (got 0.5)',
      'spike.min_count is required',
    ]);
    expect(
      rule('anomaly', 'anomaly: {field: cpu, z: -1, warmup: 1, alpha: 1, direction: sideways}'),
    ).toEqual([
      'anomaly.z must be a positive number (got -1)',
      'anomaly.warmup must be a whole number of samples, at least 2 (got 1)',
      'anomaly.alpha must be a number between 0 and 1, exclusive (got 1)',
      'anomaly.direction must be one of up, down, both (got "sideways")',
    ]);
    expect(rule('new_term', 'new_term: {field: destination.ip, days: 400}')).toEqual([
      'new_term.days must be a positive integer of at most 365 (got 400)',
    ]);
    expect(
      rule(
        'sequence',
        'group_by: [user.name], sequence: {by: [], within: 5m, steps: [{filter: "a:1"}]}',
      ),
    ).toEqual([
      'group_by does not apply to sequence rules; use sequence.by',
      'sequence.by must name at least one field',
      'sequence.steps must be a list of 2 to 10 steps',
    ]);
    expect(
      rule(
        'sequence',
        'sequence: {by: [user.name], within: 5m, steps: [{filter: "a:1"}, {filter: "b:("}]}',
      ),
    ).toEqual([
      'sequence.steps[1].filter is not a valid query: Missing ")" to close the "(" at position 2',
    ]);
    expect(
      messages(
        `{id: x, name: X, category: availability, severity: low, type: match, filter: '@timestamp:>now-1h'}`,
        'r.yml',
      ),
    ).toEqual([
      'r.yml:1: rule "x": filter must not test @timestamp; rule types set the time windows',
    ]);
  });

  it('fills anomaly and sequence defaults and takes sequence.by as the grouping', () => {
    const { rules } = parseRuleDocument(
      `
- {id: cpu, name: CPU, category: resource-anomaly, severity: medium, type: anomaly, filter: 'event.kind:metric',
   group_by: [container.name], anomaly: {field: container.cpu.usage, z: 4, warmup: 30}}
- {id: seq, name: Seq, category: unauthorized-access, severity: high, type: sequence, filter: '*',
   sequence: {by: [user.name], within: 10m, steps: [{filter: 'a:1', name: failed login}, {filter: 'b:1'}]}}
`,
      'r.yml',
    );
    expect(rules[0]).toMatchObject({
      anomaly: { alpha: 0.1, direction: 'both', counter: false, minStddev: 0 },
      throttleMs: 300_000,
    });
    expect(rules[1]).toMatchObject({
      groupBy: ['user.name'],
      throttleMs: 600_000,
      sequence: {
        withinMs: 600_000,
        steps: [
          { name: 'failed login', filter: 'a:1' },
          { name: 'step 2', filter: 'b:1' },
        ],
      },
    });
  });

  it('keeps the good rules of a file with a bad one', () => {
    const text = `
- {id: good, name: Good, category: availability, severity: low, type: match, filter: 'a:1'}
- {id: bad, name: Bad, category: availability, severity: low, type: match, filter: 'a:(', throttle: soon}
`;
    const { rules, invalid } = parseRuleDocument(text, 'r.yml');
    expect(rules.map((rule) => rule.id)).toEqual(['good']);
    expect(invalid).toEqual([
      {
        file: 'r.yml',
        line: 3,
        id: 'bad',
        problems: [
          expect.objectContaining({ field: 'filter', line: 3 }),
          expect.objectContaining({ field: 'throttle', line: 3 }),
        ],
      },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(messages('id: a\nname: [unclosed\n', 'r.yml')).toEqual([
      expect.stringMatching(
        /^r\.yml:3: Flow sequence in block collection must be sufficiently indented/,
      ),
    ]);
    expect(messages('id: a\nid: b\n', 'r.yml')).toEqual(['r.yml:2: Map keys must be unique']);
    expect(messages('- just a string\n', 'r.yml')).toEqual([
      'r.yml:1: rule #1: a rule must be a mapping of fields',
    ]);
  });

  it('keeps the first of two rules with one id', () => {
    const text = `
- {id: dup, name: First, category: availability, severity: low, type: match, filter: 'a:1'}
- {id: dup, name: Second, category: availability, severity: low, type: match, filter: 'a:2'}
`;
    const { rules, invalid } = parseRuleDocument(text, 'r.yml');
    expect(rules.map((rule) => rule.name)).toEqual(['First']);
    expect(invalid.flatMap((rule) => rule.problems.map((p) => p.message))).toEqual([
      'r.yml:3: rule "dup": id duplicates the rule defined at r.yml:2; ids must be unique',
    ]);
  });

  it('treats an empty file as no rules', () => {
    expect(parseRuleDocument('# nothing yet\n', 'r.yml')).toEqual({ rules: [], invalid: [] });
  });
});
