import { hostname } from 'node:os';
import { parseInterval } from '@logwarden/query';
import { MAX_SEND_TIMEOUT_MS, smtpEndpoint } from './channel-config';

// Parsers of configuration values: the value, or an `Invalid` with the reason it is not one.
// Reasons never quote a URL, a header value or a routing key: they may carry credentials.

export type Env = Record<string, string | undefined>;

export class Invalid {
  constructor(readonly reason: string) {}
}

export type Parse<T> = (value: unknown) => T | Invalid;

export function invalid(reason: string): Invalid {
  return new Invalid(reason);
}

export function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

const ADDRESS = String.raw`[^\s@<>()\[\],;:"]+@[^\s@<>()\[\],;:"]+`;
const ADDRESS_PATTERN = new RegExp(`^${ADDRESS}$`);
const NAMED_ADDRESS_PATTERN = new RegExp(`^[^<>]*<${ADDRESS}>$`);
const DURATION_RULE = 'must be a duration like 500ms, 30s, 5m or 4h';

/** `oncall@example.com` or `Logwarden <logwarden@example.com>`. */
export function address(value: unknown): string | Invalid {
  if (typeof value !== 'string') return invalid('must be an email address');
  const text = value.trim();
  return ADDRESS_PATTERN.test(text) || NAMED_ADDRESS_PATTERN.test(text)
    ? text
    : invalid(`${describe(text)} is not an email address`);
}

/** A list of addresses, or one string of comma-separated addresses (as a `${VAR}` gives). */
export function addressList(value: unknown): string[] | Invalid {
  const items =
    typeof value === 'string' ? value.split(',').filter((item) => item.trim() !== '') : value;
  if (!Array.isArray(items)) return invalid('must be a list of email addresses');
  if (items.length === 0) return invalid('must name at least one recipient');
  const addresses: string[] = [];
  for (const item of items) {
    const checked = address(item);
    if (checked instanceof Invalid) return checked;
    addresses.push(checked);
  }
  return addresses;
}

/** `LOGWARDEN_ALERT_EMAIL_FROM`, else `logwarden@<hostname>`. */
export function defaultFrom(env: Env): string | Invalid {
  const configured = env.LOGWARDEN_ALERT_EMAIL_FROM;
  if (!nonEmpty(configured)) return `logwarden@${hostname()}`;
  return address(configured);
}

export function smtpUrl(value: unknown): string | Invalid {
  if (typeof value !== 'string' || smtpEndpoint(value.trim()) === undefined) {
    return invalid('must be an smtp:// or smtps:// URL with a host');
  }
  const text = value.trim();
  const url = new URL(text);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return invalid('must not have a path or query (set TLS checks with tls_reject_unauthorized)');
  }
  if (url.username !== '' && url.password === '') {
    return invalid('names a user but no password');
  }
  return text;
}

export function httpUrl(value: unknown): string | Invalid {
  if (typeof value !== 'string') return invalid('must be an http:// or https:// URL');
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return invalid('must be an http:// or https:// URL');
  }
  // fetch refuses such URLs.
  if (url.username !== '' || url.password !== '') {
    return invalid('must not contain a user or password (send credentials in a header)');
  }
  return text;
}

export function duration(value: unknown): number | Invalid {
  if (typeof value === 'string') {
    try {
      return parseInterval(value);
    } catch {
      // Reported below, with the value.
    }
  }
  return invalid(`${DURATION_RULE} (got ${describe(value)})`);
}

/** A send that outlasted the notifier's hold on it could go out twice. */
export function sendTimeout(value: unknown): number | Invalid {
  const ms = duration(value);
  return typeof ms === 'number' && ms > MAX_SEND_TIMEOUT_MS
    ? invalid(`must be at most 1m (got ${describe(value)})`)
    : ms;
}

/** `group_wait: 0` sends a group's first message as soon as its first alert arrives. */
export function durationOrZero(value: unknown): number | Invalid {
  if (value === 0 || (typeof value === 'string' && /^0+(ms|s|m|h|d|w)?$/.test(value.trim()))) {
    return 0;
  }
  return duration(value);
}

/** YAML booleans, or the words themselves when they come from a `${VAR}`. */
export function boolean(value: unknown): boolean | Invalid {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return invalid(`must be true or false (got ${describe(value)})`);
}
