import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@logwarden/config';
import { createHttpApp } from '@logwarden/http';
import { AppModule } from './app.module';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`logwarden: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.mode !== 'embedded') {
    process.stderr.write(
      'logwarden: LOGWARDEN_MODE=distributed runs the apps one by one; this entry is embedded mode\n',
    );
    process.exit(2);
  }
  const app = await createHttpApp(AppModule.embedded(config), {
    maxBodyBytes: config.maxBodyBytes,
  });
  const logger = new Logger('Logwarden');
  // Closing drains in-flight requests, then commits and closes the store, before the process exits.
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
  logger.log(`embedded mode listening on ${config.host}:${config.port}, data in ${config.dataDir}`);
}

void main();
