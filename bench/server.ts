import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, IncomingHttpHeaders, request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface MemoryFigures {
  /** The kernel's high-water mark of the resident set (VmHWM): exact, whenever it happened. */
  peakRssBytes: number;
  /** Largest VmRSS seen by sampling every 250 ms; a check on the figure above. */
  maxSampledRssBytes: number;
}

/**
 * What the server has done so far. Per event, the bytes written depend on the code, the
 * store's size and the rows per transaction; the CPU time, like the rate, also on the host.
 */
export interface WorkFigures {
  /** User plus system CPU time of all its threads. */
  cpuSeconds: number;
  /** Bytes it caused to be written to storage: the WAL, checkpoints, the database. */
  diskWrittenBytes: number;
}

/** Linux reports process times in USER_HZ, 100 per second on every architecture it runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 120_000;
const RSS_SAMPLE_MS = 250;
const EXIT_GRACE_MS = 200;
/** Enough of the server's own log to explain a crash without flooding the terminal. */
const LOG_TAIL_BYTES = 8192;

async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Bytes from /proc/<pid>/status for a `kB` field such as VmRSS; 0 once the process is gone. */
function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function procWork(pid: number): WorkFigures {
  // The command name, in parentheses, may hold spaces: count fields after its end.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line: the 12th and 13th after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const io = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, diskWrittenBytes: io ? Number(io[1]) : 0 };
}

function directoryBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += directoryBytes(child);
    else if (entry.isFile()) total += statSync(child).size;
  }
  return total;
}

/**
 * The compiled Logwarden in embedded mode, alone in a fresh data directory on a
 * loopback port, with a keep-alive client that speaks to it as an admin.
 */
export class BenchServer {
  private readonly agent: Agent;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;
  private logTail = '';
  private maxSampledRss = 0;
  private readonly sampler: NodeJS.Timeout;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    readonly dataDir: string,
    private readonly adminKey: string,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const keepTail = (chunk: Buffer) => {
      this.logTail = (this.logTail + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
    });
    this.sampler = setInterval(() => {
      this.maxSampledRss = Math.max(this.maxSampledRss, procStatusBytes(pid, 'VmRSS'));
    }, RSS_SAMPLE_MS);
    this.sampler.unref();
  }

  /** Starts `mainPath` under `node <nodeFlags>` and resolves once /readyz answers 200. */
  static async start(
    mainPath: string,
    nodeFlags: readonly string[],
    concurrency: number,
  ): Promise<BenchServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'logwarden-bench-'));
    const port = await freeLoopbackPort();
    // A fresh random key per run: nothing secret is ever printed or kept.
    const adminKey = randomBytes(24).toString('base64url');
    const child = spawn(process.execPath, [...nodeFlags, mainPath], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOGWARDEN_DATA_DIR: dataDir,
        LOGWARDEN_ADMIN_KEY: adminKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`could not start ${process.execPath} ${mainPath}`);
    }
    const server = new BenchServer(child, child.pid, port, dataDir, adminKey, concurrency);
    try {
      await server.waitUntilReady();
    } catch (error) {
      server.dispose();
      const log = server.recentLog.trim();
      throw log ? new Error(`${(error as Error).message}\n--- server output ---\n${log}`) : error;
    }
    return server;
  }

  /** What the server printed last, for explaining a failure. */
  get recentLog(): string {
    return this.logTail;
  }

  request(method: 'GET' | 'POST', path: string, body?: Buffer): Promise<HttpResponse> {
    const headers: Record<string, string | number> = { authorization: `Bearer ${this.adminKey}` };
    if (body) {
      headers['content-type'] = 'application/x-ndjson';
      headers['content-length'] = body.length;
    }
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`${method} ${path} got no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      );
      // A dropped connection is usually the server dying: give its exit a moment to be seen.
      req.on('error', (error) => void sleep(EXIT_GRACE_MS).then(() => reject(this.explain(error))));
      req.end(body);
    });
  }

  /** GET expecting 200 and JSON; anything else fails the run. */
  async getJson<T>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    if (response.status !== 200) {
      throw new Error(`GET ${path} answered ${response.status}: ${response.body.slice(0, 500)}`);
    }
    return JSON.parse(response.body) as T;
  }

  /** Store size on disk: every file under the data directory, WAL included. */
  dataBytes(): number {
    return directoryBytes(this.dataDir);
  }

  /** Totals since the server started; read it before stopping. */
  work(): WorkFigures {
    this.assertAlive();
    return procWork(this.pid);
  }

  /** Must be read before stopping: VmHWM vanishes with the process. */
  memory(): MemoryFigures {
    const peakRssBytes = procStatusBytes(this.pid, 'VmHWM');
    return {
      peakRssBytes,
      maxSampledRssBytes: Math.max(this.maxSampledRss, procStatusBytes(this.pid, 'VmRSS')),
    };
  }

  /** SIGTERM, then waits for a clean exit; a hang or a crash on the way out fails the run. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sampler);
    this.agent.destroy();
    this.assertAlive();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const clean = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)]);
    if (!clean) throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    const { code, signal } = this.exit ?? { code: null, signal: null };
    if (code !== 0 && signal !== 'SIGTERM') {
      throw new Error(`server exited with code ${code} (signal ${signal}) after SIGTERM`);
    }
  }

  /**
   * Kills whatever is left and removes the data directory. Synchronous so that it
   * also works from a process 'exit' handler; safe to call more than once.
   */
  dispose(): void {
    clearInterval(this.sampler);
    this.agent.destroy();
    if (!this.exit) this.child.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private assertAlive(): void {
    if (this.exit) throw new Error(this.exitDescription());
  }

  private explain(error: Error): Error {
    if (!this.exit || this.stopping) return error;
    return new Error(`${this.exitDescription()}: ${error.message}`);
  }

  private exitDescription(): string {
    return `server exited unexpectedly (code ${this.exit?.code}, signal ${this.exit?.signal})`;
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      this.assertAlive();
      const status = await this.request('GET', '/readyz').then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return;
      await sleep(100);
    }
    throw new Error(`server was not ready within ${READY_TIMEOUT_MS} ms`);
  }
}
