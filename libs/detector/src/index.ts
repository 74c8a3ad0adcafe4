export * from './detector.module';
export * from './rules.module';
export { MAX_BACKTEST_EVENTS } from './backtest.service';
