import type { ChannelType } from './notification';

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** SMTP takes several round trips (greeting, EHLO, STARTTLS, AUTH, envelope, data). */
export const DEFAULT_EMAIL_TIMEOUT_MS = 30_000;
/** The longest `timeout` a channel takes: a notifier holds a delivery for twice this. */
export const MAX_SEND_TIMEOUT_MS = 60_000;
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

interface ChannelConfigBase {
  /** Unique among channels; routes refer to it. */
  name: string;
  /** The whole delivery, connecting included. */
  timeoutMs: number;
}

export interface EmailChannelConfig extends ChannelConfigBase {
  type: 'email';
  /** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (implicit TLS). */
  smtpUrl: string;
  from: string;
  to: string[];
  /** false accepts a self-signed or otherwise unverifiable server certificate. */
  tlsRejectUnauthorized: boolean;
}

export interface WebhookChannelConfig extends ChannelConfigBase {
  type: 'webhook';
  url: string;
  /** Sent with every request, e.g. `Authorization`. */
  headers: Record<string, string>;
}

export interface SlackChannelConfig extends ChannelConfigBase {
  type: 'slack';
  /** A Slack incoming-webhook URL, or anything that takes its body (Mattermost, Rocket.Chat). */
  url: string;
}

export interface PagerDutyChannelConfig extends ChannelConfigBase {
  type: 'pagerduty';
  routingKey: string;
  /** `PAGERDUTY_EVENTS_URL` unless a proxy or a test receiver stands in. */
  url: string;
}

export type ChannelConfig =
  EmailChannelConfig | WebhookChannelConfig | SlackChannelConfig | PagerDutyChannelConfig;

export interface SmtpEndpoint {
  /** Implicit TLS from the first byte (`smtps:`), else STARTTLS when the server offers it. */
  secure: boolean;
  host: string;
  port: number;
  user?: string;
  pass?: string;
}

/** The parts of an SMTP URL, credentials decoded; undefined when it is not an smtp(s) URL. */
export function smtpEndpoint(smtpUrl: string): SmtpEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
    return undefined;
  }
  const secure = url.protocol === 'smtps:';
  try {
    return {
      secure,
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      user: url.username === '' ? undefined : decodeURIComponent(url.username),
      pass: url.password === '' ? undefined : decodeURIComponent(url.password),
    };
  } catch {
    // A `%` in the credentials that does not start an escape.
    return undefined;
  }
}

/** What the API may show of a channel: where it delivers, without credentials or tokens. */
export interface ChannelDescription {
  name: string;
  type: ChannelType;
  /** `smtp://mail.example.com:587 → oncall@example.com`, `https://hooks.example.com/…`. */
  target: string;
}

export function describeChannel(config: ChannelConfig): ChannelDescription {
  return { name: config.name, type: config.type, target: channelTarget(config) };
}

function channelTarget(config: ChannelConfig): string {
  if (config.type === 'email') {
    const endpoint = smtpEndpoint(config.smtpUrl);
    const server =
      endpoint === undefined
        ? 'invalid SMTP URL'
        : `${endpoint.secure ? 'smtps' : 'smtp'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    return `${server} → ${config.to.join(', ')}`;
  }
  return redactUrl(config.url);
}

/** `scheme://host[:port]/…`: webhook paths and queries often are the token (Slack's are). */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return 'invalid URL';
  }
}
