import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { Metrics } from './metrics';
import { Readiness } from './readiness';

/** Health, readiness and Prometheus metrics, shared by every app. */
@Global()
@Module({
  controllers: [HealthController],
  providers: [Metrics, Readiness],
  exports: [Metrics, Readiness],
})
export class OpsModule {}
