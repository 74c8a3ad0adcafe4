import { join } from 'node:path';
import { RuleEngine, loadRules } from '@logwarden/rules';
import { EcsEvent, RawRecord, normalizeBatch } from '@logwarden/schema';
import type { Batch } from './workload';

export interface DetectionFigures {
  rules: number;
  events: number;
  /** Events some rule reads; the embedded processor holds only these through the commit. */
  read: number;
  detections: number;
  microsPerEvent: number;
  eventsPerSecond: number;
}

/**
 * The detector's own cost: the built-in rule pack run in-process over normalized
 * workload events, as the detector receives them from `logs.events`. Best of three
 * runs, each on a fresh engine.
 */
export function measureDetection(root: string, batches: Batch[]): DetectionFigures {
  const { rules } = loadRules([join(root, 'config', 'rules')]);
  const events: EcsEvent[] = [];
  for (const batch of batches) {
    const records: RawRecord[] = batch.body
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((raw) => ({ data: JSON.parse(raw) as Record<string, unknown>, raw }));
    events.push(
      ...normalizeBatch({ tenant: 'default', protocol: 'http', receivedAt: Date.now(), records }),
    );
  }
  const filters = new RuleEngine(rules);
  const read = events.filter((event) => filters.wants(event)).length;
  let best = Infinity;
  let detections = 0;
  for (let run = 0; run < 3; run++) {
    const engine = new RuleEngine(rules);
    detections = 0;
    const started = performance.now();
    for (const event of events) detections += engine.evaluate(event).length;
    best = Math.min(best, performance.now() - started);
  }
  return {
    rules: rules.filter((rule) => rule.enabled).length,
    events: events.length,
    read,
    detections,
    microsPerEvent: (best * 1000) / events.length,
    eventsPerSecond: (events.length / best) * 1000,
  };
}
