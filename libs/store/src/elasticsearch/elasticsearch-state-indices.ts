import type { Client } from '@elastic/elasticsearch';
import type { MappingProperty } from '@elastic/elasticsearch/lib/api/types';
import type { ElasticsearchSettings } from '@logwarden/config';
import { isStatus } from './elasticsearch-documents';

const keyword = { type: 'keyword' } as const;
const long = { type: 'long' } as const;

/**
 * The fields each index queries, sorts or filters on. Everything else (messages, rule
 * facts, group values, detector state) stays in `_source` only: `dynamic: false` keeps
 * user-chosen keys such as labels and group fields from growing the mappings.
 */
const FIELDS = {
  alerts: {
    id: keyword,
    tenant: keyword,
    ruleId: keyword,
    groupKey: keyword,
    status: keyword,
    severity: keyword,
    category: keyword,
    lastSeen: long,
    resolveAt: long,
    resolvedAt: long,
    detectionIds: keyword,
  },
  'open-alerts': { alertId: keyword },
  'alert-detections': { alertId: keyword, createdAt: long },
  notifications: { alertId: keyword, route: keyword, status: keyword, at: long },
  outbox: {
    id: long,
    tenant: keyword,
    channel: keyword,
    route: keyword,
    status: keyword,
    nextAttemptAt: long,
    createdAt: long,
    alertIds: keyword,
  },
  sequences: {},
  silences: { id: keyword, tenant: keyword, startsAt: long, endsAt: long },
  checkpoints: {},
  'api-keys': {
    id: keyword,
    tenant: keyword,
    roles: keyword,
    tokenHash: keyword,
    createdAt: keyword,
  },
} satisfies Record<string, Record<string, MappingProperty>>;

type Suffix = keyof typeof FIELDS;

/**
 * The indices of everything but events: alerts and what applying detections needs, the
 * notification outbox, silences, checkpoints and API keys. Each is one small index read
 * by id or by exact terms.
 */
export class ElasticsearchStateIndices {
  /** One document per alert, id = alert id. */
  readonly alerts: string;
  /** The open alert of each (tenant, rule, group), id = `tupleId` of the three: see applyDetections. */
  readonly openAlerts: string;
  /** Detections applied, id = detection id. */
  readonly detections: string;
  /** What each route last announced of each alert, id = `tupleId(alertId, route)`. */
  readonly notifications: string;
  /** Messages to send, id = the entry's numeric id. */
  readonly outbox: string;
  /** Counters that hand out numeric ids, one document per counter. */
  readonly sequences: string;
  readonly silences: string;
  /** Read only by name, the document id. */
  readonly checkpoints: string;
  readonly apiKeys: string;
  /** Every index above, for creation and for tests that remove them. */
  readonly all: string[];

  constructor(
    private readonly client: Client,
    private readonly settings: Pick<ElasticsearchSettings, 'indexPrefix' | 'replicas'>,
  ) {
    const name = (suffix: Suffix) => `${settings.indexPrefix}-${suffix}`;
    this.alerts = name('alerts');
    this.openAlerts = name('open-alerts');
    this.detections = name('alert-detections');
    this.notifications = name('notifications');
    this.outbox = name('outbox');
    this.sequences = name('sequences');
    this.silences = name('silences');
    this.checkpoints = name('checkpoints');
    this.apiKeys = name('api-keys');
    this.all = (Object.keys(FIELDS) as Suffix[]).map(name);
  }

  /**
   * Creates the indices that do not exist yet; instances starting together may both try.
   * Waits for every creation before failing, so none is still in flight once it has.
   */
  async init(): Promise<void> {
    const outcomes = await Promise.allSettled(
      (Object.keys(FIELDS) as Suffix[]).map(async (suffix) => {
        try {
          await this.client.indices.create({
            index: `${this.settings.indexPrefix}-${suffix}`,
            settings: {
              // Thousands of small documents at most: `shards` sizes the event indices, not these.
              number_of_shards: 1,
              number_of_replicas: this.settings.replicas,
            },
            mappings: { dynamic: false, properties: FIELDS[suffix] },
          });
        } catch (error) {
          if (!isStatus(error, 400) || !alreadyExists(error)) throw error;
        }
      }),
    );
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  }
}

function alreadyExists(error: unknown): boolean {
  const body = (error as { body?: { error?: { type?: string } } }).body;
  return body?.error?.type === 'resource_already_exists_exception';
}
