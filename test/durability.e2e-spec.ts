import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectorService } from '../libs/detector/src/detector.service';
import { ADMIN_KEY, startLogwarden, tempDataDir, freePort } from './support/logwarden';
import { call, ndjson, postLogs, search } from './support/http';

const ROOT = join(__dirname, '..');
const children: ChildProcess[] = [];

// Each test starts real processes and compiles the entry point on the fly.
jest.setTimeout(120_000);
afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

/** The real entry point in its own process, as `npm start` runs it. */
async function spawnLogwarden(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'apps/logwarden/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOGWARDEN_DATA_DIR: dataDir,
        LOGWARDEN_ADMIN_KEY: ADMIN_KEY,
        ...env,
      },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('logwarden did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('durability', () => {
  it('keeps stored events across a restart', async () => {
    const first = await startLogwarden();
    const sent = await postLogs(first.url, ndjson([{ message: 'before restart persisted-line' }]));
    expect(sent.status).toBe(200);
    await first.stop();

    const second = await startLogwarden({ dataDir: first.dataDir });
    try {
      const found = await search(second.url, { q: 'persisted' });
      expect(found.body.total).toBe(1);
      expect(found.body.hits[0].message).toBe('before restart persisted-line');
    } finally {
      await second.destroy();
    }
  });

  it('judges each event once across a restart, those no rule reads included', async () => {
    const detectorEvents = async (url: string) =>
      Number(
        /^logwarden_detector_events_total (\d+)$/m.exec(
          (await call(url, '/metrics', { key: null })).text,
        )?.[1],
      );
    // The processor asks the detector which events its rules read, and holds only those.
    const asked = jest.spyOn(DetectorService.prototype, 'wants');
    const first = await startLogwarden();
    try {
      await postLogs(
        first.url,
        ndjson([{ message: 'Failed password for root from 203.0.113.9 port 40022 ssh2' }]),
      );
      await postLogs(
        first.url,
        ndjson(['GET / 200', 'GET /a 200', 'GET /b 200'].map((message) => ({ message }))),
      );
      expect(await detectorEvents(first.url)).toBe(4);
      expect(asked.mock.results.map((result) => result.value as boolean)).toEqual([
        true,
        false,
        false,
        false,
      ]);
    } finally {
      asked.mockRestore();
      await first.stop();
    }

    // Had the detector's position stayed at the failed login, the three would be judged again.
    const second = await startLogwarden({ dataDir: first.dataDir });
    try {
      expect(await detectorEvents(second.url)).toBe(0);
    } finally {
      await second.destroy();
    }
  });

  /** Sends 200-line batches from four workers until stopped; answers what was acknowledged. */
  function sendContinuously(url: string) {
    const acknowledged: number[] = [];
    const failures: number[] = [];
    let stop = false;
    const sender = async (worker: number) => {
      for (let batch = 0; !stop && batch < 10_000; batch++) {
        const id = worker * 100_000 + batch;
        const lines = Array.from({ length: 200 }, (_, i) => ({
          message: `batch-${id} line ${i}`,
          batch: id,
        }));
        try {
          const response = await postLogs(url, ndjson(lines));
          if (response.status === 200) acknowledged.push(id);
          else failures.push(response.status);
        } catch {
          return;
        }
      }
    };
    const senders = Promise.all([0, 1, 2, 3].map(sender));
    return {
      acknowledged,
      failures,
      finish: async () => {
        stop = true;
        await senders;
      },
    };
  }

  async function expectAllStored(dataDir: string, acknowledged: number[]) {
    const restarted = await startLogwarden({ dataDir });
    try {
      const stored = await call(restarted.url, '/api/v1/search/terms?field=batch&size=1000');
      const counts = new Map<number, number>(
        stored.body.buckets.map((b: { value: number; count: number }) => [b.value, b.count]),
      );
      for (const id of acknowledged)
        expect({ id, stored: counts.get(id) }).toEqual({ id, stored: 200 });
    } finally {
      await restarted.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('loses nothing acknowledged when killed with SIGKILL mid-ingest', async () => {
    const dataDir = tempDataDir();
    const { child, url } = await spawnLogwarden(dataDir);
    const traffic = sendContinuously(url);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGKILL');
    await exited(child);
    await traffic.finish();
    expect(traffic.acknowledged.length).toBeGreaterThan(4);
    await expectAllStored(dataDir, traffic.acknowledged);
  });

  it('drains in-flight requests on SIGTERM and exits cleanly', async () => {
    const dataDir = tempDataDir();
    const { child, url } = await spawnLogwarden(dataDir);
    const traffic = sendContinuously(url);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await traffic.finish();
    // Fastify answers 503 on connections still open while it closes; shippers retry those.
    expect(traffic.failures.filter((status) => status !== 503)).toEqual([]);
    expect(traffic.acknowledged.length).toBeGreaterThan(4);
    await expectAllStored(dataDir, traffic.acknowledged);
  });

  it('resumes detection after kill -9: no alert missed, none repeated', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'logwarden-rules-'));
    writeFileSync(
      join(rules, 'brute-force.yml'),
      `id: test-brute-force
name: Test brute force
category: unauthorized-access
severity: high
type: threshold
filter: 'event.outcome:failure'
group_by: [source.ip]
threshold: {count: 5, window: 10m}
`,
    );
    const env = { LOGWARDEN_RULES_DIR: rules };
    const failures = (ip: string, count: number) =>
      ndjson(
        Array.from({ length: count }, () => ({
          '@timestamp': new Date().toISOString(),
          message: `Failed password for admin from ${ip} port 40022 ssh2`,
        })),
      );
    const alertsOf = async (url: string) =>
      ((await call(url, '/api/v1/alerts?rule=test-brute-force')).body.alerts as any[]).map(
        (alert) => [alert.group['source.ip'], alert.count],
      );
    const dataDir = tempDataDir();
    try {
      const first = await spawnLogwarden(dataDir, env);
      children.push(first.child);
      expect((await postLogs(first.url, failures('10.1.1.1', 3))).status).toBe(200);
      expect((await postLogs(first.url, failures('10.2.2.2', 5))).status).toBe(200);
      expect(await alertsOf(first.url)).toEqual([['10.2.2.2', 1]]);
      first.child.kill('SIGKILL');
      await exited(first.child);

      const second = await spawnLogwarden(dataDir, env);
      children.push(second.child);
      // Three failures before the crash and two after make five: the window survived.
      expect((await postLogs(second.url, failures('10.1.1.1', 2))).status).toBe(200);
      expect((await alertsOf(second.url)).sort()).toEqual([
        ['10.1.1.1', 1],
        ['10.2.2.2', 1],
      ]);
      second.child.kill('SIGTERM');
      await exited(second.child);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(rules, { recursive: true, force: true });
    }
  });
});
