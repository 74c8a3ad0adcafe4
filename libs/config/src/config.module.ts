import { DynamicModule, Global, Module } from '@nestjs/common';
import { LogwardenConfig, loadConfig } from './logwarden-config';

export const CONFIG = Symbol('LOGWARDEN_CONFIG');

/** Provides the validated configuration to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LogwardenConfig = loadConfig()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}
