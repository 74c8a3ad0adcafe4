import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningLogwarden, createKey, freePort, startLogwarden } from './support/logwarden';
import { call, ndjson, postLogs } from './support/http';
import {
  SmtpSink,
  WebhookSink,
  eventually,
  startSmtpSink,
  startWebhookSink,
} from './support/sinks';

const RULES = `
- id: root-login-failure
  name: Failed root login
  description: Someone tried to log in as root over SSH. Check whether the source address is known.
  category: unauthorized-access
  severity: high
  type: match
  filter: 'event.outcome:failure AND user.name:root'
  group_by: [source.ip]
- id: ssh-brute-force
  name: SSH brute force
  description: Many failed SSH logins from one address.
  category: unauthorized-access
  severity: critical
  type: threshold
  filter: 'event.outcome:failure'
  group_by: [source.ip]
  threshold: {count: 5, window: 5m}
`;

const BROKEN_RULE = `
id: broken
name: Broken
category: unauthorized-access
severity: urgent
type: threshold
filter: 'event.outcome:failure'
threshold: {count: 0, window: 5m}
`;

function failedLogin(ip: string, user = 'root'): Record<string, unknown> {
  return {
    '@timestamp': new Date().toISOString(),
    message: `Failed password for ${user} from ${ip} port 52144 ssh2`,
    host: { name: 'bastion1' },
  };
}

function notifyConfig(route: string): string {
  return `
channels:
  - {name: oncall, type: email, to: [oncall@example.com], from: logwarden@example.com, smtp_url: '\${SMTP_URL}'}
  - {name: hook, type: webhook, url: '\${HOOK_URL}/alerts'}
routes:
  - name: everything
    channels: [oncall, hook]
${route}
`;
}

interface Setup {
  dir: string;
  rules: string;
  env: Record<string, string>;
}

/** A rules directory and a notification config file pointing at the sinks. */
function setup(smtpUrl: string, hookUrl: string, route: string): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'logwarden-alerting-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'rules.yml'), RULES);
  writeFileSync(join(dir, 'rules', 'broken.yml'), BROKEN_RULE);
  writeFileSync(join(dir, 'logwarden.yml'), notifyConfig(route));
  return {
    dir,
    rules: join(dir, 'rules'),
    env: { LOGWARDEN_CONFIG: join(dir, 'logwarden.yml'), SMTP_URL: smtpUrl, HOOK_URL: hookUrl },
  };
}

function mailsAbout(smtp: SmtpSink, text: string) {
  return smtp.mails.filter((mail) => (mail.text ?? '').includes(text));
}

function hooksAbout(hook: WebhookSink, ip: string) {
  return hook.requests.filter((request) =>
    (request.body.alerts as { group: Record<string, unknown> }[]).some(
      (alert) => alert.group['source.ip'] === ip,
    ),
  );
}

async function alertsFor(url: string, query: string, key?: string) {
  const response = await call(url, `/api/v1/alerts?${query}`, { key });
  expect(response.status).toBe(200);
  return response.body.alerts as any[];
}

describe('alerts and notifications', () => {
  let smtp: SmtpSink;
  let hook: WebhookSink;
  let env: Setup;
  let logwarden: RunningLogwarden;
  let responder: string;
  let reader: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    hook = await startWebhookSink();
    env = setup(
      smtp.url,
      hook.url,
      '    group_wait: 300ms\n    group_interval: 300ms\n    repeat_interval: 1s',
    );
    logwarden = await startLogwarden({ rulesDirs: [env.rules] }, env.env);
    responder = await createKey(logwarden.url, ['responder']);
    reader = await createKey(logwarden.url, ['reader']);
  });

  afterAll(async () => {
    await logwarden.destroy();
    await smtp.close();
    await hook.close();
    rmSync(env.dir, { recursive: true, force: true });
  });

  it('opens an alert as the event arrives, and announces it once by email and webhook', async () => {
    expect((await postLogs(logwarden.url, ndjson([failedLogin('10.0.0.5')]))).status).toBe(200);

    // Detection runs before the shipper's request is answered: no polling needed.
    const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=firing');
    expect(alert).toMatchObject({
      status: 'firing',
      rule_id: 'root-login-failure',
      rule_name: 'Failed root login',
      category: 'unauthorized-access',
      severity: 'high',
      group: { 'source.ip': '10.0.0.5' },
      count: 1,
    });

    const [mail] = await eventually(
      () => {
        const mails = mailsAbout(smtp, '10.0.0.5');
        return mails.length > 0 ? mails : undefined;
      },
      10_000,
      'the email',
    );
    expect(mail.subject).toContain('Failed root login');
    expect(mail.subject).toContain('10.0.0.5');
    expect(mail.to).toMatchObject({ text: 'oncall@example.com' });
    expect(mail.text).toContain('Failed password for root from 10.0.0.5');
    expect(mail.text).toContain(`/api/v1/alerts/${alert.id}`);

    const [request] = await eventually(
      () => {
        const requests = hooksAbout(hook, '10.0.0.5');
        return requests.length > 0 ? requests : undefined;
      },
      10_000,
      'the webhook',
    );
    expect(request.path).toBe('/alerts');
    expect(request.body).toMatchObject({ status: 'firing', tenant: 'default' });
    expect(request.body.alerts[0]).toMatchObject({ id: alert.id, ruleId: 'root-login-failure' });

    const detail = await call(logwarden.url, `/api/v1/alerts/${alert.id}`, { key: reader });
    expect(detail.status).toBe(200);
    expect(detail.body.samples.map((event: any) => event.message)).toEqual([
      'Failed password for root from 10.0.0.5 port 52144 ssh2',
    ]);
    await eventually(
      async () => {
        const { body } = await call(logwarden.url, `/api/v1/alerts/${alert.id}`, { key: reader });
        const sent = (body.deliveries as any[]).filter((d) => d.status === 'sent');
        return sent.length === 2 ? sent : undefined;
      },
      10_000,
      'both deliveries recorded as sent',
    );
    expect(mailsAbout(smtp, '10.0.0.5')).toHaveLength(1);
  });

  it('merges repeats into the open alert, and announces a storm of sources in one message', async () => {
    await postLogs(logwarden.url, ndjson([failedLogin('10.0.1.1'), failedLogin('10.0.1.1')]));
    const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=firing');
    expect(alert).toMatchObject({ group: { 'source.ip': '10.0.1.1' }, count: 2 });

    const storm = Array.from({ length: 20 }, (_, i) => failedLogin(`10.0.2.${i + 1}`));
    await postLogs(logwarden.url, ndjson(storm));
    const mail = await eventually(
      () => mailsAbout(smtp, '10.0.2.20')[0],
      10_000,
      'the storm email',
    );
    for (let i = 1; i <= 20; i++) expect(mail.text).toContain(`10.0.2.${i}`);
    expect(mailsAbout(smtp, '10.0.2.')).toHaveLength(1);
  });

  it('lets a responder acknowledge (no more repeats) and resolve (announced) an alert', async () => {
    await postLogs(logwarden.url, ndjson([failedLogin('10.0.3.3')]));
    const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=firing');
    await eventually(() => hooksAbout(hook, '10.0.3.3')[0], 10_000, 'the first announcement');

    const denied = await call(logwarden.url, `/api/v1/alerts/${alert.id}/ack`, {
      method: 'POST',
      key: reader,
    });
    expect(denied.status).toBe(403);
    const acked = await call(logwarden.url, `/api/v1/alerts/${alert.id}/ack`, {
      method: 'POST',
      key: responder,
    });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({
      status: 'acknowledged',
      acknowledged_by: expect.any(String),
    });

    // repeat_interval is 1 s: a firing alert would be announced again by now.
    await postLogs(logwarden.url, ndjson([failedLogin('10.0.3.3')]));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hooksAbout(hook, '10.0.3.3')).toHaveLength(1);
    const [still] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=acknowledged');
    expect(still).toMatchObject({ id: alert.id, count: 2 });

    const resolved = await call(logwarden.url, `/api/v1/alerts/${alert.id}/resolve`, {
      method: 'POST',
      key: responder,
    });
    expect(resolved.body).toMatchObject({ status: 'resolved' });
    const notice = await eventually(
      () => hooksAbout(hook, '10.0.3.3').find((request) => request.body.status === 'resolved'),
      10_000,
      'the resolution',
    );
    expect(notice.body.alerts[0]).toMatchObject({ id: alert.id, status: 'resolved' });

    // The next failure from that address is a new alert.
    await postLogs(logwarden.url, ndjson([failedLogin('10.0.3.3')]));
    const [reopened] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=firing');
    expect(reopened.id).not.toBe(alert.id);
  });

  it('keeps silenced alerts but does not announce them', async () => {
    const created = await call(logwarden.url, '/api/v1/silences', {
      method: 'POST',
      key: responder,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        matchers: 'source.ip:10.0.4.4 AND rule.id:root-login-failure',
        duration: '1h',
        comment: 'pen test from 10.0.4.4',
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      matchers: expect.any(String),
      comment: 'pen test from 10.0.4.4',
    });
    const listed = await call(logwarden.url, '/api/v1/silences', { key: reader });
    expect(listed.body.silences.map((s: any) => s.id)).toContain(created.body.id);

    await postLogs(logwarden.url, ndjson([failedLogin('10.0.4.4'), failedLogin('10.0.4.5')]));
    const alerts = await alertsFor(logwarden.url, 'rule=root-login-failure&status=firing');
    expect(alerts.map((a) => a.group['source.ip'])).toEqual(
      expect.arrayContaining(['10.0.4.4', '10.0.4.5']),
    );
    await eventually(() => hooksAbout(hook, '10.0.4.5')[0], 10_000, 'the unsilenced alert');
    expect(hooksAbout(hook, '10.0.4.4')).toHaveLength(0);

    const bad = await call(logwarden.url, '/api/v1/silences', {
      method: 'POST',
      key: responder,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: 'source.ip:(10.0.4.4', duration: '1h', comment: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('matchers');

    const removed = await call(logwarden.url, `/api/v1/silences/${created.body.id}`, {
      method: 'DELETE',
      key: responder,
    });
    expect(removed.status).toBe(204);
    await eventually(() => hooksAbout(hook, '10.0.4.4')[0], 10_000, 'the alert once unsilenced');
  });

  it('shows each tenant only its own alerts', async () => {
    const other = await createKey(logwarden.url, ['responder'], 'other');
    const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure');
    expect(await alertsFor(logwarden.url, '', other)).toEqual([]);
    expect((await call(logwarden.url, `/api/v1/alerts/${alert.id}`, { key: other })).status).toBe(
      404,
    );
    const ack = await call(logwarden.url, `/api/v1/alerts/${alert.id}/ack`, {
      method: 'POST',
      key: other,
    });
    expect(ack.status).toBe(404);
  });

  it('lists the rules, with the invalid ones and their reasons', async () => {
    const { status, body } = await call(logwarden.url, '/api/v1/rules', { key: reader });
    expect(status).toBe(200);
    expect(body.rules.map((rule: any) => rule.id)).toEqual([
      'root-login-failure',
      'ssh-brute-force',
    ]);
    expect(body.invalid).toEqual([
      expect.objectContaining({
        id: 'broken',
        status: 'invalid',
        problems: expect.arrayContaining([expect.stringContaining('severity')]),
      }),
    ]);
  });

  it('backtests a rule over stored history without storing or announcing anything', async () => {
    const before = await alertsFor(logwarden.url, 'limit=1000');
    const response = await call(logwarden.url, '/api/v1/rules/test', {
      method: 'POST',
      key: reader,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        rule: 'id: any-failure\nname: Any failure\ncategory: unauthorized-access\nseverity: low\ntype: threshold\nfilter: "event.outcome:failure"\ngroup_by: [source.ip]\nthreshold: {count: 2, window: 1h}\n',
        from: 'now-1h',
      }),
    });
    expect(response.status).toBe(200);
    expect(response.body.events_scanned).toBeGreaterThan(20);
    const groups = response.body.alerts.map((alert: any) => alert.group['source.ip']);
    expect(groups).toEqual(expect.arrayContaining(['10.0.1.1', '10.0.3.3']));
    expect(groups).not.toContain('10.0.0.5');
    expect(await alertsFor(logwarden.url, 'limit=1000')).toHaveLength(before.length);
    expect(await alertsFor(logwarden.url, 'rule=any-failure')).toEqual([]);

    const invalid = await call(logwarden.url, '/api/v1/rules/test', {
      method: 'POST',
      key: reader,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rule: { id: 'x', name: 'x', type: 'threshold' } }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/category/);
  });
});

describe('notification delivery', () => {
  it('retries while the SMTP server is down and delivers after a restart', async () => {
    const port = await freePort();
    const hook = await startWebhookSink();
    const env = setup(
      `smtp://relay:s3cret-pass@127.0.0.1:${port}`,
      hook.url,
      '    group_wait: 100ms',
    );
    let logwarden = await startLogwarden({ rulesDirs: [env.rules] }, env.env);
    const dataDir = logwarden.dataDir;
    try {
      await postLogs(logwarden.url, ndjson([failedLogin('10.0.9.9')]));
      const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure');
      const failing = await eventually(
        async () => {
          const { body } = await call(logwarden.url, `/api/v1/alerts/${alert.id}`);
          return (body.deliveries as any[]).find(
            (d) => d.channel === 'oncall' && d.last_error !== undefined,
          );
        },
        10_000,
        'a failed attempt',
      );
      expect(failing).toMatchObject({ status: 'pending', kind: 'firing' });
      expect(failing.last_error).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(await call(logwarden.url, `/api/v1/alerts/${alert.id}`))).not.toContain(
        's3cret-pass',
      );
      await eventually(() => hooksAbout(hook, '10.0.9.9')[0], 10_000, 'the webhook');

      await logwarden.stop();
      const smtp = await startSmtpSink(port);
      try {
        logwarden = await startLogwarden({ rulesDirs: [env.rules], dataDir }, env.env);
        const mail = await eventually(() => mailsAbout(smtp, '10.0.9.9')[0], 15_000, 'the email');
        expect(mail.subject).toContain('Failed root login');
        const { body } = await call(logwarden.url, `/api/v1/alerts/${alert.id}`);
        const email = (body.deliveries as any[]).find((d) => d.channel === 'oncall');
        expect(email).toMatchObject({ status: 'sent' });
        expect(email.attempts).toBeGreaterThanOrEqual(2);
        // The webhook was delivered before the restart and is not sent twice.
        expect(hooksAbout(hook, '10.0.9.9')).toHaveLength(1);
      } finally {
        await smtp.close();
      }
    } finally {
      await logwarden.destroy();
      await hook.close();
      rmSync(env.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('resolves a quiet alert by itself and announces it', async () => {
    const hook = await startWebhookSink();
    const env = setup(
      'smtp://127.0.0.1:1',
      hook.url,
      '    group_wait: 100ms\n    group_interval: 200ms',
    );
    const logwarden = await startLogwarden(
      { rulesDirs: [env.rules] },
      { ...env.env, LOGWARDEN_ALERT_RESOLVE_AFTER: '1s' },
    );
    try {
      await postLogs(logwarden.url, ndjson([failedLogin('10.0.8.8')]));
      const resolved = await eventually(
        async () => {
          const [alert] = await alertsFor(logwarden.url, 'rule=root-login-failure&status=resolved');
          return alert;
        },
        15_000,
        'the automatic resolution',
      );
      expect(resolved).toMatchObject({ resolved_by: 'auto', group: { 'source.ip': '10.0.8.8' } });
      await eventually(
        () => hooksAbout(hook, '10.0.8.8').find((r) => r.body.status === 'resolved'),
        10_000,
        'the resolution notice',
      );
    } finally {
      await logwarden.destroy();
      await hook.close();
      rmSync(env.dir, { recursive: true, force: true });
    }
  }, 40_000);
});
