import { hostname } from 'node:os';
import { parseNotifyConfig, type NotifyConfig } from './notify-config';

const FILE = 'config/logwarden.yml';

const FULL_EXAMPLE = `channels:
  - name: oncall-email
    type: email
    to: [oncall@example.com]
    from: logwarden@example.com        # optional
    smtp_url: \${SMTP_URL}              # optional, defaults to env SMTP_URL
    tls_reject_unauthorized: true      # optional
  - name: ops-hook
    type: webhook
    url: https://hooks.example.com/logwarden
    headers: {Authorization: "Bearer \${HOOK_TOKEN}"}
  - {name: team-slack, type: slack, url: https://hooks.slack.com/services/T0/B0/XYZ}
  - {name: pager, type: pagerduty, routing_key: "\${PD_KEY}", url: https://events.pagerduty.com/v2/enqueue}
routes:
  - name: critical-to-pager
    match:
      severity: [high, critical]
      category: [unauthorized-access]
      rule: [ssh-brute-force]
      labels: {team: payments}
    channels: [pager, oncall-email]
    group_by: [rule]
    group_wait: 5s
    group_interval: 1m
    repeat_interval: 4h
  - channels: [team-slack, ops-hook]
    match: {severity: medium}
    group_by: [rule, source.ip]
    group_wait: 500ms
    group_interval: 30s
    repeat_interval: 1d
`;

const ENV = {
  SMTP_URL: 'smtp://logwarden:hunter2@mail.example.com:587',
  HOOK_TOKEN: 'hook-token-123',
  PD_KEY: 'R0UTINGKEY0123456789abcdef012345',
};

function parse(text: string, env: Record<string, string | undefined> = ENV) {
  return parseNotifyConfig(text, FILE, env);
}

function problemsOf(text: string, env: Record<string, string | undefined> = ENV): string[] {
  return parse(text, env).problems;
}

describe('parseNotifyConfig', () => {
  it('reads the documented example, expanding ${VAR} from the environment', () => {
    const { config, problems } = parse(FULL_EXAMPLE);

    expect(problems).toEqual([]);
    expect(config).toEqual<NotifyConfig>({
      channels: [
        {
          name: 'oncall-email',
          type: 'email',
          to: ['oncall@example.com'],
          from: 'logwarden@example.com',
          smtpUrl: 'smtp://logwarden:hunter2@mail.example.com:587',
          tlsRejectUnauthorized: true,
          timeoutMs: 30_000,
        },
        {
          name: 'ops-hook',
          type: 'webhook',
          url: 'https://hooks.example.com/logwarden',
          headers: { Authorization: 'Bearer hook-token-123' },
          timeoutMs: 10_000,
        },
        {
          name: 'team-slack',
          type: 'slack',
          url: 'https://hooks.slack.com/services/T0/B0/XYZ',
          timeoutMs: 10_000,
        },
        {
          name: 'pager',
          type: 'pagerduty',
          routingKey: 'R0UTINGKEY0123456789abcdef012345',
          url: 'https://events.pagerduty.com/v2/enqueue',
          timeoutMs: 10_000,
        },
      ],
      routes: [
        {
          name: 'critical-to-pager',
          match: {
            severity: ['high', 'critical'],
            category: ['unauthorized-access'],
            rule: ['ssh-brute-force'],
            labels: { team: 'payments' },
          },
          channels: ['pager', 'oncall-email'],
          groupBy: ['rule'],
          groupWaitMs: 5_000,
          groupIntervalMs: 60_000,
          repeatIntervalMs: 14_400_000,
        },
        {
          name: 'route-1',
          match: { severity: ['medium'] },
          channels: ['team-slack', 'ops-hook'],
          groupBy: ['rule', 'source.ip'],
          groupWaitMs: 500,
          groupIntervalMs: 30_000,
          repeatIntervalMs: 86_400_000,
        },
      ],
    });
  });

  it('fills in the defaults: SMTP_URL, the sender, the PagerDuty URL, timeouts, grouping', () => {
    const { config, problems } = parse(`channels:
  - {name: mail, type: email, to: oncall@example.com}
  - {name: pager, type: pagerduty, routing_key: abc123, timeout: 2s}
routes:
  - channels: [mail, pager]
`);

    expect(problems).toEqual([]);
    expect(config.channels).toEqual([
      {
        name: 'mail',
        type: 'email',
        to: ['oncall@example.com'],
        from: `logwarden@${hostname()}`,
        smtpUrl: ENV.SMTP_URL,
        tlsRejectUnauthorized: true,
        timeoutMs: 30_000,
      },
      {
        name: 'pager',
        type: 'pagerduty',
        routingKey: 'abc123',
        url: 'https://events.pagerduty.com/v2/enqueue',
        timeoutMs: 2_000,
      },
    ]);
    expect(config.routes).toEqual([
      {
        name: 'route-0',
        match: {},
        channels: ['mail', 'pager'],
        groupBy: ['rule'],
        groupWaitMs: 5_000,
        groupIntervalMs: 60_000,
        repeatIntervalMs: 14_400_000,
      },
    ]);
  });

  it('takes the sender from LOGWARDEN_ALERT_EMAIL_FROM and recipients from a comma-separated variable', () => {
    const { config, problems } = parse(
      `channels:
  - {name: mail, type: email, to: "\${ONCALL}", tls_reject_unauthorized: "\${TLS_VERIFY}"}
`,
      {
        ...ENV,
        ONCALL: 'a@example.com, b@example.com',
        TLS_VERIFY: 'false',
        LOGWARDEN_ALERT_EMAIL_FROM: 'Logwarden <alerts@example.com>',
      },
    );

    expect(problems).toEqual([]);
    expect(config.channels[0]).toMatchObject({
      to: ['a@example.com', 'b@example.com'],
      from: 'Logwarden <alerts@example.com>',
      tlsRejectUnauthorized: false,
    });
  });

  it('reads $${ as a literal ${', () => {
    const { config } = parse(`channels:
  - {name: hook, type: webhook, url: "https://h.example.com/", headers: {X-Template: "$\${alert}"}}
`);

    expect(config.channels[0]).toMatchObject({ headers: { 'X-Template': '${alert}' } });
  });

  it('accepts group_wait: 0 to send the first message at once', () => {
    const { config } = parse(`channels: [{name: hook, type: webhook, url: "https://h.example.com/"}]
routes: [{channels: [hook], group_wait: 0}]
`);

    expect(config.routes[0].groupWaitMs).toBe(0);
  });

  it('reads an empty file as no channels and no routes', () => {
    expect(parse('# nothing yet\n')).toEqual({
      config: { channels: [], routes: [] },
      problems: [],
    });
  });

  describe('problems', () => {
    const HOOK = `channels:
  - {name: hook, type: webhook, url: "https://hooks.example.com/x"}
`;

    it('a route naming a channel that does not exist', () => {
      expect(
        problemsOf(`${HOOK}routes:
  - channels: [hook, pager]
`),
      ).toEqual([`${FILE}:4: routes[0].channels[1]: unknown channel "pager"`]);
    });

    it('a route without channels', () => {
      expect(
        problemsOf(`${HOOK}routes:
  - channels: []
  - match: {severity: high}
`),
      ).toEqual([
        `${FILE}:4: routes[0].channels: must list at least one channel`,
        `${FILE}:5: routes[1].channels: is required`,
      ]);
    });

    it('two channels with one name', () => {
      expect(
        problemsOf(`${HOOK}  - {name: hook, type: slack, url: "https://hooks.slack.com/x"}
`),
      ).toEqual([
        `${FILE}:3: channels[1].name: duplicate channel name "hook" (first defined at line 2)`,
      ]);
    });

    it('two routes with one name', () => {
      expect(
        problemsOf(`${HOOK}routes:
  - {name: main, channels: [hook]}
  - {name: main, channels: [hook]}
`),
      ).toEqual([
        `${FILE}:5: routes[1].name: duplicate route name "main" (first defined at line 4)`,
      ]);
    });

    it('a duration that is not one', () => {
      expect(
        problemsOf(`${HOOK}routes:
  - channels: [hook]
    group_wait: 5 minutes
    group_interval: 60
    repeat_interval: 0s
`),
      ).toEqual([
        `${FILE}:5: routes[0].group_wait: must be a duration like 500ms, 30s, 5m or 4h (got "5 minutes")`,
        `${FILE}:6: routes[0].group_interval: must be a duration like 500ms, 30s, 5m or 4h (got 60)`,
        `${FILE}:7: routes[0].repeat_interval: must be a duration like 500ms, 30s, 5m or 4h (got "0s")`,
      ]);
    });

    it('an unknown severity or a category that cannot be one', () => {
      expect(
        problemsOf(`${HOOK}routes:
  - channels: [hook]
    match:
      severity: [high, hgih]
      category: Unauthorized
`),
      ).toEqual([
        `${FILE}:6: routes[0].match.severity[1]: unknown severity "hgih" (expected info, low, medium, high, critical)`,
        `${FILE}:7: routes[0].match.category: "Unauthorized" is not a category (lower-case letters, digits and "-")`,
      ]);
    });

    it('an empty match list, which would match nothing', () => {
      expect(problemsOf(`${HOOK}routes: [{channels: [hook], match: {rule: []}}]\n`)).toEqual([
        `${FILE}:3: routes[0].match.rule: must not be empty (leave it out to match everything)`,
      ]);
    });

    it('a URL that is not http(s), or that carries credentials, without quoting it', () => {
      const problems = problemsOf(`channels:
  - {name: a, type: webhook, url: "ftp://files.example.com/drop"}
  - {name: b, type: slack, url: "https://user:s3cr3t@hooks.example.com/x"}
  - {name: c, type: pagerduty, routing_key: k, url: not a url}
  - {name: d, type: slack}
`);

      expect(problems).toEqual([
        `${FILE}:2: channels[0].url: must be an http:// or https:// URL`,
        `${FILE}:3: channels[1].url: must not contain a user or password (send credentials in a header)`,
        `${FILE}:4: channels[2].url: must be an http:// or https:// URL`,
        `${FILE}:5: channels[3].url: is required`,
      ]);
      expect(problems.join('\n')).not.toContain('s3cr3t');
    });

    it('an email channel with no SMTP URL anywhere', () => {
      expect(
        problemsOf(
          `channels:
  - name: mail
    type: email
    to: [oncall@example.com]
`,
          {},
        ),
      ).toEqual([`${FILE}:2: channels[0].smtp_url: is required when SMTP_URL is not set`]);
    });

    it('an SMTP URL that is not one, from the file or from SMTP_URL, without quoting it', () => {
      const mail = (extra: string) => `channels:
  - name: mail
    type: email
    to: [oncall@example.com]
${extra}`;

      const fromFile = problemsOf(mail('    smtp_url: "https://user:s3cr3t@mail.example.com"\n'));
      const withQuery = problemsOf(
        mail(
          '    smtp_url: "smtp://user:s3cr3t@mail.example.com:25?tls.rejectUnauthorized=false"\n',
        ),
      );
      const fromEnv = problemsOf(mail(''), { SMTP_URL: 'mail.example.com:25' });

      expect(fromFile).toEqual([
        `${FILE}:5: channels[0].smtp_url: must be an smtp:// or smtps:// URL with a host`,
      ]);
      expect(withQuery).toEqual([
        `${FILE}:5: channels[0].smtp_url: must not have a path or query (set TLS checks with tls_reject_unauthorized)`,
      ]);
      expect(fromEnv).toEqual([
        `${FILE}:2: channels[0].smtp_url: must be an smtp:// or smtps:// URL with a host (taken from SMTP_URL)`,
      ]);
      expect([...fromFile, ...withQuery].join('\n')).not.toContain('s3cr3t');
    });

    it('an address that is not one', () => {
      expect(
        problemsOf(`channels:
  - name: mail
    type: email
    to: [oncall@example.com, oncall]
    from: "@example.com"
  - {name: mail2, type: email, to: []}
`),
      ).toEqual([
        `${FILE}:4: channels[0].to: "oncall" is not an email address`,
        `${FILE}:5: channels[0].from: "@example.com" is not an email address`,
        `${FILE}:6: channels[1].to: must name at least one recipient`,
      ]);
    });

    it('a send timeout longer than a notifier holds a delivery', () => {
      expect(
        problemsOf(`channels:
  - {name: hook, type: webhook, url: "https://h.example.com/", timeout: 5m}
`),
      ).toEqual([`${FILE}:2: channels[0].timeout: must be at most 1m (got "5m")`]);
    });

    it('an unknown channel type, or a channel without name or type', () => {
      expect(
        problemsOf(`channels:
  - {name: sms, type: sms}
  - {type: slack, url: "https://hooks.slack.com/x"}
  - {name: "bad name", type: slack, url: "https://hooks.slack.com/x"}
  - just-a-name
`),
      ).toEqual([
        `${FILE}:2: channels[0].type: must be one of email, webhook, slack, pagerduty (got "sms")`,
        `${FILE}:3: channels[1].name: is required`,
        `${FILE}:4: channels[2].name: must be letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64)`,
        `${FILE}:5: channels[3]: must be a mapping with name, type and the settings of the type`,
      ]);
    });

    it('an unknown key anywhere, so a typo cannot silently disable a setting', () => {
      expect(
        problemsOf(`chanels: []
channels:
  - {name: hook, type: webhook, url: "https://h.example.com/", header: {A: b}}
routes:
  - channels: [hook]
    mach: {severity: high}
  - channels: [hook]
    match: {sevrity: high}
`),
      ).toEqual([
        `${FILE}:1: chanels: unknown field (the file takes channels and routes)`,
        `${FILE}:3: channels[0].header: unknown field (a webhook channel takes name, type, url, headers, timeout)`,
        `${FILE}:6: routes[0].mach: unknown field (a route takes name, match, channels, group_by, group_wait, group_interval, repeat_interval)`,
        `${FILE}:8: routes[1].match.sevrity: unknown field (match takes severity, category, rule, labels)`,
      ]);
    });

    it('an unset ${VAR}, once, and a ${ that is not a reference', () => {
      expect(
        problemsOf(`channels:
  - name: hook
    type: webhook
    url: https://hooks.example.com/x
    headers: {Authorization: "Bearer \${HOOK_TOKN}"}
  - {name: pager, type: pagerduty, routing_key: "\${PD-KEY}"}
`),
      ).toEqual([
        `${FILE}:5: channels[0].headers.Authorization: environment variable HOOK_TOKN is not set`,
        `${FILE}:6: channels[1].routing_key: has a "\${" that is not a \${NAME} reference (write $\${ for a literal "\${")`,
      ]);
    });

    it('a header that cannot be sent, without quoting its value', () => {
      const problems = problemsOf(`channels:
  - {name: hook, type: webhook, url: "https://h.example.com/", headers: {"Bad Name": "Bearer s3cr3t"}}
  - {name: hook2, type: webhook, url: "https://h.example.com/", headers: {Authorization: "Bearer s3cr3t\\nX: y"}}
`);

      expect(problems).toEqual([
        `${FILE}:2: channels[0].headers: "Bad Name" is not a header name`,
        `${FILE}:3: channels[1].headers: Authorization must be one line`,
      ]);
    });

    it('a YAML syntax error, with a hint for the ${VAR} in a flow mapping', () => {
      expect(
        problemsOf(`channels:
  - {name: pager, type: pagerduty, routing_key: \${PD_KEY}}
`),
      ).toEqual([
        `${FILE}:2: Unexpected flow-map-start at node end (inside {…} or […], quote a value that holds \${VAR}: "\${VAR}")`,
      ]);
    });

    it('a file that is not a mapping', () => {
      expect(problemsOf('- channels\n')).toEqual([
        `${FILE}:1: must be a mapping with channels and routes`,
      ]);
    });

    it('a quick-start variable the file would silently override', () => {
      const env = { ...ENV, LOGWARDEN_ALERT_WEBHOOK_URL: 'https://hooks.example.com/y' };

      expect(problemsOf(HOOK, env)).toEqual([
        `${FILE}: LOGWARDEN_ALERT_WEBHOOK_URL is set, but this file defines the channels and routes; unset it, or use \${LOGWARDEN_ALERT_WEBHOOK_URL} in the file`,
      ]);
      expect(
        problemsOf(
          `channels: [{name: hook, type: webhook, url: "\${LOGWARDEN_ALERT_WEBHOOK_URL}"}]\n`,
          env,
        ),
      ).toEqual([]);
    });
  });

  it('keeps what is valid: a broken channel drops out of the routes that name it', () => {
    const { config, problems } = parse(`channels:
  - {name: hook, type: webhook, url: "https://hooks.example.com/x"}
  - {name: chat, type: slack, url: "ftp://nope"}
routes:
  - {name: both, channels: [hook, chat]}
  - {name: chat-only, channels: [chat]}
  - {name: broken, channels: [hook], group_wait: soon}
`);

    expect(problems).toEqual([
      `${FILE}:3: channels[1].url: must be an http:// or https:// URL`,
      `${FILE}:7: routes[2].group_wait: must be a duration like 500ms, 30s, 5m or 4h (got "soon")`,
    ]);
    expect(config.channels.map((channel) => channel.name)).toEqual(['hook']);
    expect(config.routes.map((route) => [route.name, route.channels])).toEqual([
      ['both', ['hook']],
    ]);
  });
});
