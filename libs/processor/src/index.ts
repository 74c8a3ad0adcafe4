export * from './processor.service';
export * from './processor.module';
