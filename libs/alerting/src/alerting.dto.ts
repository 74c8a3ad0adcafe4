import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { SEVERITIES } from '@logwarden/rules';
import { ALERT_STATUSES } from '@logwarden/store';

/** `a,b` and repeated parameters alike become a list. */
const list = ({ value }: { value: unknown }): unknown =>
  (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');

export class AlertListParams {
  @IsOptional()
  @Transform(list)
  @IsIn(ALERT_STATUSES, {
    each: true,
    message: `status must be one of ${ALERT_STATUSES.join(', ')}`,
  })
  status?: string[];

  @IsOptional()
  @Transform(list)
  @IsIn(SEVERITIES, { each: true, message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity?: string[];

  @IsOptional()
  @Transform(list)
  @IsString({ each: true })
  category?: string[];

  /** Rule ids. */
  @IsOptional()
  @Transform(list)
  @IsString({ each: true })
  rule?: string[];

  /** On the alert's last event time: ISO-8601, epoch ms or `now-1h`. */
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class CreateSilenceDto {
  /** A query over alert fields and group values, e.g. `container.name:bastion2`. */
  @IsString()
  @Length(1, 4096)
  matchers!: string;

  /** ISO-8601 or `now+1h` style; default now. */
  @IsOptional()
  @IsString()
  starts_at?: string;

  @IsOptional()
  @IsString()
  ends_at?: string;

  /** How long from `starts_at`, e.g. `2h`; instead of `ends_at`. */
  @IsOptional()
  @IsString()
  duration?: string;

  @IsString()
  @Length(1, 1000)
  comment!: string;
}
