import { DynamicModule, Module } from '@nestjs/common';
import { AlertingModule, NotifierModule } from '@logwarden/alerting';
import { AuthModule } from '@logwarden/auth';
import { BusModule } from '@logwarden/bus';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { DetectorModule } from '@logwarden/detector';
import { IngestModule } from '@logwarden/ingest';
import { OpsModule } from '@logwarden/ops';
import { ProcessorModule } from '@logwarden/processor';
import { SearchModule } from '@logwarden/search';
import { StoreModule } from '@logwarden/store';

/** Embedded mode: every capability in one process, on the in-process bus and SQLite. */
@Module({})
export class AppModule {
  static embedded(config: LogwardenConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        BusModule.inProcess(),
        StoreModule.embedded(),
        AuthModule,
        IngestModule,
        ProcessorModule.consumedBy(DetectorModule),
        SearchModule,
        DetectorModule,
        AlertingModule,
        NotifierModule,
      ],
    };
  }
}
