import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@logwarden/config';
import { OpsModule, Readiness } from '@logwarden/ops';
import { BusModule } from './bus.module';
import { BUS } from './bus.port';
import { KafkaBus } from './kafka/kafka-bus';

describe('BusModule.kafka', () => {
  afterEach(() => jest.restoreAllMocks());

  it('provides the Kafka bus from the configuration, started and stopped with the application', async () => {
    const start = jest.spyOn(KafkaBus.prototype, 'start').mockResolvedValue();
    const drain = jest.spyOn(KafkaBus.prototype, 'drain').mockResolvedValue();
    const stop = jest.spyOn(KafkaBus.prototype, 'stop').mockResolvedValue();
    const app = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ KAFKA_BROKERS: 'kafka-1:9092' })),
        OpsModule,
        BusModule.kafka(),
      ],
    }).compile();

    expect(app.get(BUS)).toBeInstanceOf(KafkaBus);
    await app.init();
    expect(start).toHaveBeenCalledTimes(1);
    // Not started for real, so not ready; what matters is that readiness asks the bus.
    expect(app.get(Readiness).report().checks).toEqual({ bus: 'unavailable' });

    await app.close();
    expect(drain).toHaveBeenCalledTimes(1);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(drain.mock.invocationCallOrder[0]).toBeLessThan(stop.mock.invocationCallOrder[0]);
  });

  it('refuses to build without brokers', async () => {
    await expect(
      Test.createTestingModule({
        imports: [ConfigModule.forRoot(loadConfig({})), OpsModule, BusModule.kafka()],
      }).compile(),
    ).rejects.toThrow('KAFKA_BROKERS');
  });
});
