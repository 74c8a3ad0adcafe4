import { describeChannel } from './channel-config';

describe('describeChannel', () => {
  it('shows the SMTP server and the recipients, not the credentials', () => {
    const described = describeChannel({
      name: 'oncall',
      type: 'email',
      smtpUrl: 'smtp://logwarden:hunter2@mail.example.com',
      from: 'logwarden@example.com',
      to: ['oncall@example.com', 'lead@example.com'],
      tlsRejectUnauthorized: true,
      timeoutMs: 30_000,
    });

    expect(described).toEqual({
      name: 'oncall',
      type: 'email',
      target: 'smtp://mail.example.com:587 → oncall@example.com, lead@example.com',
    });
  });

  it('shows the implicit-TLS port and an IPv6 host', () => {
    expect(
      describeChannel({
        name: 'tls',
        type: 'email',
        smtpUrl: 'smtps://u:p@[::1]',
        from: 'a@example.com',
        to: ['b@example.com'],
        tlsRejectUnauthorized: false,
        timeoutMs: 30_000,
      }).target,
    ).toBe('smtps://[::1]:465 → b@example.com');
  });

  it('shows webhooks as scheme and host only, since paths and queries hold tokens', () => {
    expect(
      describeChannel({
        name: 'team',
        type: 'slack',
        url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET',
        timeoutMs: 10_000,
      }),
    ).toEqual({ name: 'team', type: 'slack', target: 'https://hooks.slack.com/…' });
    expect(
      describeChannel({
        name: 'ops',
        type: 'webhook',
        url: 'http://127.0.0.1:8081/hook?token=SECRET',
        headers: { Authorization: 'Bearer SECRET' },
        timeoutMs: 10_000,
      }).target,
    ).toBe('http://127.0.0.1:8081/…');
    expect(
      JSON.stringify(
        describeChannel({
          name: 'pager',
          type: 'pagerduty',
          routingKey: 'SECRET',
          url: 'https://events.pagerduty.com/v2/enqueue',
          timeoutMs: 10_000,
        }),
      ),
    ).not.toContain('SECRET');
  });
});
