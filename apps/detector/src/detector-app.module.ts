import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from '@logwarden/bus';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { OpsModule } from '@logwarden/ops';
import { StoreModule } from '@logwarden/store';
import { DetectorModule } from '@logwarden/detector';

/** Runs the rules over `logs.events` and publishes detections on `alerts`. */
@Module({})
export class DetectorAppModule {
  static distributed(config: LogwardenConfig): DynamicModule {
    return {
      module: DetectorAppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        BusModule.kafka(),
        StoreModule.elasticsearch(),
        DetectorModule,
      ],
    };
  }
}
