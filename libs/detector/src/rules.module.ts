import { Module } from '@nestjs/common';
import { BacktestService } from './backtest.service';
import { RuleCatalog } from './rule-catalog';
import { RuleStats } from './rule-stats';
import { RulesController } from './rules.controller';

/** The rules loaded at start, the rules API and backtests. */
@Module({
  controllers: [RulesController],
  providers: [RuleCatalog, RuleStats, BacktestService],
  exports: [RuleCatalog, RuleStats],
})
export class RulesModule {}
