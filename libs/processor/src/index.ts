export * from './event-interest';
export * from './processor.service';
export * from './processor.module';
