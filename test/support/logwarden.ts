import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogwardenConfig, loadConfig } from '@logwarden/config';
import { createHttpApp } from '@logwarden/http';
import { AppModule } from '../../apps/logwarden/src/app.module';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface RunningLogwarden {
  app: NestFastifyApplication;
  url: string;
  dataDir: string;
  config: LogwardenConfig;
  /** Stops the server; the data directory stays for a restart. */
  stop(): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'logwarden-test-'));
}

/**
 * Starts embedded Logwarden on a loopback port with its data in a temporary directory.
 * `env` is read as the process environment would be; `overrides` win over it.
 */
export async function startLogwarden(
  overrides: Partial<LogwardenConfig> = {},
  env: Record<string, string> = {},
): Promise<RunningLogwarden> {
  const config: LogwardenConfig = {
    ...loadConfig(env),
    adminKey: ADMIN_KEY,
    host: '127.0.0.1',
    port: 0,
    ...overrides,
    // A restart passes the directory it reopens; a new one would be left behind empty.
    dataDir: overrides.dataDir ?? tempDataDir(),
  };
  const app = await createHttpApp(AppModule.embedded(config), {
    maxBodyBytes: config.maxBodyBytes,
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    url,
    dataDir: config.dataDir,
    config,
    stop,
    destroy: async () => {
      await stop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(key: string): { Authorization: string } {
  return { Authorization: `Bearer ${key}` };
}

/** Creates an API key through the API and answers its bearer token. */
export async function createKey(
  url: string,
  roles: string[],
  tenant = 'default',
  name = 'test',
): Promise<string> {
  const response = await fetch(`${url}/api/v1/keys`, {
    method: 'POST',
    headers: { ...bearer(ADMIN_KEY), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, roles, tenant }),
  });
  if (response.status !== 201)
    throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
