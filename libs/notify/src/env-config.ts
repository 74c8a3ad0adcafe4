import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DEFAULT_EMAIL_TIMEOUT_MS,
  DEFAULT_HTTP_TIMEOUT_MS,
  type ChannelConfig,
} from './channel-config';
import {
  Invalid,
  addressList,
  defaultFrom,
  httpUrl,
  nonEmpty,
  smtpUrl,
  type Env,
} from './config-values';
import { messageOf } from './error-text';
import {
  ROUTE_DEFAULTS,
  emptyConfig,
  parseNotifyConfig,
  type NotifyConfigResult,
} from './notify-config';

export const DEFAULT_CONFIG_FILE = 'config/logwarden.yml';

/**
 * The quick start without a configuration file: `SMTP_URL` with `LOGWARDEN_ALERT_EMAIL_TO`
 * (comma-separated; from `LOGWARDEN_ALERT_EMAIL_FROM`, default `logwarden@<hostname>`) makes an
 * `email` channel, `LOGWARDEN_ALERT_WEBHOOK_URL` a `webhook` one; a `default` route sends
 * every alert to both, grouped by rule. Problems name the variable.
 */
export function notifyConfigFromEnv(env: Env): NotifyConfigResult {
  const problems: string[] = [];
  const channels: ChannelConfig[] = [];
  if (nonEmpty(env.LOGWARDEN_ALERT_EMAIL_TO)) {
    const to = addressList(env.LOGWARDEN_ALERT_EMAIL_TO);
    const from = defaultFrom(env);
    const url = nonEmpty(env.SMTP_URL) ? smtpUrl(env.SMTP_URL) : undefined;
    if (to instanceof Invalid) problems.push(`LOGWARDEN_ALERT_EMAIL_TO: ${to.reason}`);
    if (from instanceof Invalid) problems.push(`LOGWARDEN_ALERT_EMAIL_FROM: ${from.reason}`);
    if (url === undefined) {
      problems.push('LOGWARDEN_ALERT_EMAIL_TO: email needs SMTP_URL, which is not set');
    } else if (url instanceof Invalid) {
      problems.push(`SMTP_URL: ${url.reason}`);
    }
    if (!(
      to instanceof Invalid ||
      from instanceof Invalid ||
      url === undefined ||
      url instanceof Invalid
    )) {
      channels.push({
        name: 'email',
        type: 'email',
        to,
        from,
        smtpUrl: url,
        tlsRejectUnauthorized: true,
        timeoutMs: DEFAULT_EMAIL_TIMEOUT_MS,
      });
    }
  }
  if (nonEmpty(env.LOGWARDEN_ALERT_WEBHOOK_URL)) {
    const url = httpUrl(env.LOGWARDEN_ALERT_WEBHOOK_URL);
    if (url instanceof Invalid) {
      problems.push(`LOGWARDEN_ALERT_WEBHOOK_URL: ${url.reason}`);
    } else {
      channels.push({
        name: 'webhook',
        type: 'webhook',
        url,
        headers: {},
        timeoutMs: DEFAULT_HTTP_TIMEOUT_MS,
      });
    }
  }
  const routes =
    channels.length === 0
      ? []
      : [
          {
            name: 'default',
            match: {},
            channels: channels.map((channel) => channel.name),
            groupBy: [...ROUTE_DEFAULTS.groupBy],
            groupWaitMs: ROUTE_DEFAULTS.groupWaitMs,
            groupIntervalMs: ROUTE_DEFAULTS.groupIntervalMs,
            repeatIntervalMs: ROUTE_DEFAULTS.repeatIntervalMs,
          },
        ];
  return { config: { channels, routes }, problems };
}

export interface LoadedNotifyConfig extends NotifyConfigResult {
  /** The file read, or `environment` for the quick start. */
  source: string;
}

/**
 * What the app calls at start: the file `LOGWARDEN_CONFIG` names, else `config/logwarden.yml`
 * under `cwd` when it exists, else the environment quick start. A file that is named but
 * cannot be read is a problem, not a fallback.
 */
export function loadNotifyConfig(env: Env = process.env, cwd = process.cwd()): LoadedNotifyConfig {
  const named = nonEmpty(env.LOGWARDEN_CONFIG) ? env.LOGWARDEN_CONFIG.trim() : undefined;
  const file = named ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    if (named === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ...notifyConfigFromEnv(env), source: 'environment' };
    }
    return {
      config: emptyConfig(),
      problems: [`${file}: cannot read the configuration file: ${messageOf(error)}`],
      source: file,
    };
  }
  return { ...parseNotifyConfig(text, file, env), source: file };
}
