import { DynamicModule, Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { Readiness } from '@logwarden/ops';
import { BUS, Bus } from './bus.port';
import { InProcessBus } from './in-process-bus';

class BusReadiness implements OnModuleInit {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register('bus', () => this.bus.isReady());
  }
}

@Global()
@Module({})
export class BusModule {
  /** The single-process bus used by embedded mode. */
  static inProcess(): DynamicModule {
    return {
      module: BusModule,
      providers: [{ provide: BUS, useClass: InProcessBus }, BusReadiness],
      exports: [BUS],
    };
  }
}
