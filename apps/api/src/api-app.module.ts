import { DynamicModule, Module } from '@nestjs/common';
import { AlertingModule } from '@logwarden/alerting';
import { AuthModule } from '@logwarden/auth';
import { ConfigModule, LogwardenConfig } from '@logwarden/config';
import { RulesModule } from '@logwarden/detector';
import { OpsModule } from '@logwarden/ops';
import { SearchModule } from '@logwarden/search';
import { StoreModule } from '@logwarden/store';

/** The API for people: search, alerts, silences, rules and keys; it reads the store only. */
@Module({})
export class ApiAppModule {
  static distributed(config: LogwardenConfig): DynamicModule {
    return {
      module: ApiAppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule,
        StoreModule.elasticsearch(),
        AuthModule,
        SearchModule,
        RulesModule,
        AlertingModule,
      ],
    };
  }
}
