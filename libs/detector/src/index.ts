export * from './detector.module';
export * from './rules.module';
