import { IsDefined, IsOptional, IsString, Validate, ValidatorConstraint } from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';

@ValidatorConstraint({ name: 'ruleText' })
class IsRuleText implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      (typeof value === 'string' && value.length <= 65_536) ||
      (typeof value === 'object' && value !== null)
    );
  }

  defaultMessage(): string {
    return 'rule must be the rule as YAML or JSON text (at most 64 KiB), or as a JSON object';
  }
}

export class BacktestRequestDto {
  @IsDefined()
  @Validate(IsRuleText)
  rule!: unknown;

  /** ISO-8601, epoch ms or `now-24h`; default the last 24 hours. */
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  to?: string;
}
