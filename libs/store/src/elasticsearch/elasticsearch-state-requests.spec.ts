import type { ApiKeyRecord } from '../key-store.port';
import { CheckpointConflictError, type Silence } from '../alert-store.port';
import { ElasticsearchCheckpointStore } from './elasticsearch-checkpoint-store';
import { ElasticsearchKeyStore } from './elasticsearch-key-store';
import { ElasticsearchSilenceStore } from './elasticsearch-silence-store';
import { ElasticsearchStateIndices } from './elasticsearch-state-indices';
import {
  RecordedRequest,
  ScriptedElasticsearch,
  failure,
  found,
  hits,
  missing,
  written,
} from './scripted-elasticsearch';

const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);
const WAIT = { refresh: 'wait_for' };

function request(
  method: string,
  path: string,
  body?: unknown,
  querystring: Record<string, string> = {},
): RecordedRequest {
  return { method, path, querystring, body };
}

describe('Elasticsearch state stores requests', () => {
  let es: ScriptedElasticsearch;
  let indices: ElasticsearchStateIndices;

  beforeEach(() => {
    es = new ScriptedElasticsearch();
    indices = new ElasticsearchStateIndices(es.client, { indexPrefix: 'lw', replicas: 2 });
  });

  afterEach(() => {
    expect(es.unanswered).toBe(0);
  });

  describe('init', () => {
    const keyword = { type: 'keyword' };
    const long = { type: 'long' };
    const created = (index: string) => ({ acknowledged: true, shards_acknowledged: true, index });
    const creation = (index: string, properties: object) =>
      request('PUT', `/${index}`, {
        settings: { number_of_shards: 1, number_of_replicas: 2 },
        mappings: { dynamic: false, properties },
      });
    const everyIndex = [
      creation('lw-alerts', {
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
      }),
      creation('lw-open-alerts', { alertId: keyword }),
      creation('lw-alert-detections', { alertId: keyword, createdAt: long }),
      creation('lw-notifications', {
        alertId: keyword,
        route: keyword,
        status: keyword,
        at: long,
      }),
      creation('lw-outbox', {
        id: long,
        tenant: keyword,
        channel: keyword,
        route: keyword,
        status: keyword,
        nextAttemptAt: long,
        createdAt: long,
        alertIds: keyword,
      }),
      creation('lw-sequences', {}),
      creation('lw-silences', { id: keyword, tenant: keyword, startsAt: long, endsAt: long }),
      creation('lw-checkpoints', {}),
      creation('lw-api-keys', {
        id: keyword,
        tenant: keyword,
        roles: keyword,
        tokenHash: keyword,
        createdAt: keyword,
      }),
    ];
    const byPath = (a: RecordedRequest, b: RecordedRequest) => a.path.localeCompare(b.path);

    it('creates every index with its settings and mappings', async () => {
      es.reply(...everyIndex.map((creation) => created(creation.path.slice(1))));

      await indices.init();

      expect([...es.requests].sort(byPath)).toEqual([...everyIndex].sort(byPath));
      expect(indices.all).toEqual(everyIndex.map((creation) => creation.path.slice(1)));
    });

    it('succeeds when the indices exist already', async () => {
      es.reply(...everyIndex.map(() => failure(400, 'resource_already_exists_exception')));

      await indices.init();

      expect([...es.requests].sort(byPath)).toEqual([...everyIndex].sort(byPath));
    });

    it('fails on any other refusal', async () => {
      es.reply(
        failure(400, 'illegal_argument_exception'),
        ...everyIndex.slice(1).map(() => failure(400, 'resource_already_exists_exception')),
      );

      await expect(indices.init()).rejects.toThrow(/illegal_argument_exception/);
    });
  });

  describe('silences', () => {
    let silences: ElasticsearchSilenceStore;
    const silence: Silence = {
      id: 'si_1',
      tenant: 'acme',
      matchers: 'container.name:bastion2',
      startsAt: NOW - 1_000,
      endsAt: NOW + 60_000,
      comment: 'Maintenance',
      createdBy: 'key-1',
      createdAt: NOW - 2_000,
    };

    beforeEach(() => {
      silences = new ElasticsearchSilenceStore(es.client, indices);
    });

    it('creates a silence only if its id is new, visible to the next search', async () => {
      es.reply(written('lw-silences', 'si_1'));

      await silences.create(silence);

      expect(es.requests).toEqual([request('PUT', '/lw-silences/_create/si_1', silence, WAIT)]);
    });

    it("lists the tenant's silences not ended, soonest end first", async () => {
      es.reply(hits({ _index: 'lw-silences', _source: silence, sort: [silence.endsAt, 'si_1'] }));

      expect(await silences.list('acme', NOW)).toEqual([silence]);
      expect(es.requests).toEqual([
        request('POST', '/lw-silences/_search', {
          query: {
            bool: { filter: [{ term: { tenant: 'acme' } }, { range: { endsAt: { gt: NOW } } }] },
          },
          sort: [{ endsAt: 'asc' }, { id: 'asc' }],
          size: 1_000,
          track_total_hits: false,
        }),
      ]);
    });

    it('answers the silences in force, started and not ended', async () => {
      es.reply(hits({ _index: 'lw-silences', _source: silence, sort: ['si_1'] }));

      expect(await silences.active(NOW)).toEqual([silence]);
      expect(es.requests).toEqual([
        request('POST', '/lw-silences/_search', {
          query: {
            bool: {
              filter: [{ range: { startsAt: { lte: NOW } } }, { range: { endsAt: { gt: NOW } } }],
            },
          },
          sort: [{ id: 'asc' }],
          size: 1_000,
          track_total_hits: false,
        }),
      ]);
    });

    it('pages through more silences than a page holds', async () => {
      const page = Array.from({ length: 1_000 }, (_, index) => ({
        _index: 'lw-silences',
        _source: { ...silence, id: `si_${index}` },
        sort: [`si_${index}`],
      }));
      es.reply(hits(...page), hits({ _index: 'lw-silences', _source: silence, sort: ['si_z'] }));

      expect(await silences.active(NOW)).toHaveLength(1_001);
      expect(es.requests[1]?.body).toMatchObject({ search_after: ['si_999'] });
    });

    it("deletes a tenant's silence", async () => {
      es.reply(found('lw-silences', 'si_1', silence), written('lw-silences', 'si_1', 'deleted'));

      expect(await silences.delete('acme', 'si_1')).toBe(true);
      expect(es.requests).toEqual([
        request('GET', '/lw-silences/_doc/si_1'),
        request('DELETE', '/lw-silences/_doc/si_1', undefined, WAIT),
      ]);
    });

    it("never deletes another tenant's silence", async () => {
      es.reply(found('lw-silences', 'si_1', silence));

      expect(await silences.delete('globex', 'si_1')).toBe(false);
      expect(es.requests).toEqual([request('GET', '/lw-silences/_doc/si_1')]);
    });

    it('answers false when the silence is gone before it is deleted', async () => {
      es.reply(found('lw-silences', 'si_1', silence), failure(404, 'not_found'));

      expect(await silences.delete('acme', 'si_1')).toBe(false);
    });
  });

  describe('checkpoints', () => {
    let checkpoints: ElasticsearchCheckpointStore;
    const checkpoint = { position: null, state: { windows: [1, 2] }, savedAt: NOW };

    beforeEach(() => {
      checkpoints = new ElasticsearchCheckpointStore(es.client, indices);
    });

    it('saves by name without waiting for a refresh, answering the new version', async () => {
      es.reply({ ...written('lw-checkpoints', 'detector'), _seq_no: 5, _primary_term: 2 });

      expect(await checkpoints.save('detector', checkpoint)).toBe('5:2');
      expect(es.requests).toEqual([request('PUT', '/lw-checkpoints/_doc/detector', checkpoint)]);
    });

    it('never writes the version a checkpoint was loaded at', async () => {
      es.reply(written('lw-checkpoints', 'detector', 'updated'));

      await checkpoints.save('detector', { ...checkpoint, version: '4:2' });

      expect(es.requests).toEqual([request('PUT', '/lw-checkpoints/_doc/detector', checkpoint)]);
    });

    it('loads by name, real-time, with its sequence number and primary term as version', async () => {
      es.reply(
        found('lw-checkpoints', 'detector', checkpoint, { seqNo: 4, primaryTerm: 2 }),
        missing('lw-checkpoints', 'other'),
      );

      expect(await checkpoints.load('detector')).toEqual({ ...checkpoint, version: '4:2' });
      expect(await checkpoints.load('other')).toBeUndefined();
      expect(es.requests).toEqual([
        request('GET', '/lw-checkpoints/_doc/detector'),
        request('GET', '/lw-checkpoints/_doc/other'),
      ]);
    });

    it('saves over an expected version only if the document is still at it', async () => {
      es.reply({
        ...written('lw-checkpoints', 'detector', 'updated'),
        _seq_no: 5,
        _primary_term: 2,
      });

      expect(await checkpoints.save('detector', checkpoint, '4:2')).toBe('5:2');
      expect(es.requests).toEqual([
        request('PUT', '/lw-checkpoints/_doc/detector', checkpoint, {
          if_seq_no: '4',
          if_primary_term: '2',
        }),
      ]);
    });

    it('creates a checkpoint expected not to exist only if it does not', async () => {
      es.reply(written('lw-checkpoints', 'detector'));

      expect(await checkpoints.save('detector', checkpoint, null)).toBe('0:1');
      expect(es.requests).toEqual([
        request('PUT', '/lw-checkpoints/_doc/detector', checkpoint, { op_type: 'create' }),
      ]);
    });

    it.each([
      ['an expected version', '4:2'],
      ['no checkpoint expected', null],
    ])('rejects a conditional save that meets a 409, with %s', async (_, expected) => {
      es.reply(failure(409, 'version_conflict_engine_exception'));

      const saving = checkpoints.save('detector/3', checkpoint, expected);

      await expect(saving).rejects.toThrow(CheckpointConflictError);
      await expect(saving).rejects.toThrow('checkpoint "detector/3" was saved by another instance');
    });

    it('passes on any other failure of a conditional save', async () => {
      es.reply(failure(429, 'es_rejected_execution_exception'));

      const saving = checkpoints.save('detector', checkpoint, '4:2');

      await expect(saving).rejects.toThrow(/es_rejected_execution_exception/);
      await expect(saving).rejects.not.toThrow(CheckpointConflictError);
    });

    it('refuses an expected version that load never answered, sending nothing', async () => {
      await expect(checkpoints.save('detector', checkpoint, '7')).rejects.toThrow(
        'checkpoint "detector": "7" is not a version load answered',
      );
      expect(es.requests).toEqual([]);
    });
  });

  describe('keys', () => {
    let keys: ElasticsearchKeyStore;
    const key: ApiKeyRecord = {
      id: 'k1',
      name: 'admin',
      roles: ['admin', 'ingest'],
      tenant: 'default',
      tokenHash: 'Tt9+/Q==',
      secretHash: 'c2VjcmV0',
      createdAt: '2024-05-01T10:00:00.000Z',
    };

    beforeEach(() => {
      keys = new ElasticsearchKeyStore(es.client, indices);
    });

    it('saves a key under its id, replacing one with the same id', async () => {
      es.reply(written('lw-api-keys', 'k1'));

      await keys.save(key);

      expect(es.requests).toEqual([request('PUT', '/lw-api-keys/_doc/k1', key, WAIT)]);
    });

    it('finds a key by token hash with an exact term query', async () => {
      es.reply(hits({ _index: 'lw-api-keys', _source: key }), hits());

      expect(await keys.findByTokenHash('Tt9+/Q==')).toEqual(key);
      expect(await keys.findByTokenHash('unknown')).toBeUndefined();
      expect(es.requests[0]).toEqual(
        request('POST', '/lw-api-keys/_search', {
          query: { term: { tokenHash: 'Tt9+/Q==' } },
          size: 1,
          track_total_hits: false,
        }),
      );
    });

    it('finds a key by id, real-time', async () => {
      es.reply(found('lw-api-keys', 'k1', key), missing('lw-api-keys', 'k2'));

      expect(await keys.findById('k1')).toEqual(key);
      expect(await keys.findById('k2')).toBeUndefined();
      expect(es.requests.map((sent) => `${sent.method} ${sent.path}`)).toEqual([
        'GET /lw-api-keys/_doc/k1',
        'GET /lw-api-keys/_doc/k2',
      ]);
    });

    it('lists keys oldest first', async () => {
      es.reply(hits({ _index: 'lw-api-keys', _source: key, sort: [key.createdAt, 'k1'] }));

      expect(await keys.list()).toEqual([key]);
      expect(es.requests).toEqual([
        request('POST', '/lw-api-keys/_search', {
          query: { match_all: {} },
          sort: [{ createdAt: 'asc' }, { id: 'asc' }],
          size: 1_000,
          track_total_hits: false,
        }),
      ]);
    });

    it('counts keys holding a role', async () => {
      es.reply({ count: 2 });

      expect(await keys.countWithRole('admin')).toBe(2);
      expect(es.requests).toEqual([
        request('POST', '/lw-api-keys/_count', { query: { term: { roles: 'admin' } } }),
      ]);
    });

    it('answers whether a key was deleted', async () => {
      es.reply(written('lw-api-keys', 'k1', 'deleted'), failure(404, 'not_found'));

      expect(await keys.delete('k1')).toBe(true);
      expect(await keys.delete('k1')).toBe(false);
      expect(es.requests).toEqual([
        request('DELETE', '/lw-api-keys/_doc/k1', undefined, WAIT),
        request('DELETE', '/lw-api-keys/_doc/k1', undefined, WAIT),
      ]);
    });
  });
});
