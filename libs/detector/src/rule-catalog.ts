import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { InvalidRule, Rule, loadRules } from '@logwarden/rules';

/** The rules loaded at start: the built-in pack and the user's directory. */
@Injectable()
export class RuleCatalog {
  readonly rules: Rule[];
  readonly invalid: InvalidRule[];
  private readonly byId: Map<string, Rule>;

  constructor(@Inject(CONFIG) config: LogwardenConfig) {
    const logger = new Logger(RuleCatalog.name);
    ({ rules: this.rules, invalid: this.invalid } = loadRules(config.rulesDirs));
    this.byId = new Map(this.rules.map((rule) => [rule.id, rule]));
    for (const rule of this.invalid)
      for (const problem of rule.problems) logger.warn(`rule skipped: ${problem.message}`);
    logger.log(
      `${this.enabled().length} rules enabled, ${this.rules.length - this.enabled().length} disabled, ${this.invalid.length} invalid`,
    );
  }

  enabled(): Rule[] {
    return this.rules.filter((rule) => rule.enabled);
  }

  get(id: string): Rule | undefined {
    return this.byId.get(id);
  }
}
