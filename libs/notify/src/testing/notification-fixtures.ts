import type { Notification, NotifiedAlert } from '../notification';

// Alerts as the alert pipeline describes them to channels.

export function sshAlert(overrides: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    id: 'a1b2c3',
    ruleId: 'ssh-brute-force',
    ruleName: 'SSH brute force',
    category: 'unauthorized-access',
    severity: 'high',
    description: 'Many failed SSH logins from one address: someone is guessing passwords.',
    labels: { team: 'platform' },
    group: { 'source.ip': '10.0.0.5' },
    status: 'firing',
    count: 3,
    firstSeen: '2024-05-01T12:00:00.000Z',
    lastSeen: '2024-05-01T12:04:30.000Z',
    summary: '12 events in 5m for source.ip=10.0.0.5 (threshold 5)',
    samples: [
      'Failed password for root from 10.0.0.5 port 51234 ssh2',
      'Failed password for admin from 10.0.0.5 port 51240 ssh2',
    ],
    url: 'https://logwarden.example.com/api/v1/alerts/a1b2c3',
    ...overrides,
  };
}

export function oomAlert(overrides: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return sshAlert({
    id: 'd4e5f6',
    ruleId: 'oom-kill',
    ruleName: 'OOM kill',
    category: 'resource-anomaly',
    severity: 'critical',
    description: 'A container was killed for running out of memory.',
    labels: {},
    group: { 'container.name': 'api' },
    summary: 'container api was OOM-killed',
    samples: ['Memory cgroup out of memory: Killed process 4242 (node)'],
    url: 'https://logwarden.example.com/api/v1/alerts/d4e5f6',
    ...overrides,
  });
}

export function notificationOf(
  alerts: NotifiedAlert[],
  overrides: Partial<Notification> = {},
): Notification {
  return {
    id: 'n-0001',
    tenant: 'default',
    groupKey: 'default/rule=ssh-brute-force',
    status: alerts.every((alert) => alert.status === 'resolved') ? 'resolved' : 'firing',
    alerts,
    ...overrides,
  };
}
