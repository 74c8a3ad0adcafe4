import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 10_000;

/** Query-string parameters shared by search and its aggregations. */
export class QueryParams {
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  q?: string;

  /** ISO-8601, epoch milliseconds or date math such as `now-15m`. */
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  to?: string;
}

export class SearchParams extends QueryParams {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  size?: number;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @IsOptional()
  @IsIn(['desc', 'asc', '@timestamp:desc', '@timestamp:asc'], {
    message: 'sort must be @timestamp:desc (default) or @timestamp:asc',
  })
  sort?: string;
}

export class HistogramParams extends QueryParams {
  /** Bucket width such as `30s`, `1m`, `1h`, `1d`. */
  @IsOptional()
  @IsString()
  interval?: string;
}

export class TermsParams extends QueryParams {
  @IsString()
  @Matches(/^[@A-Za-z0-9_][A-Za-z0-9_.@-]{0,199}$/, {
    message: 'field must be a field name such as container.name',
  })
  field!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
}
