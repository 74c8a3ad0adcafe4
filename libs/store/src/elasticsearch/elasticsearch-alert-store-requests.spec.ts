import { createHash } from 'node:crypto';
import type { Alert, AlertDetection } from '../alert-store.port';
import { ElasticsearchAlertStore } from './elasticsearch-alert-store';
import { ElasticsearchStateIndices } from './elasticsearch-state-indices';
import {
  RecordedRequest,
  ScriptedElasticsearch,
  bulkDone,
  failure,
  found,
  hits,
  missing,
  written,
} from './scripted-elasticsearch';

const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);
const EVENT = NOW - 30_000;
const ALERTS = 'lw-alerts';
const OPEN = 'lw-open-alerts';
const DETECTIONS = 'lw-alert-detections';
const NOTIFICATIONS = 'lw-notifications';
const OUTBOX = 'lw-outbox';
const SEQUENCES = 'lw-sequences';
const WAIT = { refresh: 'wait_for' };

/** Computed here rather than by the store, so a change of the id scheme, which would orphan stored pointers, fails. */
function sha(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}
const POINTER = sha('acme', 'ssh-brute-force', 'source.ip=10.0.0.1');

function request(
  method: string,
  path: string,
  body?: unknown,
  querystring: Record<string, string> = {},
): RecordedRequest {
  return { method, path, querystring, body };
}

function detection(overrides: Partial<AlertDetection> = {}): AlertDetection {
  return {
    id: 'det-1',
    tenant: 'acme',
    ruleId: 'ssh-brute-force',
    ruleName: 'SSH brute force',
    category: 'unauthorized-access',
    severity: 'high',
    description: 'Many failed SSH logins from one address.',
    labels: { team: 'security' },
    groupKey: 'source.ip=10.0.0.1',
    group: { 'source.ip': '10.0.0.1' },
    eventTime: EVENT,
    count: 5,
    eventIds: ['ev-1', 'ev-2'],
    summary: '5 failed logins from 10.0.0.1',
    details: { failures: 5 },
    resolveAfterMs: 600_000,
    ...overrides,
  };
}

/** An alert as applyDetections opened it at NOW - 60 s. */
function openAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'al_open',
    tenant: 'acme',
    ruleId: 'ssh-brute-force',
    ruleName: 'SSH brute force',
    category: 'unauthorized-access',
    severity: 'high',
    description: 'Many failed SSH logins from one address.',
    labels: { team: 'security' },
    groupKey: 'source.ip=10.0.0.1',
    group: { 'source.ip': '10.0.0.1' },
    status: 'firing',
    count: 1,
    firstSeen: EVENT - 60_000,
    lastSeen: EVENT - 60_000,
    summary: '5 failed logins from 10.0.0.1',
    details: { failures: 5 },
    eventIds: ['ev-0'],
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    resolveAfterMs: 600_000,
    ...overrides,
  };
}

function stored(alert: Alert, detectionIds: string[]): object {
  return alert.status === 'resolved'
    ? { ...alert, detectionIds }
    : { ...alert, resolveAt: alert.updatedAt + alert.resolveAfterMs, detectionIds };
}

const pointer = (alertId: string) => ({
  alertId,
  tenant: 'acme',
  ruleId: 'ssh-brute-force',
  groupKey: 'source.ip=10.0.0.1',
});
const nothingRecorded = (...ids: string[]) => ({
  docs: ids.map((id) => ({ _index: DETECTIONS, _id: id, found: false })),
});

describe('ElasticsearchAlertStore requests', () => {
  let es: ScriptedElasticsearch;
  let store: ElasticsearchAlertStore;

  beforeEach(() => {
    es = new ScriptedElasticsearch();
    store = new ElasticsearchAlertStore(
      es.client,
      new ElasticsearchStateIndices(es.client, { indexPrefix: 'lw', replicas: 1 }),
    );
  });

  afterEach(() => {
    expect(es.unanswered).toBe(0);
  });

  const checkRecorded = request('POST', `/${DETECTIONS}/_mget`, { ids: ['det-1'] });
  const checkCarried = request('POST', `/${ALERTS}/_search`, {
    query: { terms: { detectionIds: ['det-1'] } },
    _source: ['id', 'detectionIds'],
    size: 1,
    track_total_hits: false,
  });
  const readPointer = request('GET', `/${OPEN}/_doc/${POINTER}`);
  const record = (alertId: string, ...ids: string[]) =>
    request(
      'POST',
      '/_bulk',
      ids.flatMap((id) => [
        { create: { _index: DETECTIONS, _id: id } },
        { alertId, createdAt: NOW },
      ]),
    );
  const recordedReply = (...ids: string[]) =>
    bulkDone(...ids.map((id) => ({ create: { _index: DETECTIONS, _id: id, status: 201 } })));

  describe('applyDetections', () => {
    it('creates the pointer, then the alert carrying the detection id, then the detection record', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        missing(OPEN, POINTER),
        written(OPEN, POINTER),
        written(ALERTS, 'created'),
        recordedReply('det-1'),
      );

      const changes = await store.applyDetections([detection()], NOW);

      const alertId = (es.requests[3]?.body as { alertId: string }).alertId;
      expect(alertId).toMatch(/^al_[0-9a-f]{16}$/);
      const alert: Alert = {
        ...openAlert({ id: alertId }),
        firstSeen: EVENT,
        lastSeen: EVENT,
        eventIds: ['ev-1', 'ev-2'],
        createdAt: NOW,
        updatedAt: NOW,
      };
      expect(changes).toEqual([{ alert, opened: true }]);
      expect(es.requests).toEqual([
        checkRecorded,
        checkCarried,
        readPointer,
        request('PUT', `/${OPEN}/_create/${POINTER}`, pointer(alertId)),
        request('PUT', `/${ALERTS}/_create/${alertId}`, stored(alert, ['det-1']), WAIT),
        record(alertId, 'det-1'),
      ]);
    });

    it('merges into the alert the pointer names, conditional on the version read', async () => {
      const current = openAlert();
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_open'), { seqNo: 4, primaryTerm: 2 }),
        found(ALERTS, 'al_open', stored(current, ['det-0']), { seqNo: 9, primaryTerm: 2 }),
        written(ALERTS, 'al_open', 'updated'),
        recordedReply('det-1'),
      );

      const changes = await store.applyDetections(
        [detection({ eventIds: ['ev-1'], severity: 'critical' })],
        NOW,
      );

      const merged: Alert = {
        ...current,
        severity: 'critical',
        count: 2,
        lastSeen: EVENT,
        eventIds: ['ev-0', 'ev-1'],
        updatedAt: NOW,
      };
      expect(changes).toEqual([{ alert: merged, opened: false }]);
      expect(es.requests).toEqual([
        checkRecorded,
        checkCarried,
        readPointer,
        request('GET', `/${ALERTS}/_doc/al_open`),
        request('PUT', `/${ALERTS}/_doc/al_open`, stored(merged, ['det-0', 'det-1']), {
          if_seq_no: '9',
          if_primary_term: '2',
          ...WAIT,
        }),
        record('al_open', 'det-1'),
      ]);
    });

    it('reads pointer and alert again after a conflict, and writes on the new version', async () => {
      const racedTo = openAlert({ count: 2, eventIds: ['ev-0', 'ev-9'] });
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_open')),
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0']), { seqNo: 9, primaryTerm: 1 }),
        failure(409, 'version_conflict_engine_exception'),
        found(OPEN, POINTER, pointer('al_open')),
        found(ALERTS, 'al_open', stored(racedTo, ['det-0', 'det-9']), {
          seqNo: 10,
          primaryTerm: 1,
        }),
        written(ALERTS, 'al_open', 'updated'),
        recordedReply('det-1'),
      );

      const [change] = await store.applyDetections([detection({ eventIds: ['ev-1'] })], NOW);

      expect(change.alert).toMatchObject({ count: 3, eventIds: ['ev-0', 'ev-9', 'ev-1'] });
      expect(es.requests.slice(5, 8)).toEqual([
        readPointer,
        request('GET', `/${ALERTS}/_doc/al_open`),
        request(
          'PUT',
          `/${ALERTS}/_doc/al_open`,
          stored(change.alert, ['det-0', 'det-9', 'det-1']),
          {
            if_seq_no: '10',
            if_primary_term: '1',
            ...WAIT,
          },
        ),
      ]);
    });

    it('does not count a detection the instance it raced with merged first', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_open')),
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0'])),
        failure(409, 'version_conflict_engine_exception'),
        found(OPEN, POINTER, pointer('al_open')),
        found(ALERTS, 'al_open', stored(openAlert({ count: 2 }), ['det-0', 'det-1'])),
        bulkDone({
          create: {
            _index: DETECTIONS,
            _id: 'det-1',
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: 'exists' },
          },
        }),
      );

      expect(await store.applyDetections([detection()], NOW)).toEqual([]);
      expect(es.requests.map((sent) => `${sent.method} ${sent.path}`)).toEqual([
        `POST /${DETECTIONS}/_mget`,
        `POST /${ALERTS}/_search`,
        `GET /${OPEN}/_doc/${POINTER}`,
        `GET /${ALERTS}/_doc/al_open`,
        `PUT /${ALERTS}/_doc/al_open`,
        `GET /${OPEN}/_doc/${POINTER}`,
        `GET /${ALERTS}/_doc/al_open`,
        'POST /_bulk',
      ]);
    });

    it('writes nothing for a detection already recorded', async () => {
      es.reply({ docs: [{ _index: DETECTIONS, _id: 'det-1', found: true, _source: {} }] });

      expect(await store.applyDetections([detection(), detection()], NOW)).toEqual([]);
      expect(es.requests).toEqual([checkRecorded]);
    });

    it('writes nothing more when the detection record turns out to exist already', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_open')),
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0'])),
        written(ALERTS, 'al_open', 'updated'),
        bulkDone({
          create: {
            _index: DETECTIONS,
            _id: 'det-1',
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: 'exists' },
          },
        }),
      );

      const changes = await store.applyDetections([detection()], NOW);

      expect(changes).toHaveLength(1);
      expect(es.requests).toHaveLength(6);
      expect(es.requests[5]).toEqual(record('al_open', 'det-1'));
    });

    it('records without merging a detection an alert carries but no record has (a crash between the two)', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits({
          _index: ALERTS,
          _id: 'al_open',
          _source: { id: 'al_open', detectionIds: ['det-1'] },
        }),
        recordedReply('det-1'),
      );

      expect(await store.applyDetections([detection()], NOW)).toEqual([]);
      expect(es.requests).toEqual([checkRecorded, checkCarried, record('al_open', 'det-1')]);
    });

    it('reads the pointer another instance created first and merges into its alert', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        missing(OPEN, POINTER),
        failure(409, 'version_conflict_engine_exception'),
        found(OPEN, POINTER, pointer('al_winner')),
        found(ALERTS, 'al_winner', stored(openAlert({ id: 'al_winner' }), ['det-0']), {
          seqNo: 0,
          primaryTerm: 1,
        }),
        written(ALERTS, 'al_winner', 'updated'),
        recordedReply('det-1'),
      );

      const [change] = await store.applyDetections([detection()], NOW);

      expect(change).toMatchObject({ opened: false, alert: { id: 'al_winner', count: 2 } });
      expect(es.requests[6]).toEqual(
        request('PUT', `/${ALERTS}/_doc/al_winner`, stored(change.alert, ['det-0', 'det-1']), {
          if_seq_no: '0',
          if_primary_term: '1',
          ...WAIT,
        }),
      );
    });

    it('replaces a pointer to a resolved alert, conditional on the version read, and opens a new alert', async () => {
      const resolved = openAlert({ id: 'al_old', status: 'resolved', resolvedAt: NOW - 1_000 });
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_old'), { seqNo: 5, primaryTerm: 1 }),
        found(ALERTS, 'al_old', stored(resolved, ['det-0'])),
        written(OPEN, POINTER, 'updated'),
        written(ALERTS, 'created'),
        recordedReply('det-1'),
      );

      const [change] = await store.applyDetections([detection()], NOW);

      const alertId = (es.requests[4]?.body as { alertId: string }).alertId;
      expect(alertId).not.toBe('al_old');
      expect(change).toMatchObject({ opened: true, alert: { id: alertId, count: 1 } });
      expect(es.requests.slice(4, 6)).toEqual([
        request('PUT', `/${OPEN}/_doc/${POINTER}`, pointer(alertId), {
          if_seq_no: '5',
          if_primary_term: '1',
        }),
        request('PUT', `/${ALERTS}/_create/${alertId}`, stored(change.alert, ['det-1']), WAIT),
      ]);
    });

    it('completes an alert whose pointer was created but whose document never was', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits(),
        found(OPEN, POINTER, pointer('al_claimed')),
        missing(ALERTS, 'al_claimed'),
        written(ALERTS, 'al_claimed'),
        recordedReply('det-1'),
      );

      const [change] = await store.applyDetections([detection()], NOW);

      expect(change).toMatchObject({ opened: true, alert: { id: 'al_claimed', count: 1 } });
      expect(es.requests[4]).toEqual(
        request('PUT', `/${ALERTS}/_create/al_claimed`, stored(change.alert, ['det-1']), WAIT),
      );
    });

    it('merges the detections of one group in a call with one write', async () => {
      es.reply(
        { docs: [] },
        hits(),
        missing(OPEN, POINTER),
        written(OPEN, POINTER),
        written(ALERTS, 'created'),
        recordedReply('det-1', 'det-2'),
      );

      const [change] = await store.applyDetections(
        [detection(), detection({ id: 'det-2', eventTime: EVENT + 1_000, eventIds: ['ev-3'] })],
        NOW,
      );

      expect(change).toMatchObject({ opened: true, alert: { count: 2, lastSeen: EVENT + 1_000 } });
      expect(es.requests[0]).toEqual(
        request('POST', `/${DETECTIONS}/_mget`, { ids: ['det-1', 'det-2'] }),
      );
      expect(es.requests[4]?.body).toMatchObject({ detectionIds: ['det-1', 'det-2'], count: 2 });
      expect(es.requests[5]).toEqual(record(change.alert.id, 'det-1', 'det-2'));
    });

    it('fails when a detection record cannot be written for another reason than its existence', async () => {
      es.reply(
        nothingRecorded('det-1'),
        hits({
          _index: ALERTS,
          _id: 'al_open',
          _source: { id: 'al_open', detectionIds: ['det-1'] },
        }),
        bulkDone({
          create: {
            _index: DETECTIONS,
            _id: 'det-1',
            status: 429,
            error: { type: 'es_rejected_execution_exception', reason: 'queue full' },
          },
        }),
      );

      await expect(store.applyDetections([detection()], NOW)).rejects.toThrow(
        /es_rejected_execution_exception/,
      );
    });
  });

  describe('transition', () => {
    it('acknowledges conditional on the version read', async () => {
      const current = openAlert();
      es.reply(
        found(ALERTS, 'al_open', stored(current, ['det-0']), { seqNo: 3, primaryTerm: 1 }),
        written(ALERTS, 'al_open', 'updated'),
      );

      const acknowledged = await store.transition('acme', 'al_open', 'acknowledged', 'key-1', NOW);

      expect(acknowledged).toEqual({
        ...current,
        status: 'acknowledged',
        acknowledgedAt: NOW,
        acknowledgedBy: 'key-1',
      });
      expect(es.requests).toEqual([
        request('GET', `/${ALERTS}/_doc/al_open`),
        request('PUT', `/${ALERTS}/_doc/al_open`, stored(acknowledged!, ['det-0']), {
          if_seq_no: '3',
          if_primary_term: '1',
          ...WAIT,
        }),
      ]);
    });

    it('resolves, then deletes the pointer only at the version that names the alert', async () => {
      es.reply(
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0']), { seqNo: 3, primaryTerm: 1 }),
        written(ALERTS, 'al_open', 'updated'),
        found(OPEN, POINTER, pointer('al_open'), { seqNo: 7, primaryTerm: 1 }),
        written(OPEN, POINTER, 'deleted'),
      );

      const resolved = await store.transition('acme', 'al_open', 'resolved', 'key-1', NOW);

      expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: NOW, resolvedBy: 'key-1' });
      expect(es.requests.slice(1)).toEqual([
        request('PUT', `/${ALERTS}/_doc/al_open`, stored(resolved!, ['det-0']), {
          if_seq_no: '3',
          if_primary_term: '1',
          ...WAIT,
        }),
        readPointer,
        request('DELETE', `/${OPEN}/_doc/${POINTER}`, undefined, {
          if_seq_no: '7',
          if_primary_term: '1',
        }),
      ]);
      expect(es.requests[1]?.body).not.toHaveProperty('resolveAt');
    });

    it('leaves a pointer that already names a newer alert', async () => {
      es.reply(
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0'])),
        written(ALERTS, 'al_open', 'updated'),
        found(OPEN, POINTER, pointer('al_newer')),
      );

      await store.transition('acme', 'al_open', 'resolved', 'key-1', NOW);

      expect(es.requests).toHaveLength(3);
    });

    it('reads again after a conflict and does not repeat a step taken meanwhile', async () => {
      const resolvedMeanwhile = openAlert({
        status: 'resolved',
        resolvedAt: NOW - 10,
        resolvedBy: 'auto',
      });
      es.reply(
        found(ALERTS, 'al_open', stored(openAlert(), ['det-0'])),
        failure(409, 'version_conflict_engine_exception'),
        found(ALERTS, 'al_open', stored(resolvedMeanwhile, ['det-0'])),
      );

      expect(await store.transition('acme', 'al_open', 'acknowledged', 'key-1', NOW)).toEqual(
        resolvedMeanwhile,
      );
      expect(es.requests.map((sent) => sent.method)).toEqual(['GET', 'PUT', 'GET']);
    });

    it("writes nothing to another tenant's alert", async () => {
      es.reply(found(ALERTS, 'al_open', stored(openAlert(), [])));

      expect(await store.transition('globex', 'al_open', 'resolved', 'key-1', NOW)).toBeUndefined();
      expect(es.requests).toHaveLength(1);
    });
  });

  describe('resolveQuiet', () => {
    const quietQuery = request('POST', `/${ALERTS}/_search`, {
      query: { range: { resolveAt: { lte: NOW } } },
      sort: [{ resolveAt: 'asc' }, { id: 'asc' }],
      seq_no_primary_term: true,
      size: 1_000,
      track_total_hits: false,
    });

    it('queries resolveAt <= now and resolves each hit conditional on its version', async () => {
      const quiet = openAlert({ updatedAt: NOW - 600_000 });
      es.reply(
        hits({
          _index: ALERTS,
          _id: 'al_open',
          _seq_no: 12,
          _primary_term: 3,
          _source: stored(quiet, ['det-0']),
          sort: [NOW, 'al_open'],
        }),
        written(ALERTS, 'al_open', 'updated'),
        missing(OPEN, POINTER),
      );

      const resolved = await store.resolveQuiet(NOW);

      const expected: Alert = { ...quiet, status: 'resolved', resolvedAt: NOW, resolvedBy: 'auto' };
      expect(resolved).toEqual([expected]);
      expect(es.requests).toEqual([
        quietQuery,
        request('PUT', `/${ALERTS}/_doc/al_open`, stored(expected, ['det-0']), {
          if_seq_no: '12',
          if_primary_term: '3',
          ...WAIT,
        }),
        readPointer,
      ]);
    });

    it('skips an alert a detection refreshed between the query and the write', async () => {
      const quiet = openAlert({ updatedAt: NOW - 600_000 });
      es.reply(
        hits({
          _index: ALERTS,
          _id: 'al_open',
          _seq_no: 12,
          _primary_term: 3,
          _source: stored(quiet, ['det-0']),
          sort: [NOW, 'al_open'],
        }),
        failure(409, 'version_conflict_engine_exception'),
        found(ALERTS, 'al_open', stored(openAlert({ updatedAt: NOW - 5 }), ['det-0', 'det-1'])),
      );

      expect(await store.resolveQuiet(NOW)).toEqual([]);
      expect(es.requests).toHaveLength(3);
    });
  });

  describe('outbox', () => {
    const entry = {
      tenant: 'acme',
      channel: 'oncall-mail',
      route: 'security',
      groupKey: 'security/10.0.0.1',
      notification: { id: 'n-1' },
    };
    const countPending = request('POST', `/${OUTBOX}/_count`, {
      query: { term: { status: 'pending' } },
    });

    it('reserves ids on the sequence document conditionally, queues, records states, counts', async () => {
      es.reply(
        found(SEQUENCES, 'outbox', { next: 7 }, { seqNo: 2, primaryTerm: 1 }),
        written(SEQUENCES, 'outbox', 'updated'),
        bulkDone(),
        bulkDone(),
        { count: 4 },
      );

      await store.enqueue(
        [
          { ...entry, alerts: { 'al-1': 'firing', 'al-2': 'resolved' } },
          { ...entry, channel: 'hook', alerts: { 'al-1': 'firing', 'al-2': 'resolved' } },
        ],
        NOW,
      );

      const queued = (id: number, channel: string) => ({
        id,
        ...entry,
        channel,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW,
        createdAt: NOW,
        alerts: { 'al-1': 'firing', 'al-2': 'resolved' },
        alertIds: ['al-1', 'al-2'],
      });
      expect(es.requests).toEqual([
        request('GET', `/${SEQUENCES}/_doc/outbox`),
        request(
          'PUT',
          `/${SEQUENCES}/_doc/outbox`,
          { next: 9 },
          { if_seq_no: '2', if_primary_term: '1' },
        ),
        request(
          'POST',
          '/_bulk',
          [
            { create: { _index: OUTBOX, _id: '7' } },
            queued(7, 'oncall-mail'),
            { create: { _index: OUTBOX, _id: '8' } },
            queued(8, 'hook'),
          ],
          WAIT,
        ),
        request(
          'POST',
          '/_bulk',
          [
            { index: { _index: NOTIFICATIONS, _id: sha('al-1', 'security') } },
            { alertId: 'al-1', route: 'security', status: 'firing', at: NOW },
            { index: { _index: NOTIFICATIONS, _id: sha('al-2', 'security') } },
            { alertId: 'al-2', route: 'security', status: 'resolved', at: NOW },
          ],
          WAIT,
        ),
        countPending,
      ]);
      expect(store.pendingDeliveries()).toBe(4);
      expect(es.requests).toHaveLength(5);
    });

    it('creates the sequence document on the first enqueue, and reads again when another instance won', async () => {
      es.reply(
        missing(SEQUENCES, 'outbox'),
        failure(409, 'version_conflict_engine_exception'),
        found(SEQUENCES, 'outbox', { next: 2 }, { seqNo: 0, primaryTerm: 1 }),
        written(SEQUENCES, 'outbox', 'updated'),
        bulkDone(),
        bulkDone(),
        { count: 2 },
      );

      await store.enqueue([{ ...entry, alerts: { 'al-1': 'firing' } }], NOW);

      expect(es.requests.slice(0, 4)).toEqual([
        request('GET', `/${SEQUENCES}/_doc/outbox`),
        request('PUT', `/${SEQUENCES}/_create/outbox`, { next: 2 }),
        request('GET', `/${SEQUENCES}/_doc/outbox`),
        request(
          'PUT',
          `/${SEQUENCES}/_doc/outbox`,
          { next: 3 },
          { if_seq_no: '0', if_primary_term: '1' },
        ),
      ]);
      expect((es.requests[4]?.body as object[])[0]).toEqual({
        create: { _index: OUTBOX, _id: '2' },
      });
    });

    describe('claimDeliveries', () => {
      const LEASE = 120_000;
      const pending = (id: number, nextAttemptAt: number) => ({
        id,
        ...entry,
        status: 'pending',
        attempts: 1,
        nextAttemptAt,
        lastError: 'HTTP 503',
        createdAt: NOW - 1_000,
        alerts: { 'al-1': 'firing' },
        alertIds: ['al-1'],
      });
      const first = pending(7, NOW - 10);
      const second = pending(8, NOW);
      const dueSearch = request('POST', `/${OUTBOX}/_search`, {
        query: {
          bool: {
            filter: [{ term: { status: 'pending' } }, { range: { nextAttemptAt: { lte: NOW } } }],
          },
        },
        sort: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
        size: 20,
        track_total_hits: false,
        seq_no_primary_term: true,
      });
      const hit = (document: { id: number }, seqNo: number) => ({
        _index: OUTBOX,
        _id: String(document.id),
        _seq_no: seqNo,
        _primary_term: 1,
        _source: document,
      });
      const leased = (document: { id: number }) => ({ ...document, nextAttemptAt: NOW + LEASE });
      const answered = ({ alerts: _alerts, alertIds: _alertIds, ...rest }: typeof first) => ({
        ...rest,
        nextAttemptAt: NOW + LEASE,
      });

      it('searches due entries with their versions, then leases each conditionally in one bulk', async () => {
        es.reply(
          hits(hit(first, 3), hit(second, 4)),
          bulkDone(
            { index: { _index: OUTBOX, _id: '7', status: 200, result: 'updated' } },
            { index: { _index: OUTBOX, _id: '8', status: 200, result: 'updated' } },
          ),
        );

        const claimed = await store.claimDeliveries(NOW, 20, LEASE);

        expect(claimed).toEqual([answered(first), answered(second)]);
        expect(es.requests).toEqual([
          dueSearch,
          request(
            'POST',
            '/_bulk',
            [
              { index: { _index: OUTBOX, _id: '7', if_seq_no: 3, if_primary_term: 1 } },
              leased(first),
              { index: { _index: OUTBOX, _id: '8', if_seq_no: 4, if_primary_term: 1 } },
              leased(second),
            ],
            WAIT,
          ),
        ]);
      });

      it.each([
        [409, 'version_conflict_engine_exception', 'another instance claimed it first'],
        [429, 'es_rejected_execution_exception', 'the cluster was too busy: due again next poll'],
      ])('leaves out an entry whose lease met a %i (%s): %s', async (status, type) => {
        es.reply(
          hits(hit(first, 3), hit(second, 4)),
          bulkDone(
            { index: { _index: OUTBOX, _id: '7', status, error: { type, reason: 'refused' } } },
            { index: { _index: OUTBOX, _id: '8', status: 200, result: 'updated' } },
          ),
        );

        expect(await store.claimDeliveries(NOW, 20, LEASE)).toEqual([answered(second)]);
        expect(es.requests).toHaveLength(2);
      });

      it('fails on a lease refused for its content', async () => {
        es.reply(
          hits(hit(first, 3)),
          bulkDone({
            index: {
              _index: OUTBOX,
              _id: '7',
              status: 400,
              error: { type: 'mapper_parsing_exception', reason: 'failed to parse [attempts]' },
            },
          }),
        );

        await expect(store.claimDeliveries(NOW, 20, LEASE)).rejects.toThrow(
          `bulk write to ${OUTBOX}/7 failed: mapper_parsing_exception: failed to parse [attempts]`,
        );
      });

      it('writes nothing when nothing is due', async () => {
        es.reply(hits());

        expect(await store.claimDeliveries(NOW, 20, LEASE)).toEqual([]);
        expect(es.requests).toEqual([dueSearch]);
      });
    });

    it('records an attempt conditional on the version read, then counts pending entries', async () => {
      const document = {
        id: 7,
        ...entry,
        status: 'pending',
        attempts: 1,
        nextAttemptAt: NOW - 10,
        lastError: 'HTTP 503',
        createdAt: NOW - 1_000,
        alerts: { 'al-1': 'firing' },
        alertIds: ['al-1'],
      };
      es.reply(
        found(OUTBOX, '7', document, { seqNo: 5, primaryTerm: 1 }),
        written(OUTBOX, '7', 'updated'),
        { count: 0 },
      );

      await store.recordAttempt(7, { sent: true, at: NOW });

      const { lastError: _lastError, ...rest } = document;
      expect(es.requests).toEqual([
        request('GET', `/${OUTBOX}/_doc/7`),
        request(
          'PUT',
          `/${OUTBOX}/_doc/7`,
          { ...rest, status: 'sent', attempts: 2, sentAt: NOW },
          { if_seq_no: '5', if_primary_term: '1', ...WAIT },
        ),
        countPending,
      ]);
      expect(store.pendingDeliveries()).toBe(0);
    });

    it('schedules a retry, and counts the attempt again when it lost a race', async () => {
      const document = {
        id: 7,
        ...entry,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW,
        createdAt: NOW,
        alerts: { 'al-1': 'firing' },
        alertIds: ['al-1'],
      };
      es.reply(
        found(OUTBOX, '7', document, { seqNo: 5, primaryTerm: 1 }),
        failure(409, 'version_conflict_engine_exception'),
        found(OUTBOX, '7', { ...document, attempts: 1 }, { seqNo: 6, primaryTerm: 1 }),
        written(OUTBOX, '7', 'updated'),
        { count: 1 },
      );

      await store.recordAttempt(7, { sent: false, error: 'HTTP 503', retryAt: NOW + 2_000 });

      expect(es.requests[3]).toEqual(
        request(
          'PUT',
          `/${OUTBOX}/_doc/7`,
          { ...document, attempts: 2, nextAttemptAt: NOW + 2_000, lastError: 'HTTP 503' },
          { if_seq_no: '6', if_primary_term: '1', ...WAIT },
        ),
      );
    });

    it("finds an alert's deliveries by the alert ids of each entry", async () => {
      const document = {
        id: 7,
        ...entry,
        status: 'sent',
        attempts: 1,
        nextAttemptAt: NOW,
        createdAt: NOW,
        sentAt: NOW + 5,
        alerts: { 'al-1': 'firing', 'al-2': 'resolved' },
        alertIds: ['al-1', 'al-2'],
      };
      es.reply(hits({ _index: OUTBOX, _id: '7', _source: document, sort: [7] }));

      expect(await store.deliveries('al-2')).toEqual([
        {
          id: 7,
          channel: 'oncall-mail',
          route: 'security',
          status: 'sent',
          attempts: 1,
          nextAttemptAt: NOW,
          createdAt: NOW,
          sentAt: NOW + 5,
          kind: 'resolved',
        },
      ]);
      expect(es.requests).toEqual([
        request('POST', `/${OUTBOX}/_search`, {
          query: { term: { alertIds: 'al-2' } },
          sort: [{ id: 'asc' }],
          size: 1_000,
          track_total_hits: false,
        }),
      ]);
    });

    it('reads notification states by their ids', async () => {
      es.reply({
        docs: [
          found(NOTIFICATIONS, sha('al-1', 'security'), {
            alertId: 'al-1',
            route: 'security',
            status: 'firing',
            at: NOW,
          }),
          { _index: NOTIFICATIONS, _id: sha('al-2', 'security'), found: false },
        ],
      });

      expect(await store.notificationStates('security', ['al-1', 'al-2'])).toEqual(
        new Map([['al-1', { status: 'firing', at: NOW }]]),
      );
      expect(es.requests).toEqual([
        request('POST', `/${NOTIFICATIONS}/_mget`, {
          ids: [sha('al-1', 'security'), sha('al-2', 'security')],
        }),
      ]);
    });
  });

  describe('awaitingNotice', () => {
    it('answers open alerts, then the others some route announced firing', async () => {
      const open = openAlert();
      const resolved = openAlert({ id: 'al_resolved', status: 'resolved', resolvedAt: NOW });
      es.reply(
        hits({ _index: ALERTS, _id: 'al_open', _source: stored(open, []), sort: ['al_open'] }),
        hits(
          { _index: NOTIFICATIONS, _source: { alertId: 'al_open' }, sort: ['al_open', 'a'] },
          {
            _index: NOTIFICATIONS,
            _source: { alertId: 'al_resolved' },
            sort: ['al_resolved', 'a'],
          },
          {
            _index: NOTIFICATIONS,
            _source: { alertId: 'al_resolved' },
            sort: ['al_resolved', 'b'],
          },
        ),
        { docs: [found(ALERTS, 'al_resolved', stored(resolved, []))] },
      );

      expect(await store.awaitingNotice()).toEqual([open, resolved]);
      expect(es.requests).toEqual([
        request('POST', `/${ALERTS}/_search`, {
          query: { bool: { must_not: [{ term: { status: 'resolved' } }] } },
          sort: [{ id: 'asc' }],
          size: 1_000,
          track_total_hits: false,
        }),
        request('POST', `/${NOTIFICATIONS}/_search`, {
          query: { term: { status: 'firing' } },
          sort: [{ alertId: 'asc' }, { route: 'asc' }],
          _source: ['alertId'],
          size: 1_000,
          track_total_hits: false,
        }),
        request('POST', `/${ALERTS}/_mget`, { ids: ['al_resolved'] }),
      ]);
    });
  });

  describe('deleteOlderThan', () => {
    it('deletes the states of expired alerts, the alerts, old detections and finished deliveries', async () => {
      const CUTOFF = NOW - 1_000;
      es.reply(
        hits({ _index: ALERTS, _source: { id: 'al_old' }, sort: ['al_old'] }),
        { deleted: 2 },
        { deleted: 1 },
        { deleted: 5 },
        { deleted: 3 },
      );

      expect(await store.deleteOlderThan(CUTOFF)).toBe(11);
      const expired = {
        bool: {
          filter: [{ term: { status: 'resolved' } }, { range: { resolvedAt: { lt: CUTOFF } } }],
        },
      };
      const byQuery = { refresh: 'true', conflicts: 'proceed' };
      expect(es.requests).toEqual([
        request('POST', `/${ALERTS}/_search`, {
          query: expired,
          sort: [{ id: 'asc' }],
          _source: ['id'],
          size: 1_000,
          track_total_hits: false,
        }),
        request(
          'POST',
          `/${NOTIFICATIONS}/_delete_by_query`,
          { query: { terms: { alertId: ['al_old'] } } },
          byQuery,
        ),
        request('POST', `/${ALERTS}/_delete_by_query`, { query: expired }, byQuery),
        request(
          'POST',
          `/${DETECTIONS}/_delete_by_query`,
          { query: { range: { createdAt: { lt: CUTOFF } } } },
          byQuery,
        ),
        request(
          'POST',
          `/${OUTBOX}/_delete_by_query`,
          {
            query: {
              bool: {
                filter: [{ range: { createdAt: { lt: CUTOFF } } }],
                must_not: [{ term: { status: 'pending' } }],
              },
            },
          },
          byQuery,
        ),
      ]);
    });
  });
});
