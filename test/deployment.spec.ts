import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

// docker-compose.yml as Compose itself reads it (Debian's docker-compose validates and
// resolves the file without a Docker engine), checked against what the apps need. CI
// installs it (.ci/run); elsewhere the suite runs where it is installed.
const available =
  spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).error === undefined ||
  process.env.CI === 'true';

type Port = { published: number | string; target: number | string };
type Volume = string | { source?: string; target: string };

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: Port[];
  volumes?: Volume[];
}

const APPS = ['ingest', 'processor', 'detector', 'notifier', 'api'];
const ADMIN_KEY = 'compose-admin-key-0123456789';

function composeConfig(env: Record<string, string>) {
  return spawnSync('docker-compose', ['config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

/** Compose v1 and v2 print ports and volumes differently; both read the same here. */
function ports(service: Service): { published: number; target: number }[] {
  return (service.ports ?? []).map(({ published, target }) => ({
    published: Number(published),
    target: Number(target),
  }));
}

function volumes(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target };
    const [source, target] = volume.split(':');
    return { source, target };
  });
}

(available ? describe : describe.skip)('docker-compose.yml', () => {
  let services: Record<string, Service>;

  beforeAll(() => {
    const output = execFileSync('docker-compose', ['config'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', LOGWARDEN_ADMIN_KEY: ADMIN_KEY },
    });
    services = (parse(output) as { services: Record<string, Service> }).services;
  });

  it('refuses to start without an admin key, saying what to set', () => {
    const result = composeConfig({});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set LOGWARDEN_ADMIN_KEY to at least 16 characters');
  });

  it.each(APPS)(
    'runs the %s app from the one image, once Kafka and Elasticsearch are healthy',
    (name) => {
      const service = services[name];
      expect(service.build).toBeDefined();
      const [node, entry] = service.command ?? [];
      expect(node).toBe('node');
      // The built entry of an app that exists: dist/apps/<app>/src/main.js from apps/<app>/src/main.ts.
      expect(entry).toBe(`dist/apps/${name}/src/main.js`);
      expect(existsSync(`apps/${name}/src/main.ts`)).toBe(true);
      expect(service.environment).toMatchObject({
        LOGWARDEN_MODE: 'distributed',
        LOGWARDEN_ADMIN_KEY: ADMIN_KEY,
      });
      expect(service.depends_on).toEqual({
        kafka: { condition: 'service_healthy' },
        elasticsearch: { condition: 'service_healthy' },
      });
    },
  );

  it('points the apps at the broker and the cluster by their service names and ports', () => {
    const kafka = services.kafka.environment ?? {};
    const internal = /INTERNAL:\/\/([^,]+)/.exec(kafka.KAFKA_ADVERTISED_LISTENERS ?? '')?.[1];
    expect(kafka.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
    for (const name of APPS) {
      expect(services[name].environment?.KAFKA_BROKERS).toBe(internal);
      expect(services[name].environment?.ELASTICSEARCH_URL).toBe('http://elasticsearch:9200');
    }
    // The apps create their topics; a typo'd topic name must not create one behind their back.
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(services.kafka.healthcheck).toBeDefined();
    // What was acknowledged to shippers outlives the broker's container.
    expect(volumes(services.kafka)).toContainEqual({
      source: 'kafka-data',
      target: kafka.KAFKA_LOG_DIRS,
    });
    expect(services.elasticsearch.image).toMatch(/elasticsearch:8\.19\./);
    expect(services.elasticsearch.healthcheck).toBeDefined();
  });

  it('sends alert emails to the SMTP sink, whose web UI is published', () => {
    expect(services.notifier.environment).toMatchObject({
      SMTP_URL: 'smtp://mailpit:1025',
      LOGWARDEN_ALERT_EMAIL_TO: expect.stringContaining('@'),
    });
    expect(ports(services.mailpit)).toContainEqual({ published: 8025, target: 8025 });
  });

  it('serves shippers and people on port 8080 through a gateway to ingest and api', () => {
    const gateway = services.gateway;
    expect(ports(gateway)).toContainEqual({ published: 8080, target: 8080 });
    expect(gateway.depends_on).toEqual({
      ingest: { condition: 'service_healthy' },
      api: { condition: 'service_healthy' },
    });
    const nginx = readFileSync(volumes(gateway)[0].source, 'utf8');
    const upstreams = [...nginx.matchAll(/server (\w+):(\d+);/g)].map(([, host, port]) => ({
      host,
      port,
    }));
    expect(upstreams).toEqual([
      { host: 'ingest', port: '8080' },
      { host: 'api', port: '8080' },
    ]);
  });
});
