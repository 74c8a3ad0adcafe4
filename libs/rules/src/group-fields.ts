/**
 * Reads a rule's `group_by` fields with the semantics of `getField` from
 * `@logwarden/schema`, each path split once rather than on every event, and builds
 * the group key without an intermediate array, since both run for every matching
 * event of every rule.
 */
export class GroupFields {
  private readonly paths: string[][];

  constructor(fields: readonly string[]) {
    this.paths = fields.map((field) => field.split('.'));
  }

  /** The event's values, null where a field is missing. */
  values(event: unknown): unknown[] {
    const values = new Array<unknown>(this.paths.length);
    for (let i = 0; i < this.paths.length; i++) values[i] = read(event, this.paths[i]);
    return values;
  }

  /** `groupKey(tenant, values)`, with `term` appended when given (new_term's value). */
  key(event: unknown, tenant: string, term?: string | number | boolean): string {
    let key = `[${JSON.stringify(tenant)}`;
    for (let i = 0; i < this.paths.length; i++)
      key += `,${JSON.stringify(read(event, this.paths[i]))}`;
    return term === undefined ? `${key}]` : `${key},${JSON.stringify(term)}]`;
  }
}

/** Stable across restarts: JSON of the tenant followed by the group values. */
export function groupKey(tenant: string, values: readonly unknown[]): string {
  return JSON.stringify([tenant, ...values]);
}

function read(event: unknown, path: string[]): unknown {
  let node = event;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[path[i]];
  }
  return node ?? null;
}
