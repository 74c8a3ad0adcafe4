import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { InvalidRule, Rule, loadRules } from '@logwarden/rules';

/** Groups each rule keeps state for, live and in backtests: bounds memory under a flood of keys. */
export const MAX_GROUPS_PER_RULE = 10_000;

/**
 * The rules loaded at start: the built-in pack, then the user's directory. A user's rule
 * with the id of a built-in one replaces it, so the pack can be tuned or switched off
 * (`enabled: false`) without editing shipped files.
 */
@Injectable()
export class RuleCatalog {
  readonly rules: Rule[];
  readonly invalid: InvalidRule[] = [];
  private readonly byId = new Map<string, Rule>();

  constructor(@Inject(CONFIG) config: LogwardenConfig) {
    const logger = new Logger(RuleCatalog.name);
    for (const dir of config.rulesDirs) {
      const loaded = loadRules([dir]);
      for (const rule of loaded.rules) {
        if (this.byId.has(rule.id))
          logger.log(`rule ${rule.id} from ${rule.source.file} replaces the earlier one`);
        this.byId.set(rule.id, rule);
      }
      this.invalid.push(...loaded.invalid);
    }
    this.rules = [...this.byId.values()];
    for (const rule of this.invalid)
      for (const problem of rule.problems) logger.warn(`rule skipped: ${problem.message}`);
    const enabled = this.enabled().length;
    logger.log(
      `${enabled} rules enabled, ${this.rules.length - enabled} disabled, ${this.invalid.length} invalid`,
    );
  }

  enabled(): Rule[] {
    return this.rules.filter((rule) => rule.enabled);
  }

  get(id: string): Rule | undefined {
    return this.byId.get(id);
  }
}
