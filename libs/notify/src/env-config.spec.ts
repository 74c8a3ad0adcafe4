import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNotifyConfig, notifyConfigFromEnv } from './env-config';

const SMTP_URL = 'smtp://logwarden:hunter2@mail.example.com:587';

describe('notifyConfigFromEnv', () => {
  it('routes every alert to email when SMTP_URL and LOGWARDEN_ALERT_EMAIL_TO are set', () => {
    const { config, problems } = notifyConfigFromEnv({
      SMTP_URL,
      LOGWARDEN_ALERT_EMAIL_TO: 'oncall@example.com, lead@example.com',
    });

    expect(problems).toEqual([]);
    expect(config).toEqual({
      channels: [
        {
          name: 'email',
          type: 'email',
          to: ['oncall@example.com', 'lead@example.com'],
          from: `logwarden@${hostname()}`,
          smtpUrl: SMTP_URL,
          tlsRejectUnauthorized: true,
          timeoutMs: 30_000,
        },
      ],
      routes: [
        {
          name: 'default',
          match: {},
          channels: ['email'],
          groupBy: ['rule'],
          groupWaitMs: 5_000,
          groupIntervalMs: 60_000,
          repeatIntervalMs: 14_400_000,
        },
      ],
    });
  });

  it('adds a webhook, and takes the sender from LOGWARDEN_ALERT_EMAIL_FROM', () => {
    const { config, problems } = notifyConfigFromEnv({
      SMTP_URL,
      LOGWARDEN_ALERT_EMAIL_TO: 'oncall@example.com',
      LOGWARDEN_ALERT_EMAIL_FROM: 'alerts@example.com',
      LOGWARDEN_ALERT_WEBHOOK_URL: 'https://hooks.example.com/logwarden?token=abc',
    });

    expect(problems).toEqual([]);
    expect(config.channels).toEqual([
      expect.objectContaining({ name: 'email', from: 'alerts@example.com' }),
      {
        name: 'webhook',
        type: 'webhook',
        url: 'https://hooks.example.com/logwarden?token=abc',
        headers: {},
        timeoutMs: 10_000,
      },
    ]);
    expect(config.routes.map((route) => route.channels)).toEqual([['email', 'webhook']]);
  });

  it('configures nothing when none of the variables is set', () => {
    expect(notifyConfigFromEnv({ SMTP_URL })).toEqual({
      config: { channels: [], routes: [] },
      problems: [],
    });
  });

  it('names the variable at fault, without quoting URLs', () => {
    expect(
      notifyConfigFromEnv({
        LOGWARDEN_ALERT_EMAIL_TO: 'oncall',
        LOGWARDEN_ALERT_EMAIL_FROM: 'nobody',
        LOGWARDEN_ALERT_WEBHOOK_URL: 'hooks.example.com/s3cr3t',
      }).problems,
    ).toEqual([
      'LOGWARDEN_ALERT_EMAIL_TO: "oncall" is not an email address',
      'LOGWARDEN_ALERT_EMAIL_FROM: "nobody" is not an email address',
      'LOGWARDEN_ALERT_EMAIL_TO: email needs SMTP_URL, which is not set',
      'LOGWARDEN_ALERT_WEBHOOK_URL: must be an http:// or https:// URL',
    ]);
    expect(
      notifyConfigFromEnv({
        SMTP_URL: 'http://user:s3cr3t@mail.example.com',
        LOGWARDEN_ALERT_EMAIL_TO: 'oncall@example.com',
      }),
    ).toEqual({
      config: { channels: [], routes: [] },
      problems: ['SMTP_URL: must be an smtp:// or smtps:// URL with a host'],
    });
  });
});

describe('loadNotifyConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logwarden-notify-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const HOOK_FILE = 'channels: [{name: hook, type: webhook, url: "https://h.example.com/"}]\n';

  it('uses the environment when there is no config/logwarden.yml', () => {
    const loaded = loadNotifyConfig({ LOGWARDEN_ALERT_WEBHOOK_URL: 'https://h.example.com/' }, dir);

    expect(loaded.source).toBe('environment');
    expect(loaded.config.channels.map((channel) => channel.name)).toEqual(['webhook']);
  });

  it('reads config/logwarden.yml under the working directory', () => {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config/logwarden.yml'), HOOK_FILE);

    const loaded = loadNotifyConfig({}, dir);

    expect(loaded).toMatchObject({ source: 'config/logwarden.yml', problems: [] });
    expect(loaded.config.channels.map((channel) => channel.name)).toEqual(['hook']);
  });

  it('reads the file LOGWARDEN_CONFIG names, and reports it when it cannot', () => {
    writeFileSync(join(dir, 'notify.yml'), HOOK_FILE);

    const loaded = loadNotifyConfig({ LOGWARDEN_CONFIG: 'notify.yml' }, dir);
    const missing = loadNotifyConfig({ LOGWARDEN_CONFIG: 'missing.yml' }, dir);

    expect(loaded.config.channels.map((channel) => channel.name)).toEqual(['hook']);
    expect(missing.config).toEqual({ channels: [], routes: [] });
    expect(missing.problems).toEqual([
      expect.stringMatching(/^missing\.yml: cannot read the configuration file: ENOENT/),
    ]);
  });
});
