import type { Severity } from '@logwarden/rules';
import type { NotifiedAlert } from './notification';
import { renderEmail } from './render-email';
import { renderPagerDutyEvents } from './render-pagerduty';
import { renderSlackBody } from './render-slack';
import { renderWebhookBody } from './render-webhook';
import { notificationOf, oomAlert, sshAlert } from './testing/notification-fixtures';

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('email', () => {
  it('says what fired, where, how often and where to look', () => {
    const { subject, text, html } = renderEmail(notificationOf([sshAlert()]));

    expect(subject).toBe('[FIRING:1] [HIGH] SSH brute force — source.ip=10.0.0.5');
    for (const body of [text, html]) {
      expect(body).toContain('Many failed SSH logins from one address');
      expect(body).toContain('12 events in 5m for source.ip=10.0.0.5 (threshold 5)');
      expect(body).toContain('unauthorized-access');
      expect(body).toContain('Failed password for root from 10.0.0.5 port 51234 ssh2');
      expect(body).toContain('https://logwarden.example.com/api/v1/alerts/a1b2c3');
    }
    expect(text).toContain('Severity:    high');
    expect(text).toContain('Group:       source.ip=10.0.0.5');
    expect(text).toContain('Count:       3');
    expect(text).toContain('First seen:  2024-05-01T12:00:00.000Z');
    expect(text).toContain('Last seen:   2024-05-01T12:04:30.000Z');
    expect(html).toContain(
      '<a href="https://logwarden.example.com/api/v1/alerts/a1b2c3">https://logwarden.example.com/api/v1/alerts/a1b2c3</a>',
    );
  });

  it('counts the firing alerts and names only the group values they share', () => {
    const alerts = ['root', 'admin', 'git'].map((user, i) =>
      sshAlert({ id: `a${i}`, group: { 'source.ip': '10.0.0.5', 'user.name': user } }),
    );

    const { subject, text } = renderEmail(notificationOf(alerts));

    expect(subject).toBe('[FIRING:3] [HIGH] SSH brute force — source.ip=10.0.0.5');
    expect(occurrences(text, 'Many failed SSH logins')).toBe(1);
    expect(text).toContain('Group:       source.ip=10.0.0.5, user.name=git');
  });

  it('marks a resolved message', () => {
    const { subject, text } = renderEmail(notificationOf([sshAlert({ status: 'resolved' })]));

    expect(subject).toBe('[RESOLVED] [HIGH] SSH brute force — source.ip=10.0.0.5');
    expect(text).toContain('Status:      resolved');
  });

  it('takes the count and severity from the firing alerts when some resolved', () => {
    const { subject } = renderEmail(
      notificationOf([sshAlert(), oomAlert({ status: 'resolved', ruleName: 'SSH brute force' })]),
    );

    expect(subject).toBe('[FIRING:1] [HIGH] SSH brute force');
  });

  it('says when every alert still open is acknowledged', () => {
    const { subject } = renderEmail(notificationOf([sshAlert({ status: 'acknowledged' })]));

    expect(subject).toBe('[ACKNOWLEDGED:1] [HIGH] SSH brute force — source.ip=10.0.0.5');
  });

  it('names the number of rules in a message about several', () => {
    const portScan = oomAlert({ id: 'p1', ruleId: 'port-scan', ruleName: 'Port scan' });

    expect(renderEmail(notificationOf([sshAlert(), oomAlert()])).subject).toBe(
      '[FIRING:2] [CRITICAL] 2 rules: SSH brute force, OOM kill',
    );
    expect(renderEmail(notificationOf([sshAlert(), oomAlert(), portScan])).subject).toBe(
      '[FIRING:3] [CRITICAL] 3 rules: SSH brute force, OOM kill and 1 more',
    );
  });

  it('escapes everything that came from logs or rules in the HTML body', () => {
    const alert = sshAlert({
      ruleName: 'Tom & Jerry',
      summary: '<script>alert(1)</script>',
      group: { 'user.name': '"><img src=x onerror=alert(1)>' },
      samples: ['<b>not bold</b>'],
      url: 'javascript:alert(1)',
    });

    const { html } = renderEmail(notificationOf([alert]));

    expect(html).not.toMatch(/<script|<img|<b>not/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Tom &amp; Jerry');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('href="javascript');
  });

  it('keeps each sample on one line, cut to 300 characters, and shows at most five', () => {
    const samples = [
      'first line\nsecond line\tand a tab',
      'x'.repeat(1000),
      ...Array.from({ length: 5 }, (_, i) => `sample ${i}`),
    ];

    const { text } = renderEmail(notificationOf([sshAlert({ samples })]));

    expect(text).toContain('    first line second line and a tab\n');
    expect(text).toContain(`    ${'x'.repeat(299)}…\n`);
    expect(text).toContain('sample 2');
    expect(text).not.toContain('sample 3');
    expect(text).toContain('(2 more)');
  });

  it('lists at most 50 alerts and says how many more there are', () => {
    const alerts = Array.from({ length: 60 }, (_, i) =>
      sshAlert({ id: `a${i}`, group: { 'source.ip': `10.0.1.${i}` } }),
    );

    const { subject, text } = renderEmail(notificationOf(alerts));

    expect(subject).toBe('[FIRING:60] [HIGH] SSH brute force');
    expect(text).toContain('source.ip=10.0.1.49');
    expect(text).not.toContain('source.ip=10.0.1.50');
    expect(text).toContain('…and 10 more alerts not shown here.');
  });
});

describe('webhook body', () => {
  it('carries the notification and every field of each alert', () => {
    const alert = sshAlert();

    expect(
      renderWebhookBody(
        notificationOf([{ ...alert, internal: 'not for receivers' } as NotifiedAlert]),
      ),
    ).toEqual({
      version: '1',
      id: 'n-0001',
      status: 'firing',
      groupKey: 'default/rule=ssh-brute-force',
      tenant: 'default',
      title: '[FIRING:1] [HIGH] SSH brute force — source.ip=10.0.0.5',
      alerts: [alert],
    });
  });
});

describe('Slack body', () => {
  it('has the headline as fallback text and a section per rule and per alert', () => {
    const body = renderSlackBody(notificationOf([sshAlert(), oomAlert()]));

    expect(body.text).toBe('[FIRING:2] [CRITICAL] 2 rules: SSH brute force, OOM kill');
    const sections = body.blocks.flatMap((block) => (block.type === 'section' ? [block.text] : []));
    expect(sections.every((text) => text.type === 'mrkdwn')).toBe(true);
    expect(sections.map((text) => text.text.split('\n')[0])).toEqual([
      '*[FIRING:2] [CRITICAL] 2 rules: SSH brute force, OOM kill*',
      '*SSH brute force* (rule ssh-brute-force)',
      '*FIRING* <https://logwarden.example.com/api/v1/alerts/a1b2c3|12 events in 5m for source.ip=10.0.0.5 (threshold 5)>',
      '*OOM kill* (rule oom-kill)',
      '*FIRING* <https://logwarden.example.com/api/v1/alerts/d4e5f6|container api was OOM-killed>',
    ]);
  });

  it('escapes &, < and > everywhere so log text cannot make links or mentions', () => {
    const alert = sshAlert({
      ruleName: 'R&D <!channel>',
      summary: 'login as <@U123> & more',
      url: 'https://logwarden.example.com/api/v1/alerts/a|b?x=1&y=2',
    });

    const body = renderSlackBody(notificationOf([alert]));
    const all = JSON.stringify(body);

    expect(body.text).toBe('[FIRING:1] [HIGH] R&amp;D &lt;!channel&gt; — source.ip=10.0.0.5');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U123>');
    expect(all).toContain(
      '<https://logwarden.example.com/api/v1/alerts/a%7Cb?x=1&amp;y=2|login as &lt;@U123&gt; &amp; more>',
    );
  });

  it('shows at most 10 alerts and counts the rest', () => {
    const alerts = Array.from({ length: 40 }, (_, i) =>
      sshAlert({ id: `a${i}`, ruleId: `rule-${i}`, ruleName: `Rule ${i}` }),
    );

    const { blocks } = renderSlackBody(notificationOf(alerts));

    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(blocks)).toContain('Rule 9*');
    expect(JSON.stringify(blocks)).not.toContain('Rule 10*');
    expect(blocks).toContainEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…and 30 more alerts not shown here.' }],
    });
  });
});

describe('PagerDuty events', () => {
  it('triggers a firing alert, deduplicated by the alert id', () => {
    expect(renderPagerDutyEvents(notificationOf([sshAlert()]), 'R0UTINGKEY')).toEqual([
      {
        routing_key: 'R0UTINGKEY',
        event_action: 'trigger',
        dedup_key: 'a1b2c3',
        payload: {
          summary:
            'SSH brute force (source.ip=10.0.0.5): 12 events in 5m for source.ip=10.0.0.5 (threshold 5)',
          source: 'source.ip=10.0.0.5',
          severity: 'error',
          timestamp: '2024-05-01T12:04:30.000Z',
          component: 'ssh-brute-force',
          group: 'default',
          class: 'unauthorized-access',
          custom_details: {
            rule: 'ssh-brute-force',
            rule_name: 'SSH brute force',
            description: 'Many failed SSH logins from one address: someone is guessing passwords.',
            severity: 'high',
            labels: { team: 'platform' },
            group: { 'source.ip': '10.0.0.5' },
            count: 3,
            first_seen: '2024-05-01T12:00:00.000Z',
            last_seen: '2024-05-01T12:04:30.000Z',
            samples: [
              'Failed password for root from 10.0.0.5 port 51234 ssh2',
              'Failed password for admin from 10.0.0.5 port 51240 ssh2',
            ],
            url: 'https://logwarden.example.com/api/v1/alerts/a1b2c3',
          },
        },
        client: 'Logwarden',
        client_url: 'https://logwarden.example.com/api/v1/alerts/a1b2c3',
        links: [
          {
            href: 'https://logwarden.example.com/api/v1/alerts/a1b2c3',
            text: 'Alert in Logwarden',
          },
        ],
      },
    ]);
  });

  it('resolves resolved alerts and acknowledges acknowledged ones instead of triggering them', () => {
    const events = renderPagerDutyEvents(
      notificationOf([
        sshAlert({ id: 'r1', status: 'resolved' }),
        sshAlert({ id: 'k1', status: 'acknowledged' }),
      ]),
      'KEY',
    );

    expect(events).toEqual([
      { routing_key: 'KEY', event_action: 'resolve', dedup_key: 'r1' },
      { routing_key: 'KEY', event_action: 'acknowledge', dedup_key: 'k1' },
    ]);
  });

  it.each<[Severity, string]>([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
    ['info', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    const [event] = renderPagerDutyEvents(notificationOf([sshAlert({ severity })]), 'KEY');

    expect(event.event_action === 'trigger' && event.payload.severity).toBe(expected);
  });

  function summaryOf(summary: string): string {
    const [event] = renderPagerDutyEvents(notificationOf([sshAlert({ summary })]), 'KEY');
    return event.event_action === 'trigger' ? event.payload.summary : '';
  }

  it('cuts the summary to PagerDuty’s 1024 characters', () => {
    const summary = summaryOf('a'.repeat(3000));

    expect(summary).toHaveLength(1024);
    expect(summary.startsWith('SSH brute force (source.ip=10.0.0.5): aaa')).toBe(true);
    expect(summary.endsWith('a…')).toBe(true);
  });

  it('does not cut a character in half', () => {
    const prefix = 'SSH brute force (source.ip=10.0.0.5): ';
    // The emoji's two UTF-16 units straddle the cut.
    const summary = summaryOf(`${'a'.repeat(1022 - prefix.length)}😀${'b'.repeat(100)}`);

    expect(summary).toBe(`${prefix}${'a'.repeat(1022 - prefix.length)}…`);
  });
});
