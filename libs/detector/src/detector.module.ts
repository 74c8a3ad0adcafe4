import { Module } from '@nestjs/common';
import { BacktestService } from './backtest.service';
import { DetectorService } from './detector.service';
import { RuleCatalog } from './rule-catalog';
import { RulesController } from './rules.controller';

/** Streaming detection over `logs.events`, the rules API and backtests. */
@Module({
  controllers: [RulesController],
  providers: [RuleCatalog, DetectorService, BacktestService],
})
export class DetectorModule {}
