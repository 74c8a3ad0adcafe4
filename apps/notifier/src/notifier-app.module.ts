import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from '@logwarden/bus';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { OpsModule } from '@logwarden/ops';
import { StoreModule } from '@logwarden/store';
import { NotifierModule } from '@logwarden/alerting';

/** Turns detections into alerts and announces them through the outbox. */
@Module({})
export class NotifierAppModule {
  static distributed(config: LogwardenConfig): DynamicModule {
    return {
      module: NotifierAppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        BusModule.kafka(),
        StoreModule.elasticsearch(),
        NotifierModule,
      ],
    };
  }
}
