export * from './alerting.module';
export * from './notifier.module';
