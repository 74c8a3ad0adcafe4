import 'reflect-metadata';
import { DynamicModule, Logger } from '@nestjs/common';
import { ConfigError, DeploymentMode, LogwardenConfig, loadConfig } from '@logwarden/config';
import { createHttpApp } from './create-http-app';

/** What distributed mode cannot run without. */
function checkDistributed(config: LogwardenConfig): void {
  if (config.kafka.brokers.length === 0) throw new ConfigError('KAFKA_BROKERS must be set');
  if (config.elasticsearch.url === '') throw new ConfigError('ELASTICSEARCH_URL must be set');
}

/**
 * Starts one Logwarden process: reads the configuration (a mistake exits 2 with the
 * reason), serves the module's HTTP API, and on SIGTERM/SIGINT drains in-flight
 * requests and lets every module finish its work before exiting.
 */
export async function runApp(
  name: string,
  mode: DeploymentMode,
  module: (config: LogwardenConfig) => DynamicModule,
): Promise<void> {
  let config: LogwardenConfig;
  try {
    config = loadConfig();
    if (config.mode !== mode) {
      throw new ConfigError(
        `${name} runs in ${mode} mode, but LOGWARDEN_MODE is ${config.mode}` +
          (mode === 'embedded' ? '; distributed mode runs apps/ingest, apps/processor, ...' : ''),
      );
    }
    if (mode === 'distributed') checkDistributed(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`logwarden ${name}: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createHttpApp(module(config), { maxBodyBytes: config.maxBodyBytes });
  const logger = new Logger('Logwarden');
  const shutdown = (signal: string) => {
    logger.log(`${signal} received, shutting down`);
    // Keep-alive connections that finish a request after close began would otherwise linger for keepAliveTimeout.
    const server = app.getHttpServer();
    setInterval(() => server.closeIdleConnections(), 100).unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen(config.port, config.host);
  logger.log(
    mode === 'embedded'
      ? `embedded mode listening on ${config.host}:${config.port}, data in ${config.dataDir}`
      : `${name} listening on ${config.host}:${config.port}`,
  );
}
