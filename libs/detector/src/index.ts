export * from './detector.module';
export { MAX_BACKTEST_EVENTS } from './backtest.service';
