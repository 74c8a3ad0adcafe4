import { smtpEndpoint, type ChannelConfig } from './channel-config';
import { DeliveryError } from './notification';

/** Shorter strings would blank out ordinary words of a message. */
const MIN_SECRET_LENGTH = 4;

/**
 * Every string of a channel's configuration that could be a credential, in the forms it can
 * turn up in an error: as configured, URL-encoded, decoded.
 */
export function channelSecrets(config: ChannelConfig): string[] {
  const secrets: string[] = [];
  switch (config.type) {
    case 'email': {
      secrets.push(config.smtpUrl);
      const pass = smtpEndpoint(config.smtpUrl)?.pass;
      if (pass !== undefined) secrets.push(pass, encodeURIComponent(pass));
      break;
    }
    case 'pagerduty':
      secrets.push(config.routingKey, ...urlSecrets(config.url));
      break;
    case 'webhook':
      for (const value of Object.values(config.headers)) {
        // `Bearer <token>`: the token alone can be echoed too.
        secrets.push(value, ...value.split(/\s+/));
      }
      secrets.push(...urlSecrets(config.url));
      break;
    case 'slack':
      secrets.push(...urlSecrets(config.url));
      break;
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
}

function urlSecrets(text: string): string[] {
  const url = new URL(text);
  const secrets = [text, url.href, `${url.pathname}${url.search}`, url.pathname, url.search];
  try {
    secrets.push(decodeURIComponent(url.pathname), decodeURIComponent(url.search));
  } catch {
    // Not percent-encoded text: the forms above are the only ones it can appear in.
  }
  return secrets;
}

function scrubSecrets(text: string, secrets: string[]): string {
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}

/**
 * Builds the `DeliveryError` of a channel: `webhook "ops": HTTP 503 Service Unavailable`,
 * with any secret of the channel replaced by `***`.
 */
export function deliveryError(
  config: ChannelConfig,
  secrets: string[],
  reason: string,
  retryable: boolean,
  retryAfterMs?: number,
): DeliveryError {
  return new DeliveryError(
    `${config.type} "${config.name}": ${scrubSecrets(reason, secrets)}`,
    retryable,
    retryAfterMs,
  );
}
