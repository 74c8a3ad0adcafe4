import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DetectionFigures, measureDetection } from './detection';
import { ElasticsearchBulkFigures, measureElasticsearchBulk } from './elasticsearch-bulk';
import { KafkaProduceFigures, measureKafkaProduce } from './kafka-produce';
import { BenchServer, MemoryFigures } from './server';
import { Batch, Workload, mulberry32 } from './workload';

/** Compiled to dist/bench/run.js, two levels below the checkout. */
const ROOT = resolve(__dirname, '..', '..');
const SERVER_MAIN = join(ROOT, 'dist', 'apps', 'logwarden', 'src', 'main.js');
const RESULTS_FILE = join(ROOT, '.bench', 'latest.json');
/**
 * Node flags of `npm start` (package.json): the server is measured as it runs.
 * LOGWARDEN_BENCH_NODE_FLAGS replaces them, to measure other settings.
 */
const SERVER_NODE_FLAGS = (
  process.env.LOGWARDEN_BENCH_NODE_FLAGS ??
  '--max-old-space-size=160 --max-semi-space-size=8 --heap-growing-percent=100'
)
  .split(' ')
  .filter((flag) => flag !== '');
/** Server settings a reader of the results must know; the bench sets the data dir and key itself. */
const SERVER_ENV = /^LOGWARDEN_(?!ADMIN_KEY$|DATA_DIR$|BENCH_NODE_FLAGS$)/;

const SETTINGS = {
  seed: 42,
  containers: 1_000,
  hosts: 20,
  spanMs: 60 * 60_000,
  ingestEvents: 300_000,
  /**
   * Fresh servers the first 300,000 events are ingested into; the median is the figure.
   * The machine's speed drifts by a fifth and more from one minute to the next: one run says little.
   */
  ingestTrials: 3,
  /**
   * Sent to every server before its timed ingest, untimed: a log server runs for days, and
   * the rate its first second shows (code not yet compiled, heap and WAL file not yet grown)
   * measured 3-21 % below the steady rate. Stamped a day before the workload, so no count
   * or search of the bench sees them.
   */
  warmupEvents: 20_000,
  totalEvents: 1_000_000,
  eventsPerRequest: 2_000,
  /** Requests' worth of events the in-process detection figure runs over. */
  detectionBatches: 50,
  concurrency: 8,
  warmupQueries: 10,
  measuredQueries: 200,
  /** Runs per informational query shape, after a few warm-ups. */
  shapeRuns: 20,
  shapeWarmups: 3,
  /** "Moderate frequency": a word in 1-5 % of messages, a handful of hits per container and 15 min. */
  wordShare: { min: 0.01, max: 0.05 },
  /** A 429 is honoured this many times for one request before the run gives up. */
  maxRetriesPerRequest: 60,
  /** Acknowledged means searchable; this bounds how long a violation of that is waited out. */
  searchableTimeoutMs: 10_000,
} as const;

const TARGETS = {
  ingestEventsPerSecond: 50_000,
  searchP95Ms: 50,
  peakRssBytes: 300e6,
};

interface IngestFigures {
  events: number;
  bytes: number;
  requests: number;
  retries429: number;
  /** First request to the last acknowledgement. */
  ackSeconds: number;
  /** First request to the moment a count over the store equals everything sent. */
  searchableSeconds: number;
  eventsPerSecond: number;
  megabytesPerSecond: number;
  /** Server CPU time, all threads, per event over the same span. */
  cpuMicrosPerEvent: number;
  /** Bytes the server wrote to storage per event over the same span. */
  diskBytesPerEvent: number;
}

interface LatencyFigures {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanHits: number;
}

interface SearchAnswer {
  total: number;
}

/** Histogram and terms answers alike. */
interface BucketsAnswer {
  buckets: { count: number }[];
}

const bucketSum = (answer: BucketsAnswer) =>
  answer.buckets.reduce((sum, bucket) => sum + bucket.count, 0);

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function query(path: string, params: Record<string, string | number>): string {
  const search = Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${path}?${search}`;
}

/** Everything stored, counted exactly (search totals stop at 10,000). */
async function storedEvents(server: BenchServer, fromMs: number): Promise<number> {
  const answer = await server.getJson<BucketsAnswer>(
    query('/api/v1/search/histogram', {
      q: '',
      from: new Date(fromMs).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      interval: '1h',
    }),
  );
  return bucketSum(answer);
}

/** Sends one batch until it is acknowledged; returns how many 429s that took. */
async function send(server: BenchServer, { body, events }: Batch): Promise<number> {
  for (let retries = 0; retries <= SETTINGS.maxRetriesPerRequest; retries++) {
    const response = await server.request('POST', '/api/v1/logs', body);
    if (response.status === 429) {
      const seconds = Number(response.headers['retry-after']);
      await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
      continue;
    }
    if (response.status !== 200) {
      throw new Error(
        `POST /api/v1/logs answered ${response.status}: ${response.body.slice(0, 500)}`,
      );
    }
    const answer = JSON.parse(response.body) as { accepted: number; rejected: number };
    if (answer.accepted !== events || answer.rejected !== 0) {
      throw new Error(
        `POST /api/v1/logs of ${events} events answered ${response.body.slice(0, 500)}`,
      );
    }
    return retries;
  }
  throw new Error(
    `POST /api/v1/logs still overloaded after ${SETTINGS.maxRetriesPerRequest} retries`,
  );
}

/** Sends `batches`, `concurrency` at a time, until each is acknowledged; returns the 429s. */
async function sendAll(server: BenchServer, batches: Batch[]): Promise<number> {
  let next = 0;
  let retries429 = 0;
  const worker = async () => {
    while (next < batches.length) retries429 += await send(server, batches[next++]);
  };
  await Promise.all(Array.from({ length: SETTINGS.concurrency }, worker));
  return retries429;
}

/**
 * Sends `batches` and times them until they are acknowledged and then visible
 * to search, which must then count exactly `expectedTotal` events.
 */
async function ingest(
  server: BenchServer,
  batches: Batch[],
  expectedTotal: number,
  oldestMs: number,
): Promise<IngestFigures> {
  // Garbage from building the bodies is collected now rather than inside the timed window.
  globalThis.gc?.();
  const workBefore = server.work();
  const started = performance.now();
  const retries429 = await sendAll(server, batches);
  const acked = performance.now();

  let stored = await storedEvents(server, oldestMs);
  while (stored < expectedTotal && performance.now() - acked < SETTINGS.searchableTimeoutMs) {
    await sleep(100);
    stored = await storedEvents(server, oldestMs);
  }
  const searchable = performance.now();
  const workAfter = server.work();
  if (stored !== expectedTotal) {
    throw new Error(`search counts ${stored} events where ${expectedTotal} were acknowledged`);
  }

  const events = batches.reduce((sum, batch) => sum + batch.events, 0);
  const bytes = batches.reduce((sum, batch) => sum + batch.body.length, 0);
  const searchableSeconds = (searchable - started) / 1000;
  return {
    events,
    bytes,
    requests: batches.length,
    retries429,
    ackSeconds: (acked - started) / 1000,
    searchableSeconds,
    eventsPerSecond: events / searchableSeconds,
    megabytesPerSecond: bytes / 1e6 / searchableSeconds,
    cpuMicrosPerEvent: ((workAfter.cpuSeconds - workBefore.cpuSeconds) * 1e6) / events,
    diskBytesPerEvent: (workAfter.diskWrittenBytes - workBefore.diskWrittenBytes) / events,
  };
}

/**
 * Sequential requests, so each latency is the server's alone and not queueing
 * behind another; `hitsOf` says how many events an answer accounts for.
 */
async function measure<T>(
  server: BenchServer,
  warmups: number,
  runs: number,
  nextPath: () => string,
  hitsOf: (answer: T) => number,
): Promise<LatencyFigures> {
  for (let i = 0; i < warmups; i++) await server.getJson(nextPath());
  const latencies: number[] = [];
  let hits = 0;
  for (let i = 0; i < runs; i++) {
    const path = nextPath();
    const started = performance.now();
    const answer = await server.getJson<T>(path);
    latencies.push(performance.now() - started);
    hits += hitsOf(answer);
  }
  latencies.sort((a, b) => a - b);
  return {
    runs,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1],
    meanHits: hits / runs,
  };
}

interface SearchFigures {
  words: string[];
  /** Share of the workload inside now-15m when searching began; a quarter at best, less as the run ages. */
  windowShare: number;
  containerWord: LatencyFigures;
  others: Record<string, LatencyFigures>;
}

/** Search latencies for the target shape and, for information, a few other common ones. */
async function search(server: BenchServer, workload: Workload): Promise<SearchFigures> {
  const random = mulberry32(SETTINGS.seed + 1);
  const pickFrom = (items: string[]) => items[Math.floor(random() * items.length)];
  const words = workload
    .wordsWithShare(SETTINGS.wordShare.min, SETTINGS.wordShare.max)
    .map(({ word }) => word);
  if (words.length === 0) throw new Error('the workload has no word of moderate frequency');
  const containerNames = workload.containers.map(({ name }) => name);
  const windowShare = workload.shareSince(Date.now() - 15 * 60_000);
  const searchTotal = (answer: SearchAnswer) => answer.total;

  const containerWord = await measure(
    server,
    SETTINGS.warmupQueries,
    SETTINGS.measuredQueries,
    () =>
      query('/api/v1/search', {
        q: `container.name:${pickFrom(containerNames)} AND ${pickFrom(words)}`,
        from: 'now-15m',
        size: 100,
      }),
    searchTotal,
  );
  const shape = <T>(next: () => string, hitsOf: (answer: T) => number) =>
    measure(server, SETTINGS.shapeWarmups, SETTINGS.shapeRuns, next, hitsOf);
  const others: Record<string, LatencyFigures> = {
    'one word, all containers, 15m': await shape(
      () => query('/api/v1/search', { q: pickFrom(words), from: 'now-15m', size: 100 }),
      searchTotal,
    ),
    'histogram, all events, 1h at 1m': await shape(
      () => query('/api/v1/search/histogram', { q: '', from: 'now-1h', interval: '1m' }),
      bucketSum,
    ),
    'terms container.name, 15m, top 10': await shape(
      () => query('/api/v1/search/terms', { field: 'container.name', from: 'now-15m', size: 10 }),
      bucketSum,
    ),
  };
  return { words, windowShare, containerWord, others };
}

interface Results {
  finishedAt: string;
  environment: { node: string; cpus: number; cpuModel: string };
  /** LOGWARDEN_* variables passed through to the server, which change what is measured. */
  serverEnv: Record<string, string | undefined>;
  serverNodeFlags: string[];
  settings: typeof SETTINGS;
  workload: { events: number; meanLineBytes: number; fingerprint: string };
  /** The median of `ingestTrials`, by events per second. */
  ingest: IngestFigures;
  ingestTrials: IngestFigures[];
  fill: IngestFigures;
  search: SearchFigures;
  detection: DetectionFigures;
  /** Distributed mode's own CPU cost per event, in this process, without network. */
  distributed: { kafkaProduce: KafkaProduceFigures; elasticsearchBulk: ElasticsearchBulkFigures };
  /** The largest of every server's figures. */
  memory: MemoryFigures;
  store: { bytesRunning: number; bytesAfterStop: number };
  targets: typeof TARGETS & { verdicts: Record<'ingest' | 'searchP95' | 'peakRss', boolean> };
}

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${number(bytes / 1e6, 1)} MB`;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function table(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  '),
    )
    .join('\n');
}

function report(r: Results): string {
  const phaseRow = (name: string, f: IngestFigures) => [
    name,
    number(f.events),
    mb(f.bytes),
    number(f.ackSeconds, 2),
    number(f.searchableSeconds, 2),
    number(f.eventsPerSecond),
    number(f.megabytesPerSecond, 1),
    f.retries429,
    number(f.cpuMicrosPerEvent, 1),
    number(f.diskBytesPerEvent),
  ];
  const latencyRow = (name: string, f: LatencyFigures) => [
    name,
    f.runs,
    number(f.p50Ms, 1),
    number(f.p95Ms, 1),
    number(f.p99Ms, 1),
    number(f.maxMs, 1),
    number(f.meanHits, 1),
  ];
  const { settings: s, search: q, targets: t } = r;
  const serverEnv = Object.entries(r.serverEnv).map(([key, value]) => `${key}=${value}`);
  return `
Logwarden bench: node ${r.environment.node}, ${r.environment.cpus} CPUs (${r.environment.cpuModel})
Server: node ${r.serverNodeFlags.join(' ')}${serverEnv.length ? ` with ${serverEnv.join(' ')}` : ''}
Workload: ${number(r.workload.events)} events from ${number(s.containers)} containers on ${s.hosts} hosts, seed ${s.seed}, fingerprint ${r.workload.fingerprint}
          mean NDJSON line ${number(r.workload.meanLineBytes, 1)} bytes; now-15m held ${number(q.windowShare * 100, 1)} % of events when searching began
          ${q.words.length} search words in ${s.wordShare.min * 100}-${s.wordShare.max * 100} % of messages (e.g. ${q.words.slice(0, 6).join(', ')})

${table([
  [
    'Ingest',
    'events',
    'sent',
    'acked s',
    'searchable s',
    'events/s',
    'MB/s',
    '429s',
    'CPU us/event',
    'disk B/event',
  ],
  phaseRow(`first ${number(s.ingestEvents)}`, r.ingest),
  phaseRow(`fill to ${number(s.totalEvents)}`, r.fill),
])}
(rates from the first request until search counts every event sent; ${number(s.eventsPerRequest)} events per request, ${s.concurrency} in flight;
 first ${number(s.ingestEvents)}: median of ${r.ingestTrials.length} fresh servers, ${r.ingestTrials.map((f) => number(f.eventsPerSecond)).join(' / ')} events/s,
 each after ${number(s.warmupEvents)} untimed warm-up events;
 CPU: the server's threads together over the same span; disk: bytes it wrote to storage, WAL and checkpoints)

${table([
  ['Search (ms, client side, sequential)', 'runs', 'p50', 'p95', 'p99', 'max', 'mean hits'],
  latencyRow('container AND word, 15m, size 100', q.containerWord),
  ...Object.entries(q.others).map(([name, f]) => latencyRow(name, f)),
])}
(hits: a search's total, capped at 10,000; the events a histogram or the top terms count)

${table([
  [
    'Detection (in-process, one core)',
    'rules',
    'events',
    'read by a rule',
    'detections',
    'us/event',
    'events/s',
  ],
  [
    'built-in pack over the first batches',
    r.detection.rules,
    number(r.detection.events),
    number(r.detection.read),
    r.detection.detections,
    number(r.detection.microsPerEvent, 2),
    number(r.detection.eventsPerSecond),
  ],
])}

${table([
  ['Distributed path (in-process, one core)', 'events', 'events/s', 'us/event', 'MB/s'],
  [
    'publish to Kafka (kafkajs batching, gzip) into memory',
    number(r.distributed.kafkaProduce.events),
    number(r.distributed.kafkaProduce.eventsPerSecond),
    number(r.distributed.kafkaProduce.microsPerEvent, 2),
    number(r.distributed.kafkaProduce.megabytesPerSecond, 1),
  ],
  [
    `Elasticsearch _bulk bodies (${number(r.distributed.elasticsearchBulk.bytesPerEvent)} bytes/event)`,
    number(r.distributed.elasticsearchBulk.events),
    number(r.distributed.elasticsearchBulk.eventsPerSecond),
    number(1e6 / r.distributed.elasticsearchBulk.eventsPerSecond, 2),
    number(r.distributed.elasticsearchBulk.megabytesPerSecond, 1),
  ],
])}

Server memory: peak RSS (VmHWM) ${mb(r.memory.peakRssBytes)}, max sampled VmRSS ${mb(r.memory.maxSampledRssBytes)} (largest of ${r.ingestTrials.length} servers)
Store on disk: ${mb(r.store.bytesRunning)} while running, ${mb(r.store.bytesAfterStop)} after shutdown

${table([
  ['Target', 'measured', 'verdict'],
  [
    `ingest >= ${number(t.ingestEventsPerSecond)} events/s`,
    number(r.ingest.eventsPerSecond),
    verdict(t.verdicts.ingest),
  ],
  [
    `search p95 < ${t.searchP95Ms} ms`,
    `${number(q.containerWord.p95Ms, 1)} ms`,
    verdict(t.verdicts.searchP95),
  ],
  [
    `server peak RSS < ${mb(t.peakRssBytes)}`,
    mb(r.memory.peakRssBytes),
    verdict(t.verdicts.peakRss),
  ],
])}`;
}

/** Servers started and not yet disposed of. */
const running = new Set<BenchServer>();

/** A fresh server, warmed up with `warmup` (see `SETTINGS.warmupEvents`). */
async function startServer(warmup: Batch[]): Promise<BenchServer> {
  const server = await BenchServer.start(SERVER_MAIN, SERVER_NODE_FLAGS, SETTINGS.concurrency);
  running.add(server);
  console.log(`server pid ${server.pid} on 127.0.0.1:${server.port}, data in ${server.dataDir}`);
  await sendAll(server, warmup);
  return server;
}

function dispose(server: BenchServer): void {
  server.dispose();
  running.delete(server);
}

async function main(): Promise<void> {
  const anchorMs = Date.now();
  const oldestMs = anchorMs - SETTINGS.spanMs;
  const workload = new Workload({
    seed: SETTINGS.seed,
    containers: SETTINGS.containers,
    hosts: SETTINGS.hosts,
    anchorMs,
    spanMs: SETTINGS.spanMs,
    total: SETTINGS.totalEvents,
  });
  // Every body is built before the server starts: the client shares two cores with it.
  console.log(`building ${number(SETTINGS.totalEvents)} events...`);
  const firstBatches = workload.batches(SETTINGS.ingestEvents, SETTINGS.eventsPerRequest);
  const fillBatches = workload.batches(
    SETTINGS.totalEvents - SETTINGS.ingestEvents,
    SETTINGS.eventsPerRequest,
  );
  const warmup = new Workload({
    seed: SETTINGS.seed + 2,
    containers: SETTINGS.containers,
    hosts: SETTINGS.hosts,
    anchorMs: oldestMs - 24 * 60 * 60_000,
    spanMs: SETTINGS.spanMs,
    total: SETTINGS.warmupEvents,
  }).batches(SETTINGS.warmupEvents, SETTINGS.eventsPerRequest);

  console.log('detection...');
  const sample = firstBatches.slice(0, SETTINGS.detectionBatches);
  const detection = measureDetection(ROOT, sample);
  console.log('distributed path...');
  const distributed = {
    kafkaProduce: await measureKafkaProduce(sample),
    elasticsearchBulk: measureElasticsearchBulk(sample),
  };

  // Covers an uncaught error or Ctrl-C: no server or its data outlives the bench.
  const cleanUp = () => running.forEach((server) => server.dispose());
  const interrupted = () => process.exit(130);
  process.once('exit', cleanUp);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let server: BenchServer | undefined;
  try {
    server = await startServer(warmup);
    console.log(`ingest: ${number(SETTINGS.ingestEvents)} events...`);
    const trials = [await ingest(server, firstBatches, SETTINGS.ingestEvents, oldestMs)];
    console.log(`fill: to ${number(SETTINGS.totalEvents)} events...`);
    const fill = await ingest(server, fillBatches, SETTINGS.totalEvents, oldestMs);
    console.log('search...');
    const searched = await search(server, workload);

    const bytesRunning = server.dataBytes();
    const memories = [server.memory()];
    await server.stop();
    const bytesAfterStop = server.dataBytes();
    dispose(server);
    // The other trials come after the searches, so these run as long after the workload's start as ever.
    while (trials.length < SETTINGS.ingestTrials) {
      server = await startServer(warmup);
      console.log(`ingest trial ${trials.length + 1}: ${number(SETTINGS.ingestEvents)} events...`);
      trials.push(await ingest(server, firstBatches, SETTINGS.ingestEvents, oldestMs));
      memories.push(server.memory());
      await server.stop();
      dispose(server);
    }
    const first = [...trials].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[
      Math.floor(trials.length / 2)
    ];
    const memory: MemoryFigures = {
      peakRssBytes: Math.max(...memories.map((m) => m.peakRssBytes)),
      maxSampledRssBytes: Math.max(...memories.map((m) => m.maxSampledRssBytes)),
    };

    const results: Results = {
      finishedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
      },
      serverEnv: Object.fromEntries(
        Object.entries(process.env).filter(([key]) => SERVER_ENV.test(key)),
      ),
      serverNodeFlags: SERVER_NODE_FLAGS,
      settings: SETTINGS,
      workload: {
        events: workload.events,
        meanLineBytes: workload.meanLineBytes,
        fingerprint: workload.digest(),
      },
      ingest: first,
      ingestTrials: trials,
      fill,
      search: searched,
      detection,
      distributed,
      memory,
      store: { bytesRunning, bytesAfterStop },
      targets: {
        ...TARGETS,
        verdicts: {
          ingest: first.eventsPerSecond >= TARGETS.ingestEventsPerSecond,
          searchP95: searched.containerWord.p95Ms < TARGETS.searchP95Ms,
          peakRss: memory.peakRssBytes < TARGETS.peakRssBytes,
        },
      },
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(report(results));
    console.log(`\nResults written to ${relative(process.cwd(), RESULTS_FILE)}`);
  } catch (error) {
    const log = server?.recentLog.trim();
    if (log) console.error(`--- last server output ---\n${log}\n---`);
    throw error;
  } finally {
    cleanUp();
    process.removeListener('exit', cleanUp);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
