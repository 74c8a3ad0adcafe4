import { DynamicModule, Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { Metrics, Readiness } from '@logwarden/ops';
import { BUS, Bus } from './bus.port';
import { InProcessBus } from './in-process-bus';
import { KafkaBus } from './kafka/kafka-bus';

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

  /**
   * Kafka, for distributed mode, from `config.kafka`. The bus starts its consumers at
   * application bootstrap and stops them when the application closes (see `KafkaBus`).
   */
  static kafka(): DynamicModule {
    return {
      module: BusModule,
      providers: [
        {
          provide: BUS,
          inject: [CONFIG, Metrics],
          useFactory: (config: LogwardenConfig, metrics: Metrics) =>
            new KafkaBus(config.kafka, { metrics }),
        },
        BusReadiness,
      ],
      exports: [BUS],
    };
  }
}
