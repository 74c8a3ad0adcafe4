import { createHash } from 'node:crypto';

/**
 * mulberry32: a 32-bit PRNG that is tiny, fast and identical on every platform,
 * which is all a reproducible workload needs (it is no use for secrets).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorkloadOptions {
  seed: number;
  containers: number;
  hosts: number;
  /** Events are stamped in [anchorMs - spanMs, anchorMs). */
  anchorMs: number;
  spanMs: number;
  /** Events the run will generate; times advance evenly across them. */
  total: number;
}

/** Containers' clocks and flush intervals disagree by up to this much. */
const JITTER_MS = 2_000;

interface Container {
  name: string;
  id: string;
  service: string;
  image: string;
  tag: string;
  host: string;
  /** Byte offset of the next line in the container's log file, as Filebeat reports it. */
  offset: number;
}

type Random = () => number;

/** One request's worth of NDJSON. */
export interface Batch {
  body: Buffer;
  events: number;
}

const SERVICES = ['web', 'api', 'auth', 'billing', 'orders', 'search', 'worker', 'gateway'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const TABLES = ['orders', 'users', 'payments', 'sessions', 'invoices', 'inventory', 'carts'];
const UPSTREAMS = ['postgres', 'redis', 'kafka', 'payment-svc', 'inventory-svc', 's3', 'ldap'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'];
const OK_STATUSES = [200, 200, 200, 200, 201, 204, 304];
const CLIENT_ERRORS = [400, 401, 403, 404, 404, 409, 429];
const JOBS = ['email-digest', 'invoice-export', 'cache-warmup', 'report-build', 'reindex'];
const REASONS = ['invalid payload', 'schema mismatch', 'duplicate key', 'missing field amount'];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function hex(random: Random, length: number): string {
  let text = '';
  while (text.length < length)
    text += Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return text.slice(0, length);
}

function ip(random: Random): string {
  return `10.${int(random, 0, 31)}.${int(random, 0, 255)}.${int(random, 1, 254)}`;
}

function urlPath(random: Random): string {
  switch (int(random, 0, 7)) {
    case 0:
      return `/api/v1/orders/${int(random, 10000, 99999)}`;
    case 1:
      return `/api/v1/users/${int(random, 1000, 9999)}/profile`;
    case 2:
      return '/api/v1/cart';
    case 3:
      return `/api/v1/payments/${hex(random, 8)}`;
    case 4:
      return `/api/v1/inventory/sku-${int(random, 100, 999)}`;
    case 5:
      return '/login';
    case 6:
      return '/healthz';
    default:
      return `/static/app.${hex(random, 8)}.js`;
  }
}

/**
 * Messages per level, shaped like what web services, workers and their drivers
 * print, so full-text search meets a realistic mix of common and rare words.
 */
const accessLog = (r: Random): string =>
  `${pick(r, METHODS)} ${urlPath(r)} ${pick(r, OK_STATUSES)} ${int(r, 1, 250)}ms bytes=${int(r, 80, 40000)} req=${hex(r, 8)}`;

const MESSAGES: Record<string, ((random: Random) => string)[]> = {
  // Listed twice because access logs are the bulk of real service output.
  info: [
    accessLog,
    accessLog,
    (r) => `user ${pick(r, USERS)} logged in from ${ip(r)} session=${hex(r, 12)}`,
    (r) => `sql query on ${pick(r, TABLES)} completed in ${int(r, 1, 90)}ms rows=${int(r, 0, 500)}`,
    (r) => `job ${pick(r, JOBS)} finished: ${int(r, 1, 5000)} items in ${int(r, 20, 9000)}ms`,
    (r) => `auth token refreshed for user ${pick(r, USERS)} expires_in=${int(r, 300, 3600)}s`,
  ],
  debug: [
    (r) =>
      `cache miss key=${pick(r, TABLES)}:${int(r, 1, 99999)} fetching from ${pick(r, UPSTREAMS)}`,
    (r) => `sql SELECT * FROM ${pick(r, TABLES)} WHERE id = ${int(r, 1, 999999)} LIMIT 1`,
  ],
  warn: [
    (r) =>
      `${pick(r, METHODS)} ${urlPath(r)} ${pick(r, CLIENT_ERRORS)} ${int(r, 1, 80)}ms client=${ip(r)} req=${hex(r, 8)}`,
    (r) => `slow request ${pick(r, METHODS)} ${urlPath(r)} took ${int(r, 1000, 8000)}ms`,
    (r) => `retrying connection to ${pick(r, UPSTREAMS)} attempt ${int(r, 2, 5)} of 5`,
    (r) => `authentication failed for user ${pick(r, USERS)} from ${ip(r)}: invalid password`,
    (r) =>
      `connection pool for ${pick(r, UPSTREAMS)} nearly exhausted: ${int(r, 45, 50)}/50 in use`,
  ],
  error: [
    (r) => `timeout after ${int(r, 1, 30) * 1000}ms calling ${pick(r, UPSTREAMS)} ${urlPath(r)}`,
    (r) => `sql error: deadlock detected on table ${pick(r, TABLES)}, transaction rolled back`,
    (r) => `connection refused to ${pick(r, UPSTREAMS)} at ${ip(r)}:${int(r, 1024, 9999)}`,
    (r) => `permission denied for user ${pick(r, USERS)} on ${pick(r, TABLES)}: missing role admin`,
    (r) => `failed to process message ${hex(r, 12)}: ${pick(r, REASONS)}`,
    (r) => `upstream ${pick(r, UPSTREAMS)} returned 502 bad gateway req=${hex(r, 8)}`,
  ],
  fatal: [
    (r) => `out of memory: heap limit reached after ${int(r, 1, 72)}h uptime, exiting`,
    (r) => `panic: runtime error: index out of range [${int(r, 1, 64)}] with length 0`,
  ],
};

/** Cumulative shares: mostly info, a steady trickle of warnings and errors. */
const LEVELS: [level: string, upTo: number][] = [
  ['info', 0.72],
  ['debug', 0.8],
  ['warn', 0.92],
  ['error', 0.99],
  ['fatal', 1],
];

function level(random: Random): string {
  const draw = random();
  return (LEVELS.find(([, upTo]) => draw < upTo) ?? LEVELS[0])[0];
}

const TIMESTAMP_FIELD_BYTES = '{"@timestamp":"2000-01-01T00:00:00.000Z",'.length;

function grow(buffer: Buffer, used: number): Buffer {
  const larger = Buffer.alloc(buffer.length * 2);
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/** The tokens FTS5's unicode61 tokenizer makes of ASCII text. */
const TOKENS = /[a-z0-9]+/g;
const WORD = /^[a-z]{3,}$/;

/**
 * A reproducible stream of ECS log events from a fleet of containers. The same
 * options give the same lines in the same order; only the timestamps move with
 * the anchor, which is why the fingerprint hashes their offsets instead.
 */
export class Workload {
  readonly containers: readonly Container[];
  private readonly random: Random;
  private readonly fingerprint = createHash('sha256');
  /** Milliseconds before the anchor of every event generated, for window shares. */
  private readonly ages: number[] = [];
  /** In how many events' messages each word occurs. */
  private readonly wordEvents = new Map<string, number>();
  private lineBytes = 0;
  private scratch: Buffer = Buffer.alloc(1 << 20);

  constructor(private readonly options: WorkloadOptions) {
    this.random = mulberry32(options.seed);
    const hosts = Array.from(
      { length: options.hosts },
      (_, i) => `node-${String(i + 1).padStart(2, '0')}`,
    );
    this.containers = Array.from({ length: options.containers }, (_, i) => {
      const service = SERVICES[i % SERVICES.length];
      return {
        name: `${service}-${String(i).padStart(4, '0')}`,
        id: hex(this.random, 12),
        service,
        image: `acme/${service}`,
        tag: `1.${int(this.random, 0, 20)}.${int(this.random, 0, 9)}`,
        host: pick(this.random, hosts),
        offset: int(this.random, 0, 1_000_000),
      };
    });
  }

  get events(): number {
    return this.ages.length;
  }

  get meanLineBytes(): number {
    return this.lineBytes / Math.max(1, this.ages.length);
  }

  /** The next `count` events as NDJSON request bodies of at most `perBatch` events each. */
  batches(count: number, perBatch: number): Batch[] {
    const batches: Batch[] = [];
    for (let done = 0; done < count; done += perBatch) {
      const events = Math.min(perBatch, count - done);
      let length = 0;
      for (let i = 0; i < events; i++) {
        const [age, rest] = this.nextEvent();
        const line = `{"@timestamp":"${new Date(this.options.anchorMs - age).toISOString()}",${rest}\n`;
        // Encoding line by line into one buffer is several times faster than joining the strings.
        if (this.scratch.length - length < line.length * 3)
          this.scratch = grow(this.scratch, length);
        const start = length;
        length += this.scratch.write(line, length);
        this.lineBytes += length - start - 1;
        this.fingerprint.update(this.scratch.subarray(start + TIMESTAMP_FIELD_BYTES, length));
      }
      batches.push({ body: Buffer.from(this.scratch.subarray(0, length)), events });
    }
    return batches;
  }

  /** SHA-256 of everything generated so far, timestamps taken relative to the anchor. */
  digest(): string {
    return this.fingerprint.copy().update(new Float64Array(this.ages)).digest('hex').slice(0, 16);
  }

  /** Share of the generated events stamped at or after `sinceMs`. */
  shareSince(sinceMs: number): number {
    const maxAge = this.options.anchorMs - sinceMs;
    return this.ages.filter((age) => age <= maxAge).length / Math.max(1, this.ages.length);
  }

  /** Words found in between `minShare` and `maxShare` of the events, most frequent first. */
  wordsWithShare(minShare: number, maxShare: number): { word: string; share: number }[] {
    return [...this.wordEvents]
      .map(([word, events]) => ({ word, share: events / this.ages.length }))
      .filter(({ share }) => share >= minShare && share <= maxShare)
      .sort((a, b) => b.share - a.share || a.word.localeCompare(b.word));
  }

  /** One event without its timestamp: its age and the JSON text that follows `@timestamp`. */
  private nextEvent(): [age: number, rest: string] {
    const r = this.random;
    const container = this.containers[Math.floor(r() * this.containers.length)];
    const lvl = level(r);
    const message = pick(r, MESSAGES[lvl])(r);
    // Shippers tail logs in order, so times advance through the run, slightly out of order.
    const progress = (this.ages.length + 0.5) / this.options.total;
    const age = Math.min(
      this.options.spanMs - 1,
      Math.max(1, Math.round(this.options.spanMs * (1 - progress) + (r() - 0.5) * JITTER_MS)),
    );
    const rest =
      `"message":${JSON.stringify(message)},"log":{"level":"${lvl}","offset":${container.offset}},` +
      `"container":{"name":"${container.name}","id":"${container.id}",` +
      `"image":{"name":"${container.image}","tag":"${container.tag}"}},` +
      `"host":{"name":"${container.host}"},"service":{"name":"${container.service}"}}`;
    // The offset makes every line unique, so no two events share a content-derived id.
    container.offset += TIMESTAMP_FIELD_BYTES + rest.length + 1;
    this.ages.push(age);
    this.countWords(message);
    return [age, rest];
  }

  private countWords(message: string): void {
    const words = new Set(
      message
        .toLowerCase()
        .match(TOKENS)
        ?.filter((token) => WORD.test(token)),
    );
    for (const word of words) this.wordEvents.set(word, (this.wordEvents.get(word) ?? 0) + 1);
  }
}
