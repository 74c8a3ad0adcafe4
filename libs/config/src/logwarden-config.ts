import { resolve } from 'node:path';
import { NotifyConfig, loadNotifyConfig } from '@logwarden/notify';

export type DeploymentMode = 'embedded' | 'distributed';

/** Deployment settings, read once from the environment at start. */
export interface LogwardenConfig {
  mode: DeploymentMode;
  host: string;
  port: number;
  dataDir: string;
  retentionDays: number;
  /** The first admin key; when unset a key is generated on first start. */
  adminKey?: string;
  /** Largest request body accepted on the wire (compressed). */
  maxBodyBytes: number;
  /** Largest body after decompression. */
  maxDecodedBytes: number;
  /** Events accepted but not yet durable above which ingest answers 429. */
  maxPendingEvents: number;
  /** Version reported to Elasticsearch shippers; Beats refuse servers older than themselves. */
  elasticsearchVersion: string;
  /** `full` survives power loss; `normal` survives process crashes only. */
  sqliteSynchronous: 'full' | 'normal';
  /** Rule directories: the built-in pack, then `LOGWARDEN_RULES_DIR`. */
  rulesDirs: string[];
  /** Notification channels and routes: `LOGWARDEN_CONFIG`, `config/logwarden.yml` or the quick-start variables. */
  notify: NotifyConfig;
  /** An open alert without a new detection for this long resolves itself (at least twice its rule's window). */
  alertResolveAfterMs: number;
  /** Base URL of the API as on-call engineers reach it, for links in notifications. */
  publicUrl: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!allowed.includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

const MiB = 1024 * 1024;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(env: Env, name: string, fallback: string): number {
  const raw = env[name]?.trim() || fallback;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(raw);
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`${name} must be a duration such as 30s, 15m or 1h, got "${raw}"`);
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** Builds the configuration from environment variables, naming the variable at fault. */
export function loadConfig(env: Env = process.env): LogwardenConfig {
  const esVersion = env.LOGWARDEN_ES_VERSION?.trim() || '8.19.0';
  if (!/^8\.\d+\.\d+$/.test(esVersion)) {
    throw new ConfigError(`LOGWARDEN_ES_VERSION must be an 8.x.y version, got "${esVersion}"`);
  }
  const adminKey = env.LOGWARDEN_ADMIN_KEY?.trim();
  if (adminKey !== undefined && adminKey !== '' && adminKey.length < 16) {
    throw new ConfigError('LOGWARDEN_ADMIN_KEY must be at least 16 characters long');
  }
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const notify = loadNotifyConfig(env);
  if (notify.problems.length > 0) {
    throw new ConfigError(`${notify.source} is not valid:\n  ${notify.problems.join('\n  ')}`);
  }
  const rulesDir = env.LOGWARDEN_RULES_DIR?.trim();
  return {
    mode: oneOf(env, 'LOGWARDEN_MODE', ['embedded', 'distributed'] as const, 'embedded'),
    host: env.HOST?.trim() || '0.0.0.0',
    port,
    dataDir: resolve(env.LOGWARDEN_DATA_DIR?.trim() || './data'),
    retentionDays: integer(env, 'LOGWARDEN_RETENTION_DAYS', 7, 1, 36500),
    adminKey: adminKey || undefined,
    maxBodyBytes: integer(env, 'LOGWARDEN_MAX_BODY_MB', 32, 1, 1024) * MiB,
    maxDecodedBytes: integer(env, 'LOGWARDEN_MAX_DECODED_MB', 128, 1, 4096) * MiB,
    maxPendingEvents: integer(env, 'LOGWARDEN_MAX_PENDING_EVENTS', 50_000, 1, 10_000_000),
    elasticsearchVersion: esVersion,
    sqliteSynchronous: oneOf(env, 'LOGWARDEN_SQLITE_SYNC', ['full', 'normal'] as const, 'full'),
    rulesDirs: [resolve('config/rules'), ...(rulesDir ? [resolve(rulesDir)] : [])],
    notify: notify.config,
    alertResolveAfterMs: duration(env, 'LOGWARDEN_ALERT_RESOLVE_AFTER', '15m'),
    publicUrl: (env.LOGWARDEN_PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, ''),
  };
}
