import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from '@logwarden/bus';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { OpsModule } from '@logwarden/ops';
import { StoreModule } from '@logwarden/store';
import { ProcessorModule } from '@logwarden/processor';

/** Normalizes raw records from `logs.raw`, stores them, and passes them on to `logs.events`. */
@Module({})
export class ProcessorAppModule {
  static distributed(config: LogwardenConfig): DynamicModule {
    return {
      module: ProcessorAppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        BusModule.kafka(),
        StoreModule.elasticsearch(),
        ProcessorModule,
      ],
    };
  }
}
