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
  /**
   * Weight (decoded bytes, plus 32 per JSON object or array) of the ingest
   * requests being stored at once; a request beyond it answers 429 while others
   * are in flight. Also the heaviest single event or JSON document parsed.
   */
  maxPendingBytes: number;
  /** Parsed events not yet durable; a request's next page waits while they would exceed it. */
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
  /** The bus in distributed mode. */
  kafka: KafkaSettings;
  /** The store in distributed mode. */
  elasticsearch: ElasticsearchSettings;
}

export interface KafkaSettings {
  /** `KAFKA_BROKERS`, comma-separated `host:port`; empty in embedded mode. */
  brokers: string[];
  clientId: string;
  /** Topic names by role; created at start when missing. */
  topics: { raw: string; events: string; alerts: string; deadLetter: string };
  /** Partitions of topics Logwarden creates: the most consumers of one group that can share the work. */
  partitions: number;
  replicationFactor: number;
}

export interface ElasticsearchSettings {
  /** `ELASTICSEARCH_URL`; empty in embedded mode. */
  url: string;
  /** `ELASTICSEARCH_API_KEY` (encoded), or user and password in the URL. */
  apiKey?: string;
  /** Prefix of every index, template and policy Logwarden creates. */
  indexPrefix: string;
  shards: number;
  replicas: number;
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
    // `npm start` caps the old space at 160 MB; ~30 MB of it is live at rest.
    // Ingest holds one page per request: a 300-byte event takes ~1.2 KB through
    // the pipeline, so 20,000 pending events are ~25 MB, and 8 shippers' 2,000-
    // event batches still fit. Weight in flight parses to ~2x (5x at worst, for
    // short distinct strings): 16 MiB is ~35 MB, 80 MB at worst, and bounds the
    // one JSON document or event parsed whole. Bodies stay Buffers, off the heap.
    maxPendingBytes: integer(env, 'LOGWARDEN_MAX_PENDING_MB', 16, 1, 4096) * MiB,
    maxPendingEvents: integer(env, 'LOGWARDEN_MAX_PENDING_EVENTS', 20_000, 1, 10_000_000),
    elasticsearchVersion: esVersion,
    sqliteSynchronous: oneOf(env, 'LOGWARDEN_SQLITE_SYNC', ['full', 'normal'] as const, 'full'),
    rulesDirs: [resolve('config/rules'), ...(rulesDir ? [resolve(rulesDir)] : [])],
    notify: notify.config,
    alertResolveAfterMs: duration(env, 'LOGWARDEN_ALERT_RESOLVE_AFTER', '15m'),
    kafka: kafkaSettings(env),
    elasticsearch: elasticsearchSettings(env),
    publicUrl: (env.LOGWARDEN_PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, ''),
  };
}

function kafkaSettings(env: Env): KafkaSettings {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS must list host:port entries, got "${broker}"`);
    }
  }
  const prefix = env.LOGWARDEN_TOPIC_PREFIX?.trim() ?? '';
  return {
    brokers,
    clientId: env.LOGWARDEN_KAFKA_CLIENT_ID?.trim() || 'logwarden',
    topics: {
      raw: `${prefix}logs.raw`,
      events: `${prefix}logs.events`,
      alerts: `${prefix}alerts`,
      deadLetter: `${prefix}logs.dead-letter`,
    },
    partitions: integer(env, 'LOGWARDEN_KAFKA_PARTITIONS', 6, 1, 10_000),
    replicationFactor: integer(env, 'LOGWARDEN_KAFKA_REPLICATION_FACTOR', 1, 1, 16),
  };
}

function elasticsearchSettings(env: Env): ElasticsearchSettings {
  const url = env.ELASTICSEARCH_URL?.trim() ?? '';
  if (url !== '' && !/^https?:\/\/[^\s]+$/.test(url)) {
    throw new ConfigError(
      `ELASTICSEARCH_URL must be an http(s) URL, got "${url.replace(/\/\/[^@/]*@/, '//***@')}"`,
    );
  }
  const indexPrefix = env.LOGWARDEN_ES_INDEX_PREFIX?.trim() || 'logwarden';
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(indexPrefix)) {
    throw new ConfigError(
      `LOGWARDEN_ES_INDEX_PREFIX must be lower-case letters, digits, "-" or "_", got "${indexPrefix}"`,
    );
  }
  return {
    url,
    apiKey: env.ELASTICSEARCH_API_KEY?.trim() || undefined,
    indexPrefix,
    shards: integer(env, 'LOGWARDEN_ES_SHARDS', 1, 1, 1024),
    replicas: integer(env, 'LOGWARDEN_ES_REPLICAS', 1, 0, 16),
  };
}
