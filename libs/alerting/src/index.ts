export * from './alerting.module';
