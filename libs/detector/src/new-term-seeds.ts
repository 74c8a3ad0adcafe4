import type { NewTermRule, NewTermSeed } from '@logwarden/rules';
import type { DistinctValues } from '@logwarden/store';

/** Stored value combinations (group values, then the term) as seeds for a new_term rule. */
export function newTermSeeds(
  rule: NewTermRule,
  rows: DistinctValues[],
  onlyTenant?: string,
): NewTermSeed[] {
  return rows.flatMap(({ tenant, values, firstSeen, lastSeen }) => {
    const value = values[values.length - 1];
    if (onlyTenant !== undefined && tenant !== onlyTenant) return [];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return [];
    const group = Object.fromEntries(rule.groupBy.map((field, i) => [field, values[i]]));
    return [{ tenant, group, value, firstSeen, lastSeen }];
  });
}
