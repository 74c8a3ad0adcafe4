import { Injectable } from '@nestjs/common';

/**
 * Per-rule state sizes for the rules API. The detector reports into it where it runs
 * in the same process; an API process without a detector shows none.
 */
@Injectable()
export class RuleStats {
  private read: () => Record<string, number> = () => ({});

  report(read: () => Record<string, number>): void {
    this.read = read;
  }

  groups(): Record<string, number> {
    return this.read();
  }
}
