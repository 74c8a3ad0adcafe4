import { parseNotifyConfig } from './notify-config';
import { groupValuesFor, routesFor, type GroupedAlert } from './routing';

const { config, problems } = parseNotifyConfig(
  `channels:
  - {name: hook, type: webhook, url: "https://hooks.example.com/x"}
routes:
  - name: everything
    channels: [hook]
  - name: paging
    match: {severity: [high, critical], category: unauthorized-access}
    channels: [hook]
  - name: payments-ssh
    match: {rule: ssh-brute-force, labels: {team: payments, env: prod}}
    channels: [hook]
    group_by: [rule, source.ip, user.name]
  - name: by-tenant
    match: {severity: info}
    channels: [hook]
    group_by: [tenant, severity, category]
`,
  'spec.yml',
  {},
);

const ssh: GroupedAlert = {
  ruleId: 'ssh-brute-force',
  severity: 'high',
  category: 'unauthorized-access',
  tenant: 'acme',
  labels: { team: 'payments', env: 'prod' },
  group: { 'source.ip': '10.0.0.5', 'user.name': 'root' },
};

function routeNames(alert: GroupedAlert): string[] {
  return routesFor(config, alert).map((route) => route.name);
}

function route(name: string) {
  const found = config.routes.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no route ${name}`);
  return found;
}

describe('routesFor', () => {
  it('parsed the routes', () => {
    expect(problems).toEqual([]);
  });

  it('returns every route whose conditions all hold, in file order', () => {
    expect(routeNames(ssh)).toEqual(['everything', 'paging', 'payments-ssh']);
  });

  it('needs every condition of a match: severity, category, rule and each label', () => {
    expect(routeNames({ ...ssh, severity: 'medium' })).toEqual(['everything', 'payments-ssh']);
    expect(routeNames({ ...ssh, category: 'network-anomaly' })).toEqual([
      'everything',
      'payments-ssh',
    ]);
    expect(routeNames({ ...ssh, ruleId: 'port-scan' })).toEqual(['everything', 'paging']);
    expect(routeNames({ ...ssh, labels: { team: 'payments' } })).toEqual(['everything', 'paging']);
    expect(routeNames({ ...ssh, labels: { team: 'payments', env: 'staging' } })).toEqual([
      'everything',
      'paging',
    ]);
  });
});

describe('groupValuesFor', () => {
  it('groups by rule unless told otherwise', () => {
    expect(groupValuesFor(route('everything'), ssh)).toBe('rule=ssh-brute-force');
  });

  it('reads alert fields and group field paths', () => {
    expect(groupValuesFor(route('payments-ssh'), ssh)).toBe(
      'rule=ssh-brute-force,source.ip=10.0.0.5,user.name=root',
    );
    expect(groupValuesFor(route('by-tenant'), ssh)).toBe(
      'tenant=acme,severity=high,category=unauthorized-access',
    );
  });

  it('tells a missing value from the string "null" and keeps values with commas whole', () => {
    const missing = groupValuesFor(route('payments-ssh'), { ...ssh, group: {} });
    const nullString = groupValuesFor(route('payments-ssh'), {
      ...ssh,
      group: { 'source.ip': 'null', 'user.name': 'a,user.name=b' },
    });
    const numbers = groupValuesFor(route('payments-ssh'), {
      ...ssh,
      group: { 'source.ip': 22, 'user.name': '22' },
    });

    expect(missing).toBe('rule=ssh-brute-force,source.ip=null,user.name=null');
    expect(nullString).toBe('rule=ssh-brute-force,source.ip="null",user.name="a,user.name=b"');
    expect(numbers).toBe('rule=ssh-brute-force,source.ip=22,user.name="22"');
  });
});
