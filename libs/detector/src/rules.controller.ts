import { BadRequestException, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireRole } from '@logwarden/auth';
import { JsonBody, timeParam } from '@logwarden/http';
import type { Rule } from '@logwarden/rules';
import { BacktestRequestDto } from './backtest-request.dto';
import { BacktestService } from './backtest.service';
import { RuleCatalog } from './rule-catalog';
import { RuleStats } from './rule-stats';

const DEFAULT_LOOKBACK = 'now-24h';

@Controller('api/v1/rules')
@RequireRole('reader')
export class RulesController {
  constructor(
    @Inject(RuleCatalog) private readonly catalog: RuleCatalog,
    @Inject(RuleStats) private readonly stats: RuleStats,
    @Inject(BacktestService) private readonly backtest: BacktestService,
  ) {}

  /** Every rule loaded, with its state, and every rule skipped as invalid with the reasons. */
  @Get()
  list() {
    const groups = this.stats.groups();
    return {
      rules: this.catalog.rules.map((rule) => ({
        ...ruleView(rule),
        status: rule.enabled ? 'enabled' : 'disabled',
        groups: groups[rule.id] ?? 0,
      })),
      invalid: this.catalog.invalid.map((rule) => ({
        id: rule.id,
        status: 'invalid',
        source: { file: rule.file, line: rule.line },
        problems: rule.problems.map((problem) => problem.message),
      })),
    };
  }

  /** Runs a rule over stored history: the alerts it would have raised; nothing is stored or sent. */
  @Post('test')
  @HttpCode(200)
  async test(@JsonBody() body: BacktestRequestDto, @CurrentPrincipal() caller: Principal) {
    const text = typeof body.rule === 'string' ? body.rule : JSON.stringify(body.rule);
    const rules = this.backtest.parse(text);
    const now = Date.now();
    const from = timeParam('from', body.from ?? DEFAULT_LOOKBACK, now);
    const to = timeParam('to', body.to ?? 'now', now);
    if (from >= to) {
      throw new BadRequestException({ error: 'invalid_range', message: 'from must be before to' });
    }
    const started = performance.now();
    const result = await this.backtest.run(caller.tenant, rules, { from, to });
    return {
      took_ms: Math.round(performance.now() - started),
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      rules: result.rules.map(ruleView),
      events_scanned: result.eventsScanned,
      truncated: result.truncated,
      detections: result.detections,
      alerts: result.alerts.map((alert) => ({
        rule_id: alert.ruleId,
        group: alert.group,
        count: alert.count,
        first_seen: new Date(alert.firstSeen).toISOString(),
        last_seen: new Date(alert.lastSeen).toISOString(),
        summary: alert.summary,
        sample_event_ids: alert.eventIds,
        detections: alert.detections.map((detection) => ({
          event_time: new Date(detection.eventTime).toISOString(),
          summary: detection.summary,
        })),
      })),
    };
  }
}

/** A rule as the API shows it: its settings as loaded, durations in milliseconds. */
function ruleView(rule: Rule) {
  const { source, ...settings } = rule;
  return { ...settings, source: { file: source.file, line: source.line } };
}
