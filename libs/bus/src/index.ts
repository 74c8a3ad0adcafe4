export * from './bus.port';
export * from './in-process-bus';
export * from './kafka/kafka-bus';
export * from './bus.module';
