import { CATEGORY_PATTERN, SEVERITIES, type Severity } from '@logwarden/rules';
import { LineCounter, parseDocument } from 'yaml';
import {
  DEFAULT_EMAIL_TIMEOUT_MS,
  DEFAULT_HTTP_TIMEOUT_MS,
  PAGERDUTY_EVENTS_URL,
  type ChannelConfig,
} from './channel-config';
import { ConfigProblems, type FieldPath } from './config-problems';
import { messageOf } from './error-text';
import {
  Invalid,
  address,
  addressList,
  boolean,
  defaultFrom,
  describe,
  duration,
  durationOrZero,
  httpUrl,
  invalid,
  nonEmpty,
  sendTimeout,
  smtpUrl,
  type Env,
  type Parse,
} from './config-values';
import type { ChannelType } from './notification';

/** Conditions on an alert; every one given must hold, an omitted one holds for all. */
export interface RouteMatch {
  severity?: Severity[];
  category?: string[];
  /** Rule ids. */
  rule?: string[];
  /** Every label given must equal the alert's. */
  labels?: Record<string, string>;
}

export interface RouteConfig {
  name: string;
  match: RouteMatch;
  /** Channel names, each defined in `NotifyConfig.channels`. */
  channels: string[];
  /** `rule`, `severity`, `category`, `tenant`, or a group field path such as `source.ip`. */
  groupBy: string[];
  /** How long a new group collects alerts before its first message. */
  groupWaitMs: number;
  /** How long a group waits before a message about alerts added or changed since the last one. */
  groupIntervalMs: number;
  /** How long before a group whose alerts still fire, unchanged, is notified again. */
  repeatIntervalMs: number;
}

export interface NotifyConfig {
  channels: ChannelConfig[];
  routes: RouteConfig[];
}

/**
 * `config` holds what is valid: channels and routes with problems are left out, and so are
 * references to them, so the app can choose between refusing to start and running with the rest.
 */
export interface NotifyConfigResult {
  config: NotifyConfig;
  problems: string[];
}

export const ROUTE_DEFAULTS = {
  groupBy: ['rule'],
  groupWaitMs: 5_000,
  groupIntervalMs: 60_000,
  repeatIntervalMs: 4 * 3_600_000,
} as const;

/** The variables of the environment quick start, which a configuration file replaces. */
const QUICK_START_VARIABLES = ['LOGWARDEN_ALERT_EMAIL_TO', 'LOGWARDEN_ALERT_WEBHOOK_URL'];

const CHANNEL_TYPES: readonly ChannelType[] = ['email', 'webhook', 'slack', 'pagerduty'];
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_RULE =
  'must be letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64)';
const FIELD_PATH_PATTERN = /^[^\s.]+(\.[^\s.]+)*$/;
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const CHANNEL_FIELDS: Record<ChannelType, string[]> = {
  email: ['name', 'type', 'to', 'from', 'smtp_url', 'tls_reject_unauthorized', 'timeout'],
  webhook: ['name', 'type', 'url', 'headers', 'timeout'],
  slack: ['name', 'type', 'url', 'timeout'],
  pagerduty: ['name', 'type', 'routing_key', 'url', 'timeout'],
};
const ROUTE_FIELDS = [
  'name',
  'match',
  'channels',
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
];
const MATCH_FIELDS = ['severity', 'category', 'rule', 'labels'];

/**
 * Reads the channels and routes of a configuration file (YAML, so also JSON). `${VAR}` in a
 * string value is replaced by the variable from `env` (`$${` writes a literal `${`). Never
 * throws: each problem names the file, the line, the field and the reason, such as
 * `config/logwarden.yml:12: routes[0].channels[1]: unknown channel "pager"`.
 */
export function parseNotifyConfig(text: string, file: string, env: Env): NotifyConfigResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  if (document.errors.length > 0) {
    // Later syntax errors are mostly the parser losing its way after the first one.
    const [error] = document.errors;
    const line = error.linePos?.[0].line;
    const hint =
      line !== undefined && text.split('\n')[line - 1]?.includes('${')
        ? ' (inside {…} or […], quote a value that holds ${VAR}: "${VAR}")'
        : '';
    return {
      config: emptyConfig(),
      problems: [
        `${line === undefined ? file : `${file}:${line}`}: ${firstLine(error.message)}${hint}`,
      ],
    };
  }
  const problems = new ConfigProblems(file, lines, document.contents);
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    problems.add([], messageOf(error));
    return { config: emptyConfig(), problems: problems.messages };
  }
  const referenced = new Set<string>();
  const config = checkConfig(expand(raw, [], env, problems, referenced), env, problems);
  for (const variable of QUICK_START_VARIABLES) {
    if (nonEmpty(env[variable]) && !referenced.has(variable)) {
      problems.addToFile(
        `${variable} is set, but this file defines the channels and routes; unset it, or use \${${variable}} in the file`,
      );
    }
  }
  return { config, problems: problems.messages };
}

export function emptyConfig(): NotifyConfig {
  return { channels: [], routes: [] };
}

/** yaml's messages repeat the position and quote the source over several lines. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `$${` (a literal), `${NAME}` (a reference), or a `${` that is neither. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/** Replaces `${VAR}` in every string value (not in keys); an unset variable is a problem. */
function expand(
  value: unknown,
  path: FieldPath,
  env: Env,
  problems: ConfigProblems,
  referenced: Set<string>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, name: string | undefined) => {
      if (match === '$${') return '${';
      if (name === undefined) {
        problems.add(
          path,
          'has a "${" that is not a ${NAME} reference (write $${ for a literal "${")',
        );
        return match;
      }
      referenced.add(name);
      const replacement = env[name];
      if (replacement === undefined) {
        problems.add(path, `environment variable ${name} is not set`);
        return match;
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => expand(item, [...path, index], env, problems, referenced));
  }
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        expand(item, [...path, key], env, problems, referenced),
      ]),
    );
  }
  return value;
}

function checkConfig(raw: unknown, env: Env, problems: ConfigProblems): NotifyConfig {
  if (raw === null || raw === undefined) return emptyConfig();
  if (!isRecord(raw)) {
    problems.add([], 'must be a mapping with channels and routes');
    return emptyConfig();
  }
  unknownFields(raw, [], ['channels', 'routes'], 'the file takes channels and routes', problems);
  const { channels, defined } = checkChannels(raw.channels, env, problems);
  const routes = checkRoutes(raw.routes, channels, defined, problems);
  return { channels, routes };
}

function unknownFields(
  raw: Raw,
  path: FieldPath,
  known: string[],
  expected: string,
  problems: ConfigProblems,
): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) problems.add([...path, key], `unknown field (${expected})`);
  }
}

function checkChannels(
  raw: unknown,
  env: Env,
  problems: ConfigProblems,
): { channels: ChannelConfig[]; defined: Set<string> } {
  const channels: ChannelConfig[] = [];
  /** Every name given, valid channel or not, so routes are not also blamed for a broken channel. */
  const defined = new Set<string>();
  if (raw === undefined || raw === null) return { channels, defined };
  if (!Array.isArray(raw)) {
    problems.add(['channels'], 'must be a list of channels');
    return { channels, defined };
  }
  const firstIndex = new Map<string, number>();
  raw.forEach((item, index) => {
    const path: FieldPath = ['channels', index];
    const channel = checkChannel(item, path, env, problems);
    if (isRecord(item) && typeof item.name === 'string' && NAME_PATTERN.test(item.name)) {
      const first = firstIndex.get(item.name);
      if (first !== undefined) {
        problems.add(
          [...path, 'name'],
          `duplicate channel name "${item.name}" (first defined at line ${problems.lineOf(['channels', first])})`,
        );
        return;
      }
      firstIndex.set(item.name, index);
      defined.add(item.name);
    }
    if (channel !== undefined && !problems.hasAny(path)) channels.push(channel);
  });
  return { channels, defined };
}

function checkChannel(
  raw: unknown,
  path: FieldPath,
  env: Env,
  problems: ConfigProblems,
): ChannelConfig | undefined {
  if (!isRecord(raw)) {
    problems.add(path, 'must be a mapping with name, type and the settings of the type');
    return undefined;
  }
  const at = (field: string): FieldPath => [...path, field];
  const name = required(raw, at('name'), problems, (value) =>
    typeof value === 'string' && NAME_PATTERN.test(value) ? value : invalid(NAME_RULE),
  );
  const type = required(raw, at('type'), problems, (value) =>
    CHANNEL_TYPES.includes(value as ChannelType)
      ? (value as ChannelType)
      : invalid(`must be one of ${CHANNEL_TYPES.join(', ')} (got ${describe(value)})`),
  );
  if (type === undefined) return undefined;
  unknownFields(
    raw,
    path,
    CHANNEL_FIELDS[type],
    `${type === 'email' ? 'an' : 'a'} ${type} channel takes ${CHANNEL_FIELDS[type].join(', ')}`,
    problems,
  );
  const defaultTimeout = type === 'email' ? DEFAULT_EMAIL_TIMEOUT_MS : DEFAULT_HTTP_TIMEOUT_MS;
  const timeoutMs = optional(raw, at('timeout'), problems, sendTimeout) ?? defaultTimeout;
  if (name === undefined) return undefined;
  switch (type) {
    case 'email': {
      const to = required(raw, at('to'), problems, addressList);
      const from =
        optional(raw, at('from'), problems, address) ?? fromDefault(env, at('from'), problems);
      const url = emailSmtpUrl(raw, at('smtp_url'), env, problems);
      const tlsRejectUnauthorized =
        optional(raw, at('tls_reject_unauthorized'), problems, boolean) ?? true;
      if (to === undefined || from === undefined || url === undefined) return undefined;
      return { name, type, timeoutMs, to, from, smtpUrl: url, tlsRejectUnauthorized };
    }
    case 'webhook': {
      const url = required(raw, at('url'), problems, httpUrl);
      const headers = optional(raw, at('headers'), problems, headerMap) ?? {};
      return url === undefined ? undefined : { name, type, timeoutMs, url, headers };
    }
    case 'slack': {
      const url = required(raw, at('url'), problems, httpUrl);
      return url === undefined ? undefined : { name, type, timeoutMs, url };
    }
    case 'pagerduty': {
      const routingKey = required(raw, at('routing_key'), problems, (value) =>
        typeof value === 'string' && value.trim() !== ''
          ? value.trim()
          : invalid('must be the integration key of a PagerDuty service'),
      );
      const url = optional(raw, at('url'), problems, httpUrl) ?? PAGERDUTY_EVENTS_URL;
      return routingKey === undefined ? undefined : { name, type, timeoutMs, routingKey, url };
    }
  }
}

/** `smtp_url`, else the `SMTP_URL` the deployment sets for everything that sends mail. */
function emailSmtpUrl(
  raw: Raw,
  path: FieldPath,
  env: Env,
  problems: ConfigProblems,
): string | undefined {
  if (raw.smtp_url !== undefined && raw.smtp_url !== null) {
    return optional(raw, path, problems, smtpUrl);
  }
  if (!nonEmpty(env.SMTP_URL)) {
    problems.add(path, 'is required when SMTP_URL is not set');
    return undefined;
  }
  const checked = smtpUrl(env.SMTP_URL);
  if (checked instanceof Invalid) {
    problems.add(path, `${checked.reason} (taken from SMTP_URL)`);
    return undefined;
  }
  return checked;
}

function fromDefault(env: Env, path: FieldPath, problems: ConfigProblems): string | undefined {
  const checked = defaultFrom(env);
  if (checked instanceof Invalid) {
    problems.add(path, `${checked.reason} (taken from LOGWARDEN_ALERT_EMAIL_FROM)`);
    return undefined;
  }
  return checked;
}

function checkRoutes(
  raw: unknown,
  channels: ChannelConfig[],
  defined: Set<string>,
  problems: ConfigProblems,
): RouteConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add(['routes'], 'must be a list of routes');
    return [];
  }
  const valid = new Set(channels.map((channel) => channel.name));
  const routes: RouteConfig[] = [];
  const firstIndex = new Map<string, number>();
  raw.forEach((item, index) => {
    const path: FieldPath = ['routes', index];
    const route = checkRoute(item, path, defined, problems, index);
    if (route === undefined) return;
    const first = firstIndex.get(route.name);
    if (first !== undefined) {
      problems.add(
        [...path, 'name'],
        `duplicate route name "${route.name}" (first defined at line ${problems.lineOf(['routes', first])})`,
      );
      return;
    }
    firstIndex.set(route.name, index);
    if (problems.hasAny(path)) return;
    const usable = route.channels.filter((name) => valid.has(name));
    if (usable.length > 0) routes.push({ ...route, channels: usable });
  });
  return routes;
}

function checkRoute(
  raw: unknown,
  path: FieldPath,
  defined: Set<string>,
  problems: ConfigProblems,
  index: number,
): RouteConfig | undefined {
  if (!isRecord(raw)) {
    problems.add(path, 'must be a mapping with channels and, optionally, match and grouping');
    return undefined;
  }
  const at = (field: string): FieldPath => [...path, field];
  unknownFields(raw, path, ROUTE_FIELDS, `a route takes ${ROUTE_FIELDS.join(', ')}`, problems);
  const name =
    optional(raw, at('name'), problems, (value) =>
      typeof value === 'string' && NAME_PATTERN.test(value) ? value : invalid(NAME_RULE),
    ) ?? `route-${index}`;
  const match = optional(raw, at('match'), problems, (value) =>
    isRecord(value) ? value : invalid(`must be a mapping of ${MATCH_FIELDS.join(', ')}`),
  );
  const channels = required(raw, at('channels'), problems, (value) =>
    Array.isArray(value) ? value : invalid('must be a list of channel names'),
  );
  const groupBy = optional(raw, at('group_by'), problems, groupFields) ?? [
    ...ROUTE_DEFAULTS.groupBy,
  ];
  const groupWaitMs =
    optional(raw, at('group_wait'), problems, durationOrZero) ?? ROUTE_DEFAULTS.groupWaitMs;
  const groupIntervalMs =
    optional(raw, at('group_interval'), problems, duration) ?? ROUTE_DEFAULTS.groupIntervalMs;
  const repeatIntervalMs =
    optional(raw, at('repeat_interval'), problems, duration) ?? ROUTE_DEFAULTS.repeatIntervalMs;
  const checkedMatch = match === undefined ? {} : checkMatch(match, at('match'), problems);
  const names =
    channels === undefined ? undefined : channelNames(channels, at('channels'), defined, problems);
  if (names === undefined) return undefined;
  return {
    name,
    match: checkedMatch,
    channels: names,
    groupBy,
    groupWaitMs,
    groupIntervalMs,
    repeatIntervalMs,
  };
}

function channelNames(
  raw: unknown[],
  path: FieldPath,
  defined: Set<string>,
  problems: ConfigProblems,
): string[] | undefined {
  if (raw.length === 0) {
    problems.add(path, 'must list at least one channel');
    return undefined;
  }
  const names: string[] = [];
  raw.forEach((name, index) => {
    if (typeof name !== 'string') {
      problems.add([...path, index], `must be a channel name (got ${describe(name)})`);
    } else if (!defined.has(name)) {
      problems.add([...path, index], `unknown channel "${name}"`);
    } else if (names.includes(name)) {
      problems.add([...path, index], `lists channel "${name}" twice`);
    } else {
      names.push(name);
    }
  });
  return names;
}

function checkMatch(raw: Raw, path: FieldPath, problems: ConfigProblems): RouteMatch {
  const at = (field: string): FieldPath => [...path, field];
  unknownFields(raw, path, MATCH_FIELDS, `match takes ${MATCH_FIELDS.join(', ')}`, problems);
  const match: RouteMatch = {};
  const severity = valueList(raw, at('severity'), problems, (value) =>
    SEVERITIES.includes(value as Severity)
      ? (value as Severity)
      : invalid(`unknown severity ${describe(value)} (expected ${SEVERITIES.join(', ')})`),
  );
  if (severity !== undefined) match.severity = severity;
  const category = valueList(raw, at('category'), problems, (value) =>
    typeof value === 'string' && CATEGORY_PATTERN.test(value)
      ? value
      : invalid(`${describe(value)} is not a category (lower-case letters, digits and "-")`),
  );
  if (category !== undefined) match.category = category;
  const rule = valueList(raw, at('rule'), problems, (value) =>
    typeof value === 'string' && value !== '' ? value : invalid('must be a rule id'),
  );
  if (rule !== undefined) match.rule = rule;
  const labels = optional(raw, at('labels'), problems, labelMap);
  if (labels !== undefined) match.labels = labels;
  return match;
}

/** A list, or one value standing for a list of one; each item checked by `parse`. */
function valueList<T>(
  raw: Raw,
  path: FieldPath,
  problems: ConfigProblems,
  parse: Parse<T>,
): T[] | undefined {
  const value = raw[path[path.length - 1]];
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    problems.add(path, 'must not be empty (leave it out to match everything)');
    return undefined;
  }
  const result: T[] = [];
  items.forEach((item, index) => {
    const parsed = parse(item);
    if (parsed instanceof Invalid) {
      problems.add(Array.isArray(value) ? [...path, index] : path, parsed.reason);
    } else {
      result.push(parsed);
    }
  });
  return result.length === items.length ? result : undefined;
}

function required<T>(
  raw: Raw,
  path: FieldPath,
  problems: ConfigProblems,
  parse: Parse<T>,
): T | undefined {
  const value = raw[path[path.length - 1]];
  if (value === undefined || value === null) {
    problems.add(path, 'is required');
    return undefined;
  }
  return optional(raw, path, problems, parse);
}

function optional<T>(
  raw: Raw,
  path: FieldPath,
  problems: ConfigProblems,
  parse: Parse<T>,
): T | undefined {
  const value = raw[path[path.length - 1]];
  if (value === undefined || value === null) return undefined;
  const parsed = parse(value);
  if (parsed instanceof Invalid) {
    problems.add(path, parsed.reason);
    return undefined;
  }
  return parsed;
}

/** Values are never quoted: they are where tokens live. */
function headerMap(value: unknown): Record<string, string> | Invalid {
  if (!isRecord(value)) return invalid('must be a mapping of header names to values');
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) {
    if (!HEADER_NAME_PATTERN.test(name)) return invalid(`${describe(name)} is not a header name`);
    if (typeof header !== 'string' && typeof header !== 'number') {
      return invalid(`${name} must be a string`);
    }
    const text = String(header);
    if (/[\r\n\0]/.test(text)) return invalid(`${name} must be one line`);
    headers[name] = text;
  }
  return headers;
}

function labelMap(value: unknown): Record<string, string> | Invalid {
  if (!isRecord(value)) return invalid('must be a mapping of label names to values');
  const labels: Record<string, string> = {};
  for (const [name, label] of Object.entries(value)) {
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      return invalid(`${name} must be a string`);
    }
    labels[name] = String(label);
  }
  return labels;
}

function groupFields(value: unknown): string[] | Invalid {
  if (!Array.isArray(value)) return invalid('must be a list of fields');
  const fields: string[] = [];
  for (const field of value) {
    if (typeof field !== 'string' || !FIELD_PATH_PATTERN.test(field)) {
      return invalid(
        `${describe(field)} is not rule, severity, category, tenant or a field path such as source.ip`,
      );
    }
    if (fields.includes(field)) return invalid(`names ${field} twice`);
    fields.push(field);
  }
  return fields;
}
