import type { EcsEvent } from '@logwarden/schema';
import type { Detection } from '../detection';
import { parseRuleDocument } from '../parse-rule-document';
import type { Rule } from '../rule';
import { RuleEngine, type RuleEngineOptions } from '../rule-engine';

// Rules written as users write them, and events shaped as the normalizer emits them.

/** The time every spec event is offset from. */
export const T0 = Date.parse('2024-05-01T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60_000;

/** Five failed logins from one source address within five minutes. */
export const SSH_BRUTE_FORCE = `
id: ssh-brute-force
name: SSH brute force
category: unauthorized-access
severity: high
type: threshold
filter: 'event.outcome:failure'
group_by: [source.ip]
threshold: {count: 5, window: 5m}
`;

export function rulesFrom(yaml: string): Rule[] {
  const { rules, invalid } = parseRuleDocument(yaml, 'spec.yml');
  if (invalid.length > 0) {
    throw new Error(invalid.flatMap((rule) => rule.problems.map((p) => p.message)).join('\n'));
  }
  return rules;
}

export function engineFor(yaml: string, options?: RuleEngineOptions): RuleEngine {
  return new RuleEngine(rulesFrom(yaml), options);
}

let nextId = 0;

/** An event at `offsetMs` after T0, received when it happened unless `ingestedOffsetMs` says otherwise. */
export function event(
  offsetMs: number,
  fields: Record<string, unknown> = {},
  options: { id?: string; tenant?: string; ingestedOffsetMs?: number } = {},
): EcsEvent {
  const id = options.id ?? `e${++nextId}`;
  return {
    '@timestamp': new Date(T0 + offsetMs).toISOString(),
    tenant: options.tenant ?? 'default',
    ...fields,
    event: {
      id,
      ingested: new Date(T0 + (options.ingestedOffsetMs ?? offsetMs)).toISOString(),
      ...(fields.event as Record<string, unknown> | undefined),
    },
  };
}

/** Feeds events in order and returns every detection. */
export function feed(engine: RuleEngine, events: EcsEvent[]): Detection[] {
  return events.flatMap((e) => engine.evaluate(e));
}
