import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { parseQuery } from '@logwarden/query';
import { Detection, Rule, RuleEngine, parseRuleDocument } from '@logwarden/rules';
import { EVENT_STORE, EventStore, SortValues, TimeRange } from '@logwarden/store';
import { toAlertDetection } from './alert-detections';
import { MAX_GROUPS_PER_RULE } from './rule-catalog';
import { newTermSeeds } from './new-term-seeds';

const PAGE = 5_000;
/** A backtest reads at most this many events; `truncated` says when it stopped early. */
const MAX_BACKTEST_EVENTS = 1_000_000;
const DAY_MS = 86_400_000;
const SAMPLE_DETECTIONS = 5;

/** An alert the rule would have raised: detections merged as the alert store merges them. */
export interface BacktestAlert {
  ruleId: string;
  group: Record<string, unknown>;
  count: number;
  firstSeen: number;
  lastSeen: number;
  summary: string;
  eventIds: string[];
  detections: { eventTime: number; summary: string }[];
}

export interface BacktestResult {
  rules: Rule[];
  eventsScanned: number;
  truncated: boolean;
  detections: number;
  alerts: BacktestAlert[];
}

/** Runs rules over stored history, without storing alerts or notifying anyone. */
@Injectable()
export class BacktestService {
  constructor(
    @Inject(CONFIG) private readonly config: LogwardenConfig,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  /** Reads the rule text (YAML or JSON); a 400 lists every problem. */
  parse(text: string): Rule[] {
    const { rules, invalid } = parseRuleDocument(text, 'rule');
    if (invalid.length > 0 || rules.length === 0) {
      throw new BadRequestException({
        error: 'invalid_rule',
        message:
          rules.length === 0 && invalid.length === 0
            ? 'rule: no rule given'
            : invalid.flatMap((rule) => rule.problems.map((problem) => problem.message)).join('; '),
      });
    }
    return rules.map((rule) => ({ ...rule, enabled: true }));
  }

  async run(tenant: string, rules: Rule[], range: TimeRange): Promise<BacktestResult> {
    const engine = new RuleEngine(rules, { maxGroupsPerRule: MAX_GROUPS_PER_RULE });
    await this.seed(engine, tenant, rules, range.from);
    const byId = new Map(rules.map((rule) => [rule.id, rule]));
    const alerts = new AlertMerger(byId, this.config.alertResolveAfterMs);
    const query = parseQuery(
      rules.length === 1 ? rules[0].filter : rules.map((rule) => `(${rule.filter})`).join(' OR '),
    );
    let scanned = 0;
    let searchAfter: SortValues | undefined;
    let truncated = false;
    for (;;) {
      const page = await this.events.search({
        tenant,
        query,
        range,
        size: PAGE,
        order: 'asc',
        searchAfter,
      });
      for (const event of page.hits) alerts.add(engine.evaluate(event));
      scanned += page.hits.length;
      if (!page.next) break;
      if (scanned >= MAX_BACKTEST_EVENTS) {
        truncated = true;
        break;
      }
      searchAfter = page.next;
    }
    alerts.add(engine.advance(range.to));
    return {
      rules,
      eventsScanned: scanned,
      truncated,
      detections: alerts.detections,
      alerts: alerts.result(),
    };
  }

  /** new_term rules learn what the tenant had in their look-back period before the range. */
  private async seed(engine: RuleEngine, tenant: string, rules: Rule[], from: number) {
    for (const rule of rules) {
      if (rule.type !== 'new_term') continue;
      const seen = await this.events.distinctValues({
        query: parseQuery(rule.filter),
        range: { from: from - rule.newTerm.days * DAY_MS, to: from },
        fields: [...rule.groupBy, rule.newTerm.field],
        limit: MAX_GROUPS_PER_RULE,
      });
      engine.seed(rule.id, newTermSeeds(rule, seen, tenant));
    }
  }
}

/** Merges detections by rule and group, opening a new alert after the quiet period, as live alerts do. */
class AlertMerger {
  detections = 0;
  private readonly open = new Map<string, BacktestAlert & { resolveAfterMs: number }>();
  private readonly done: BacktestAlert[] = [];

  constructor(
    private readonly rules: Map<string, Rule>,
    private readonly resolveAfterMs: number,
  ) {}

  add(detections: Detection[]): void {
    for (const detection of detections) {
      this.detections++;
      const rule = this.rules.get(detection.ruleId)!;
      const facts = toAlertDetection(rule, detection, this.resolveAfterMs);
      const key = `${detection.ruleId}\u0000${detection.groupKey}`;
      let alert = this.open.get(key);
      if (alert && detection.eventTime - alert.lastSeen > alert.resolveAfterMs) {
        this.done.push(strip(alert));
        alert = undefined;
      }
      if (!alert) {
        alert = {
          ruleId: detection.ruleId,
          group: detection.groupValues,
          count: 0,
          firstSeen: detection.eventTime,
          lastSeen: detection.eventTime,
          summary: '',
          eventIds: [],
          detections: [],
          resolveAfterMs: facts.resolveAfterMs,
        };
        this.open.set(key, alert);
      }
      alert.count++;
      alert.firstSeen = Math.min(alert.firstSeen, detection.eventTime);
      alert.lastSeen = Math.max(alert.lastSeen, detection.eventTime);
      alert.summary = detection.summary;
      alert.eventIds = [...new Set([...alert.eventIds, ...detection.eventIds])].slice(-10);
      if (alert.detections.length < SAMPLE_DETECTIONS)
        alert.detections.push({ eventTime: detection.eventTime, summary: detection.summary });
    }
  }

  result(): BacktestAlert[] {
    return [...this.done, ...[...this.open.values()].map(strip)].sort(
      (a, b) => a.firstSeen - b.firstSeen,
    );
  }
}

function strip({
  resolveAfterMs: _resolveAfterMs,
  ...alert
}: BacktestAlert & { resolveAfterMs: number }) {
  return alert;
}
