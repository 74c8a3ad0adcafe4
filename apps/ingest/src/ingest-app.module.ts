import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@logwarden/auth';
import { BusModule } from '@logwarden/bus';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { IngestModule } from '@logwarden/ingest';
import { OpsModule } from '@logwarden/ops';
import { StoreModule } from '@logwarden/store';

/** Receives shippers' requests and acknowledges them once Kafka has their events. */
@Module({})
export class IngestAppModule {
  static distributed(config: LogwardenConfig): DynamicModule {
    return {
      module: IngestAppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        BusModule.kafka(),
        StoreModule.elasticsearch(),
        AuthModule,
        IngestModule,
      ],
    };
  }
}
