import {
  ALERT_SAMPLE_IDS,
  Alert,
  AlertDetection,
  AlertFilter,
  AlertStore,
  Checkpoint,
  CheckpointConflictError,
  CheckpointStore,
  NewOutboxEntry,
  OutboxEntry,
  Silence,
  SilenceStore,
} from '../alert-store.port';

/** One storage's alerting stores, as an adapter's spec opens them for the suite. */
export interface AlertingStores {
  alerts: AlertStore;
  silences: SilenceStore;
  checkpoints: CheckpointStore;
  /** Closes these stores and opens the same storage again, as a restart would. */
  reopen(): Promise<AlertingStores>;
  /** Closes the stores and removes their storage. */
  close(): Promise<void>;
}

/** Wall-clock time the tests start at. */
const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);
/** Event time of the default detection: events reach the detector a little late. */
const EVENT = NOW - 30_000;
/** Later than anything the tests schedule. */
const FAR = NOW + 365 * 86_400_000;
/** How long the tests' claims hide an outbox entry. */
const LEASE = 120_000;

/**
 * The behaviour every implementation of the alerting store ports must share, declared
 * as Jest tests. `open` answers stores on fresh, empty storage for each test.
 */
export function describeAlertStoreConformance(
  name: string,
  open: () => Promise<AlertingStores>,
): void {
  describe(`${name} alerting stores`, () => {
    let stores: AlertingStores;
    let sequence = 0;

    beforeEach(async () => {
      stores = await open();
    });

    afterEach(async () => {
      await stores.close();
    });

    async function reopen(): Promise<void> {
      stores = await stores.reopen();
    }

    function detection(overrides: Partial<AlertDetection> = {}): AlertDetection {
      sequence += 1;
      return {
        id: `det-${sequence}`,
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
        // Differs from the one detection an alert counts, so a mix-up shows.
        count: 5,
        eventIds: ['ev-1', 'ev-2'],
        summary: '5 failed logins from 10.0.0.1',
        details: { failures: 5, user: 'root' },
        resolveAfterMs: 600_000,
        ...overrides,
      };
    }

    /** Applies one detection and answers the alert it opened or updated. */
    async function fire(overrides: Partial<AlertDetection> = {}, now = NOW): Promise<Alert> {
      const changes = await stores.alerts.applyDetections([detection(overrides)], now);
      expect(changes).toHaveLength(1);
      return changes[0].alert;
    }

    async function stored(alert: Alert): Promise<Alert | undefined> {
      return stores.alerts.get(alert.tenant, alert.id);
    }

    /**
     * The `updatedAt` of an alert moved on by a transition or resolveQuiet: the contract
     * leaves open whether that counts as an update, only that it stays a time.
     */
    function movedAt(alert: Alert | undefined): number {
      expect(typeof alert?.updatedAt).toBe('number');
      return alert?.updatedAt ?? NaN;
    }

    function listAll(tenant: string, filter: Partial<AlertFilter> = {}): Promise<Alert[]> {
      return stores.alerts.list({ tenant, limit: 100, ...filter });
    }

    function sortedIds(alerts: Alert[]): string[] {
      return alerts.map((alert) => alert.id).sort();
    }

    function outboxEntry(
      alerts: NewOutboxEntry['alerts'],
      overrides: Partial<NewOutboxEntry> = {},
    ): NewOutboxEntry {
      return {
        tenant: 'acme',
        channel: 'oncall-mail',
        route: 'security',
        groupKey: 'security/10.0.0.1',
        notification: { id: 'n-1', status: 'firing', alerts: Object.keys(alerts) },
        alerts,
        ...overrides,
      };
    }

    function claim(now: number, limit = 100): Promise<OutboxEntry[]> {
      return stores.alerts.claimDeliveries(now, limit, LEASE);
    }

    /** Every pending entry, due or not. Claimed with no lease: they stay due, at FAR. */
    function pendingEntries(): Promise<OutboxEntry[]> {
      return stores.alerts.claimDeliveries(FAR, 100, 0);
    }

    describe('applyDetections', () => {
      it('opens a firing alert for a first detection', async () => {
        const first = detection({ eventIds: ['ev-1', 'ev-2', 'ev-3'] });

        const changes = await stores.alerts.applyDetections([first], NOW);

        expect(changes).toHaveLength(1);
        const { id } = changes[0].alert;
        expect(typeof id).toBe('string');
        expect(id).not.toBe('');
        const expected: Alert = {
          id,
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
          firstSeen: EVENT,
          lastSeen: EVENT,
          summary: '5 failed logins from 10.0.0.1',
          details: { failures: 5, user: 'root' },
          eventIds: ['ev-1', 'ev-2', 'ev-3'],
          createdAt: NOW,
          updatedAt: NOW,
          resolveAfterMs: 600_000,
        };
        expect(changes).toEqual([{ alert: expected, opened: true }]);
        expect(await stores.alerts.get('acme', id)).toEqual(expected);
      });

      it('merges a repeat into the open alert of its rule and group', async () => {
        const opened = await fire({ eventIds: ['ev-1', 'ev-2'] });

        const changes = await stores.alerts.applyDetections(
          [
            detection({
              eventTime: EVENT + 5_000,
              eventIds: ['ev-2', 'ev-3'],
              summary: '9 failed logins from 10.0.0.1',
              details: { failures: 9, user: 'admin' },
              ruleName: 'SSH brute force (strict)',
              severity: 'critical',
              category: 'network-anomaly',
              description: 'Edited description.',
              labels: { team: 'platform' },
              resolveAfterMs: 120_000,
            }),
          ],
          NOW + 1_000,
        );

        const merged: Alert = {
          ...opened,
          ruleName: 'SSH brute force (strict)',
          severity: 'critical',
          category: 'network-anomaly',
          description: 'Edited description.',
          labels: { team: 'platform' },
          count: 2,
          firstSeen: EVENT,
          lastSeen: EVENT + 5_000,
          summary: '9 failed logins from 10.0.0.1',
          details: { failures: 9, user: 'admin' },
          eventIds: ['ev-1', 'ev-2', 'ev-3'],
          updatedAt: NOW + 1_000,
          resolveAfterMs: 120_000,
        };
        expect(changes).toEqual([{ alert: merged, opened: false }]);
        expect(await stored(opened)).toEqual(merged);
        // The filters must see the updated facts, not the ones the alert opened with.
        expect(await listAll('acme', { severity: ['critical'] })).toEqual([merged]);
        expect(await listAll('acme', { category: ['network-anomaly'] })).toEqual([merged]);
        expect(await listAll('acme', { severity: ['high'] })).toEqual([]);
      });

      it('keeps the earliest firstSeen and latest lastSeen when detections arrive out of order', async () => {
        const opened = await fire({ eventTime: EVENT });

        const earlier = await fire({ eventTime: EVENT - 3_000 }, NOW + 1_000);

        expect(earlier.id).toBe(opened.id);
        expect(earlier.count).toBe(2);
        expect(earlier.firstSeen).toBe(EVENT - 3_000);
        expect(earlier.lastSeen).toBe(EVENT);
        expect((await stored(opened))?.firstSeen).toBe(EVENT - 3_000);
        expect((await stored(opened))?.lastSeen).toBe(EVENT);
      });

      it(`keeps at most ${ALERT_SAMPLE_IDS} sample ids, the most recent, without duplicates`, async () => {
        const ids = (from: number, to: number) =>
          Array.from({ length: to - from + 1 }, (_, index) => `ev-${from + index}`);

        const opened = await fire({ eventIds: ids(1, ALERT_SAMPLE_IDS + 2) });
        expect(opened.eventIds).toEqual(ids(3, ALERT_SAMPLE_IDS + 2));

        const merged = await fire(
          { eventIds: ids(ALERT_SAMPLE_IDS + 1, ALERT_SAMPLE_IDS + 4) },
          NOW + 1_000,
        );
        expect(merged.eventIds).toEqual(ids(5, ALERT_SAMPLE_IDS + 4));
        expect((await stored(opened))?.eventIds).toEqual(ids(5, ALERT_SAMPLE_IDS + 4));
      });

      it('answers one opened change for detections of a new group in one call', async () => {
        const changes = await stores.alerts.applyDetections(
          [
            detection({ eventTime: EVENT, eventIds: ['ev-1'] }),
            detection({ eventTime: EVENT + 2_000, eventIds: ['ev-2'], summary: 'second' }),
          ],
          NOW,
        );

        expect(changes).toHaveLength(1);
        expect(changes[0].opened).toBe(true);
        expect(changes[0].alert).toMatchObject({
          status: 'firing',
          count: 2,
          firstSeen: EVENT,
          lastSeen: EVENT + 2_000,
          summary: 'second',
          eventIds: ['ev-1', 'ev-2'],
        });
        expect(await stored(changes[0].alert)).toEqual(changes[0].alert);
      });

      it('tells opened from merged alerts in one call', async () => {
        const existing = await fire({ groupKey: 'source.ip=10.0.0.1' });

        const changes = await stores.alerts.applyDetections(
          [
            detection({ groupKey: 'source.ip=10.0.0.1' }),
            detection({ groupKey: 'source.ip=10.0.0.2', group: { 'source.ip': '10.0.0.2' } }),
          ],
          NOW + 1_000,
        );

        expect(changes).toHaveLength(2);
        const byGroup = new Map(changes.map((change) => [change.alert.groupKey, change]));
        expect(byGroup.get('source.ip=10.0.0.1')?.opened).toBe(false);
        expect(byGroup.get('source.ip=10.0.0.1')?.alert.id).toBe(existing.id);
        expect(byGroup.get('source.ip=10.0.0.1')?.alert.count).toBe(2);
        expect(byGroup.get('source.ip=10.0.0.2')?.opened).toBe(true);
        expect(byGroup.get('source.ip=10.0.0.2')?.alert.count).toBe(1);
      });

      it('never merges detections of other tenants, rules or groups', async () => {
        const changes = await stores.alerts.applyDetections(
          [
            detection(),
            detection({ tenant: 'globex' }),
            detection({ ruleId: 'root-login-failure' }),
            detection({ groupKey: 'source.ip=10.0.0.2', group: { 'source.ip': '10.0.0.2' } }),
          ],
          NOW,
        );

        expect(changes).toHaveLength(4);
        expect(changes.every((change) => change.opened && change.alert.count === 1)).toBe(true);
        expect(new Set(changes.map((change) => change.alert.id)).size).toBe(4);
        expect(await listAll('acme')).toHaveLength(3);
        expect(await listAll('globex')).toHaveLength(1);
      });

      it('skips a detection already applied in the same call', async () => {
        const once = detection();

        const changes = await stores.alerts.applyDetections([once, once], NOW);

        expect(changes).toHaveLength(1);
        expect(changes[0].alert.count).toBe(1);
        expect((await stored(changes[0].alert))?.count).toBe(1);
      });

      it('skips a detection applied by an earlier call, also after a reopen', async () => {
        const once = detection();
        const [{ alert }] = await stores.alerts.applyDetections([once], NOW);

        expect(await stores.alerts.applyDetections([once], NOW + 1_000)).toEqual([]);
        expect(await stored(alert)).toEqual(alert);

        await reopen();
        expect(await stores.alerts.applyDetections([once], NOW + 2_000)).toEqual([]);
        expect(await stored(alert)).toEqual(alert);
      });

      it('does not reopen a resolved alert for a replayed detection', async () => {
        const once = detection();
        const [{ alert }] = await stores.alerts.applyDetections([once], NOW);
        const resolved = await stores.alerts.transition(
          'acme',
          alert.id,
          'resolved',
          'key-1',
          NOW + 1_000,
        );

        expect(await stores.alerts.applyDetections([once], NOW + 2_000)).toEqual([]);
        expect(await listAll('acme')).toEqual([resolved]);
      });

      it('opens a new alert for a detection after the group resolved', async () => {
        const old = await fire();
        const resolved = await stores.alerts.transition(
          'acme',
          old.id,
          'resolved',
          'key-1',
          NOW + 1_000,
        );

        const changes = await stores.alerts.applyDetections(
          [detection({ eventTime: EVENT + 60_000, eventIds: ['ev-9'] })],
          NOW + 2_000,
        );

        expect(changes).toHaveLength(1);
        const fresh = changes[0].alert;
        expect(changes[0].opened).toBe(true);
        expect(fresh.id).not.toBe(old.id);
        expect(fresh).toMatchObject({
          status: 'firing',
          count: 1,
          firstSeen: EVENT + 60_000,
          lastSeen: EVENT + 60_000,
          eventIds: ['ev-9'],
          createdAt: NOW + 2_000,
          updatedAt: NOW + 2_000,
        });
        expect(fresh.resolvedAt).toBeUndefined();
        expect(await stored(old)).toEqual(resolved);
        expect(resolved?.status).toBe('resolved');
      });

      it('keeps an acknowledged alert acknowledged when it repeats', async () => {
        const opened = await fire();
        await stores.alerts.transition('acme', opened.id, 'acknowledged', 'key-1', NOW + 500);

        const [change] = await stores.alerts.applyDetections(
          [detection({ eventTime: EVENT + 1_000 })],
          NOW + 1_000,
        );

        expect(change.opened).toBe(false);
        expect(change.alert).toMatchObject({
          id: opened.id,
          status: 'acknowledged',
          acknowledgedAt: NOW + 500,
          acknowledgedBy: 'key-1',
          count: 2,
        });
        expect(await stored(opened)).toEqual(change.alert);
      });
    });

    describe('transition', () => {
      it('moves an alert from firing to acknowledged to resolved', async () => {
        const opened = await fire();

        const acknowledged = await stores.alerts.transition(
          'acme',
          opened.id,
          'acknowledged',
          'key-1',
          NOW + 1_000,
        );
        expect(acknowledged).toEqual({
          ...opened,
          status: 'acknowledged',
          acknowledgedAt: NOW + 1_000,
          acknowledgedBy: 'key-1',
          updatedAt: movedAt(acknowledged),
        });
        expect(await stored(opened)).toEqual(acknowledged);

        const resolved = await stores.alerts.transition(
          'acme',
          opened.id,
          'resolved',
          'key-2',
          NOW + 2_000,
        );
        expect(resolved).toEqual({
          ...opened,
          status: 'resolved',
          acknowledgedAt: NOW + 1_000,
          acknowledgedBy: 'key-1',
          resolvedAt: NOW + 2_000,
          resolvedBy: 'key-2',
          updatedAt: movedAt(resolved),
        });
        expect(await stored(opened)).toEqual(resolved);
      });

      it('resolves a firing alert directly', async () => {
        const opened = await fire();

        const resolved = await stores.alerts.transition(
          'acme',
          opened.id,
          'resolved',
          'key-1',
          NOW + 1_000,
        );

        expect(resolved).toEqual({
          ...opened,
          status: 'resolved',
          resolvedAt: NOW + 1_000,
          resolvedBy: 'key-1',
          updatedAt: movedAt(resolved),
        });
        expect(resolved?.acknowledgedAt).toBeUndefined();
        expect(await stored(opened)).toEqual(resolved);
      });

      it('never moves an alert back, nor repeats a step', async () => {
        const opened = await fire();
        const acknowledged = await stores.alerts.transition(
          'acme',
          opened.id,
          'acknowledged',
          'key-1',
          NOW + 1_000,
        );
        expect(
          await stores.alerts.transition('acme', opened.id, 'acknowledged', 'key-2', NOW + 2_000),
        ).toEqual(acknowledged);
        expect(await stored(opened)).toEqual(acknowledged);

        const resolved = await stores.alerts.transition(
          'acme',
          opened.id,
          'resolved',
          'key-1',
          NOW + 3_000,
        );
        expect(
          await stores.alerts.transition('acme', opened.id, 'acknowledged', 'key-2', NOW + 4_000),
        ).toEqual(resolved);
        expect(
          await stores.alerts.transition('acme', opened.id, 'resolved', 'key-2', NOW + 5_000),
        ).toEqual(resolved);
        expect(await stored(opened)).toEqual(resolved);
        expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: NOW + 3_000 });
      });

      it('answers undefined for an unknown alert or one of another tenant', async () => {
        const opened = await fire();

        expect(
          await stores.alerts.transition('acme', 'no-such-alert', 'resolved', 'key-1', NOW),
        ).toBeUndefined();
        expect(
          await stores.alerts.transition('globex', opened.id, 'resolved', 'key-1', NOW),
        ).toBeUndefined();
        expect(await stores.alerts.get('globex', opened.id)).toBeUndefined();
        expect(await stored(opened)).toEqual(opened);
      });
    });

    describe('resolveQuiet', () => {
      it('resolves every open alert quiet for its resolveAfterMs, and only those', async () => {
        const firing = await fire({ groupKey: 'g-firing', resolveAfterMs: 1_000 });
        const acknowledged = await fire({ groupKey: 'g-acknowledged', resolveAfterMs: 1_000 });
        // Acknowledging is no detection: the alert still goes quiet on time.
        const acknowledgedAt = NOW + 500;
        await stores.alerts.transition(
          'acme',
          acknowledged.id,
          'acknowledged',
          'key-1',
          acknowledgedAt,
        );
        const patient = await fire({ tenant: 'globex', resolveAfterMs: 5_000 });
        const manual = await fire({ groupKey: 'g-manual', resolveAfterMs: 1_000 });
        const manuallyResolved = await stores.alerts.transition(
          'acme',
          manual.id,
          'resolved',
          'key-1',
          NOW + 100,
        );

        expect(await stores.alerts.resolveQuiet(NOW + 999)).toEqual([]);

        const resolved = await stores.alerts.resolveQuiet(NOW + 1_000);
        const expectFiring: Alert = {
          ...firing,
          status: 'resolved',
          resolvedAt: NOW + 1_000,
          resolvedBy: 'auto',
          updatedAt: movedAt(resolved.find((alert) => alert.id === firing.id)),
        };
        const expectAcknowledged: Alert = {
          ...acknowledged,
          status: 'resolved',
          acknowledgedAt,
          acknowledgedBy: 'key-1',
          resolvedAt: NOW + 1_000,
          resolvedBy: 'auto',
          updatedAt: movedAt(resolved.find((alert) => alert.id === acknowledged.id)),
        };
        expect([...resolved].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
          [expectFiring, expectAcknowledged].sort((a, b) => a.id.localeCompare(b.id)),
        );
        expect(await stored(firing)).toEqual(expectFiring);
        expect(await stored(acknowledged)).toEqual(expectAcknowledged);
        expect(await stored(patient)).toEqual(patient);
        expect(await stored(manual)).toEqual(manuallyResolved);

        expect(await stores.alerts.resolveQuiet(NOW + 1_000)).toEqual([]);
        const later = await stores.alerts.resolveQuiet(NOW + 5_000);
        expect(later.map((alert) => [alert.id, alert.status, alert.resolvedBy])).toEqual([
          [patient.id, 'resolved', 'auto'],
        ]);
        expect(await stored(manual)).toEqual(manuallyResolved);
      });

      it('counts quiet from the latest detection', async () => {
        const opened = await fire({ resolveAfterMs: 1_000 });
        await fire({ resolveAfterMs: 1_000 }, NOW + 600);

        expect(await stores.alerts.resolveQuiet(NOW + 1_000)).toEqual([]);
        expect((await stored(opened))?.status).toBe('firing');
        expect(await stores.alerts.resolveQuiet(NOW + 1_599)).toEqual([]);

        const resolved = await stores.alerts.resolveQuiet(NOW + 1_600);
        expect(resolved.map((alert) => [alert.id, alert.resolvedAt])).toEqual([
          [opened.id, NOW + 1_600],
        ]);
      });
    });

    describe('list', () => {
      /** Alerts of `acme` on three rules, resolved or not, seen at different times; one of `globex`. */
      async function seed() {
        const auth = await fire({
          ruleId: 'root-login',
          severity: 'high',
          category: 'unauthorized-access',
          eventTime: EVENT + 1_000,
        });
        const network = await fire({
          ruleId: 'port-scan',
          severity: 'low',
          category: 'network-anomaly',
          eventTime: EVENT + 3_000,
        });
        await stores.alerts.transition('acme', network.id, 'acknowledged', 'key-1', NOW);
        const brute = await fire({
          ruleId: 'ssh-brute-force',
          severity: 'critical',
          category: 'unauthorized-access',
          eventTime: EVENT + 2_000,
        });
        await stores.alerts.transition('acme', brute.id, 'resolved', 'key-1', NOW);
        const other = await fire({ tenant: 'globex', eventTime: EVENT + 4_000 });
        return { auth: auth.id, network: network.id, brute: brute.id, other: other.id };
      }

      const ids = (alerts: Alert[]) => alerts.map((alert) => alert.id);

      it("answers one tenant's alerts, newest lastSeen first, up to the limit", async () => {
        const seeded = await seed();

        const all = await listAll('acme');
        expect(ids(all)).toEqual([seeded.network, seeded.brute, seeded.auth]);
        expect(all.map((alert) => alert.status)).toEqual(['acknowledged', 'resolved', 'firing']);
        expect(all[0]).toEqual(await stores.alerts.get('acme', seeded.network));
        expect(ids(await stores.alerts.list({ tenant: 'acme', limit: 2 }))).toEqual([
          seeded.network,
          seeded.brute,
        ]);
        expect(ids(await listAll('globex'))).toEqual([seeded.other]);
        expect(await listAll('initech')).toEqual([]);
      });

      it('filters on any of the statuses, severities, categories and rules given', async () => {
        const seeded = await seed();

        expect(ids(await listAll('acme', { status: ['firing', 'acknowledged'] }))).toEqual([
          seeded.network,
          seeded.auth,
        ]);
        expect(ids(await listAll('acme', { status: ['resolved'] }))).toEqual([seeded.brute]);
        expect(ids(await listAll('acme', { severity: ['high', 'critical'] }))).toEqual([
          seeded.brute,
          seeded.auth,
        ]);
        expect(ids(await listAll('acme', { category: ['network-anomaly'] }))).toEqual([
          seeded.network,
        ]);
        expect(ids(await listAll('acme', { ruleId: ['root-login', 'ssh-brute-force'] }))).toEqual([
          seeded.brute,
          seeded.auth,
        ]);
        expect(
          ids(
            await listAll('acme', {
              status: ['firing', 'resolved'],
              category: ['network-anomaly'],
            }),
          ),
        ).toEqual([]);
        expect(
          ids(
            await listAll('acme', {
              status: ['resolved'],
              severity: ['critical'],
              category: ['unauthorized-access'],
              ruleId: ['ssh-brute-force'],
            }),
          ),
        ).toEqual([seeded.brute]);
      });

      it('filters on lastSeen, from included and to excluded', async () => {
        const seeded = await seed();

        expect(ids(await listAll('acme', { from: EVENT + 2_000 }))).toEqual([
          seeded.network,
          seeded.brute,
        ]);
        expect(ids(await listAll('acme', { to: EVENT + 2_000 }))).toEqual([seeded.auth]);
        expect(ids(await listAll('acme', { from: EVENT + 1_000, to: EVENT + 3_000 }))).toEqual([
          seeded.brute,
          seeded.auth,
        ]);
        expect(ids(await listAll('acme', { from: EVENT + 1_001, to: EVENT + 3_001 }))).toEqual([
          seeded.network,
          seeded.brute,
        ]);
        expect(await listAll('acme', { from: EVENT + 3_001 })).toEqual([]);
      });
    });

    describe('notification state', () => {
      it('records per route what each queued message announced', async () => {
        await stores.alerts.enqueue(
          [
            outboxEntry({ 'al-1': 'firing', 'al-2': 'resolved' }, { channel: 'oncall-mail' }),
            outboxEntry({ 'al-1': 'firing', 'al-2': 'resolved' }, { channel: 'hook' }),
            outboxEntry({ 'al-3': 'firing' }, { route: 'everything' }),
          ],
          NOW,
        );

        expect(
          await stores.alerts.notificationStates('security', ['al-1', 'al-2', 'al-3', 'al-4']),
        ).toEqual(
          new Map([
            ['al-1', { status: 'firing', at: NOW }],
            ['al-2', { status: 'resolved', at: NOW }],
          ]),
        );
        expect(await stores.alerts.notificationStates('everything', ['al-1', 'al-3'])).toEqual(
          new Map([['al-3', { status: 'firing', at: NOW }]]),
        );
        expect(await stores.alerts.notificationStates('security', [])).toEqual(new Map());

        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'resolved' })], NOW + 1_000);
        expect(await stores.alerts.notificationStates('security', ['al-1', 'al-2'])).toEqual(
          new Map([
            ['al-1', { status: 'resolved', at: NOW + 1_000 }],
            ['al-2', { status: 'resolved', at: NOW }],
          ]),
        );
        expect(await stores.alerts.notificationStates('everything', ['al-3'])).toEqual(
          new Map([['al-3', { status: 'firing', at: NOW }]]),
        );
      });

      it('answers open alerts, and resolved ones a route announced firing but not resolved', async () => {
        const resolveNow = async (groupKey: string) => {
          const alert = await fire({ groupKey });
          await stores.alerts.transition('acme', alert.id, 'resolved', 'key-1', NOW + 1_000);
          return alert.id;
        };
        const firing = await fire({ groupKey: 'firing' });
        const acknowledged = await fire({ groupKey: 'acknowledged' });
        await stores.alerts.transition('acme', acknowledged.id, 'acknowledged', 'key-1', NOW);
        const otherTenant = await fire({ tenant: 'globex', groupKey: 'firing' });
        const neverAnnounced = await resolveNow('never-announced');
        const stillFiring = await resolveNow('still-firing');
        const announcedResolved = await resolveNow('announced-resolved');
        const oneRouteLeft = await resolveNow('one-route-left');
        const forgotten = await resolveNow('forgotten');

        await stores.alerts.enqueue(
          [
            outboxEntry({
              [stillFiring]: 'firing',
              [announcedResolved]: 'firing',
              [oneRouteLeft]: 'firing',
              [forgotten]: 'firing',
            }),
            outboxEntry({ [oneRouteLeft]: 'firing', [forgotten]: 'firing' }, { route: 'other' }),
          ],
          NOW + 500,
        );
        await stores.alerts.enqueue(
          [outboxEntry({ [announcedResolved]: 'resolved', [oneRouteLeft]: 'resolved' })],
          NOW + 2_000,
        );
        await stores.alerts.enqueue(
          [outboxEntry({ [forgotten]: 'resolved' }, { route: 'other' })],
          NOW + 2_000,
        );
        await stores.alerts.forget('security', [forgotten, neverAnnounced]);

        expect(sortedIds(await stores.alerts.awaitingNotice())).toEqual(
          [firing.id, acknowledged.id, otherTenant.id, stillFiring, oneRouteLeft].sort(),
        );
        const states = await stores.alerts.notificationStates('security', [forgotten]);
        expect(states.get(forgotten)?.status).not.toBe('firing');
      });

      it('settles only the route forget is called for', async () => {
        const alert = await fire();
        await stores.alerts.enqueue(
          [
            outboxEntry({ [alert.id]: 'firing' }),
            outboxEntry({ [alert.id]: 'firing' }, { route: 'other' }),
          ],
          NOW,
        );
        await stores.alerts.transition('acme', alert.id, 'resolved', 'key-1', NOW + 1_000);

        await stores.alerts.forget('security', [alert.id]);
        expect(sortedIds(await stores.alerts.awaitingNotice())).toEqual([alert.id]);
        expect(await stores.alerts.notificationStates('other', [alert.id])).toEqual(
          new Map([[alert.id, { status: 'firing', at: NOW }]]),
        );

        await stores.alerts.forget('other', [alert.id]);
        expect(await stores.alerts.awaitingNotice()).toEqual([]);
      });
    });

    describe('outbox', () => {
      const notification = {
        id: 'n-1',
        status: 'firing',
        alerts: [
          {
            id: 'al-1',
            count: 2,
            ratio: 0.25,
            labels: { team: 'security' },
            samples: ['Failed password for root from 10.0.0.1 — “quoted” ✓ 日本'],
          },
        ],
        empty: [],
        nothing: null,
        flag: false,
      };

      it('claims due pending entries, oldest first, moving each to the end of its lease', async () => {
        await stores.alerts.enqueue(
          [outboxEntry({ 'al-1': 'firing' }, { notification, channel: 'oncall-mail' })],
          NOW,
        );
        await stores.alerts.enqueue(
          [
            outboxEntry(
              { 'al-2': 'firing' },
              { channel: 'hook', route: 'everything', tenant: 'globex', groupKey: 'everything/' },
            ),
          ],
          NOW + 1_000,
        );

        expect(await claim(NOW - 1)).toEqual([]);
        const due = await claim(NOW + 1_000);
        expect(due).toHaveLength(2);
        expect(due).toEqual([
          {
            id: due[0].id,
            tenant: 'acme',
            channel: 'oncall-mail',
            route: 'security',
            groupKey: 'security/10.0.0.1',
            notification,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: NOW + 1_000 + LEASE,
            createdAt: NOW,
          },
          {
            id: due[1].id,
            tenant: 'globex',
            channel: 'hook',
            route: 'everything',
            groupKey: 'everything/',
            notification: { id: 'n-1', status: 'firing', alerts: ['al-2'] },
            status: 'pending',
            attempts: 0,
            nextAttemptAt: NOW + 1_000 + LEASE,
            createdAt: NOW + 1_000,
          },
        ]);
        expect(due[0].id).not.toBe(due[1].id);
        expect(stores.alerts.pendingDeliveries()).toBe(2);
      });

      it('claims only entries due, no more than the limit', async () => {
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'firing' }, { channel: 'first' })], NOW);
        await stores.alerts.enqueue(
          [
            outboxEntry({ 'al-1': 'firing' }, { channel: 'second' }),
            outboxEntry({ 'al-1': 'firing' }, { channel: 'third' }),
          ],
          NOW + 1_000,
        );
        const channels = (entries: OutboxEntry[]) => entries.map((entry) => entry.channel);

        expect(channels(await claim(NOW + 999))).toEqual(['first']);
        expect(channels(await claim(NOW + 1_000, 1))).toEqual(['second']);
        expect(channels(await claim(NOW + 1_000))).toEqual(['third']);
        expect(await claim(NOW + 1_000)).toEqual([]);
      });

      it('claims an entry again only once its lease has run out', async () => {
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'firing' })], NOW);
        const [entry] = await claim(NOW);
        expect(entry).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: NOW + LEASE });

        expect(await claim(NOW + LEASE - 1)).toEqual([]);
        expect(stores.alerts.pendingDeliveries()).toBe(1);
        // As when the instance that claimed it died before recording an attempt.
        expect(await claim(NOW + LEASE)).toEqual([{ ...entry, nextAttemptAt: NOW + 2 * LEASE }]);
      });

      // Claims race for real only on a store served by other processes (Elasticsearch); the
      // embedded store's claims run one after the other, and this holds trivially there.
      it('never answers one entry to two claims at once', async () => {
        await stores.alerts.enqueue(
          ['a', 'b', 'c', 'd', 'e'].map((channel) =>
            outboxEntry({ 'al-1': 'firing' }, { channel }),
          ),
          NOW,
        );

        const [first, second] = await Promise.all([claim(NOW), claim(NOW)]);

        const ids = (entries: OutboxEntry[]) =>
          entries.map((entry) => entry.id).sort((a, b) => a - b);
        const claimed = ids([...first, ...second]);
        expect(claimed).toHaveLength(5);
        expect(new Set(claimed).size).toBe(5);
        expect(await claim(NOW + LEASE - 1)).toEqual([]);
        expect(ids(await claim(NOW + LEASE))).toEqual(claimed);
      });

      it('records a claimed message sent: no longer due nor pending', async () => {
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'firing' })], NOW);
        const [entry] = await claim(NOW);

        await stores.alerts.recordAttempt(entry.id, { sent: true, at: NOW + 50 });

        expect(await pendingEntries()).toEqual([]);
        expect(stores.alerts.pendingDeliveries()).toBe(0);
        expect(await stores.alerts.deliveries('al-1')).toEqual([
          {
            id: entry.id,
            channel: 'oncall-mail',
            route: 'security',
            status: 'sent',
            attempts: 1,
            nextAttemptAt: NOW + LEASE,
            createdAt: NOW,
            sentAt: NOW + 50,
            kind: 'firing',
          },
        ]);
      });

      it("records a failed attempt to retry: due again at its time, not at the lease's end", async () => {
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'firing' })], NOW);
        const [entry] = await claim(NOW);

        await stores.alerts.recordAttempt(entry.id, {
          sent: false,
          error: 'HTTP 503',
          retryAt: NOW + 2_000,
        });

        const retrying: OutboxEntry = {
          ...entry,
          attempts: 1,
          lastError: 'HTTP 503',
          nextAttemptAt: NOW + 2_000,
        };
        expect(await claim(NOW + 1_999)).toEqual([]);
        expect(await claim(NOW + 2_000)).toEqual([
          { ...retrying, nextAttemptAt: NOW + 2_000 + LEASE },
        ]);
        expect(stores.alerts.pendingDeliveries()).toBe(1);

        await stores.alerts.recordAttempt(entry.id, {
          sent: false,
          error: 'connection refused',
          retryAt: NOW + 6_000,
        });
        expect(await claim(NOW + 5_999)).toEqual([]);
        expect(await claim(NOW + 6_000)).toEqual([
          {
            ...retrying,
            attempts: 2,
            lastError: 'connection refused',
            nextAttemptAt: NOW + 6_000 + LEASE,
          },
        ]);
      });

      it('records a claimed message given up on: failed, never due again', async () => {
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'firing' })], NOW);
        const [entry] = await claim(NOW);

        await stores.alerts.recordAttempt(entry.id, { sent: false, error: 'HTTP 400' });

        expect(await pendingEntries()).toEqual([]);
        expect(stores.alerts.pendingDeliveries()).toBe(0);
        expect(await stores.alerts.deliveries('al-1')).toEqual([
          {
            id: entry.id,
            channel: 'oncall-mail',
            route: 'security',
            status: 'failed',
            attempts: 1,
            nextAttemptAt: NOW + LEASE,
            lastError: 'HTTP 400',
            createdAt: NOW,
            kind: 'firing',
          },
        ]);
      });

      it("answers an alert's deliveries with what each announced, without the message", async () => {
        await stores.alerts.enqueue(
          [
            outboxEntry({ 'al-1': 'firing', 'al-2': 'firing' }, { channel: 'oncall-mail' }),
            outboxEntry({ 'al-1': 'firing', 'al-2': 'firing' }, { channel: 'hook' }),
          ],
          NOW,
        );
        await stores.alerts.enqueue([outboxEntry({ 'al-1': 'resolved' })], NOW + 1_000);
        const [hook, mail, resolution] = (await claim(NOW + 1_000)).sort(
          (a, b) => a.createdAt - b.createdAt || a.channel.localeCompare(b.channel),
        );
        expect([hook.channel, mail.channel, resolution.channel]).toEqual([
          'hook',
          'oncall-mail',
          'oncall-mail',
        ]);
        const delivery = (entry: OutboxEntry, kind: 'firing' | 'resolved') => ({
          id: entry.id,
          channel: entry.channel,
          route: 'security',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: NOW + 1_000 + LEASE,
          createdAt: entry.createdAt,
          kind,
        });

        const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
        expect((await stores.alerts.deliveries('al-1')).sort(byId)).toEqual(
          [
            delivery(mail, 'firing'),
            delivery(hook, 'firing'),
            delivery(resolution, 'resolved'),
          ].sort(byId),
        );
        expect((await stores.alerts.deliveries('al-2')).sort(byId)).toEqual(
          [delivery(mail, 'firing'), delivery(hook, 'firing')].sort(byId),
        );
        expect(await stores.alerts.deliveries('al-3')).toEqual([]);
        expect(stores.alerts.pendingDeliveries()).toBe(3);
      });
    });

    describe('deleteOlderThan', () => {
      const CUTOFF = NOW + 10_000;

      it('deletes alerts resolved before the cutoff and keeps the rest', async () => {
        const resolvedEarly = await fire({ groupKey: 'resolved-early' });
        await stores.alerts.transition('acme', resolvedEarly.id, 'resolved', 'key-1', NOW + 5_000);
        // Its last detection is older than the cutoff, its resolution is not, and may not be announced yet.
        const resolvedLate = await fire({ groupKey: 'resolved-late' });
        await stores.alerts.enqueue([outboxEntry({ [resolvedLate.id]: 'firing' })], NOW);
        const lateResolution = await stores.alerts.transition(
          'acme',
          resolvedLate.id,
          'resolved',
          'key-1',
          CUTOFF + 10_000,
        );
        const open = await fire({ groupKey: 'open' });
        const acknowledged = await fire({ groupKey: 'acknowledged' });
        const acknowledgement = await stores.alerts.transition(
          'acme',
          acknowledged.id,
          'acknowledged',
          'key-1',
          NOW + 5_000,
        );

        await stores.alerts.deleteOlderThan(CUTOFF);

        expect(await stored(resolvedEarly)).toBeUndefined();
        expect(await stored(resolvedLate)).toEqual(lateResolution);
        expect(await stored(open)).toEqual(open);
        expect(await stored(acknowledged)).toEqual(acknowledgement);
        expect(sortedIds(await listAll('acme'))).toEqual(
          [resolvedLate.id, open.id, acknowledged.id].sort(),
        );
        expect(sortedIds(await stores.alerts.awaitingNotice())).toEqual(
          [resolvedLate.id, open.id, acknowledged.id].sort(),
        );
        expect(await stores.alerts.notificationStates('security', [resolvedLate.id])).toEqual(
          new Map([[resolvedLate.id, { status: 'firing', at: NOW }]]),
        );
      });

      it('deletes finished deliveries older than the cutoff and keeps pending ones', async () => {
        await stores.alerts.enqueue(
          [
            outboxEntry({ 'al-1': 'firing' }, { channel: 'sent' }),
            outboxEntry({ 'al-1': 'firing' }, { channel: 'failed' }),
            outboxEntry({ 'al-1': 'firing' }, { channel: 'retrying' }),
            outboxEntry({ 'al-1': 'firing' }, { channel: 'waiting' }),
          ],
          NOW,
        );
        await stores.alerts.enqueue(
          [outboxEntry({ 'al-1': 'resolved' }, { channel: 'recent' })],
          CUTOFF,
        );
        const entries = new Map((await pendingEntries()).map((entry) => [entry.channel, entry]));
        const id = (channel: string) => entries.get(channel)?.id ?? NaN;
        await stores.alerts.recordAttempt(id('sent'), { sent: true, at: NOW + 100 });
        await stores.alerts.recordAttempt(id('failed'), { sent: false, error: 'HTTP 400' });
        await stores.alerts.recordAttempt(id('retrying'), {
          sent: false,
          error: 'HTTP 503',
          retryAt: CUTOFF + 60_000,
        });
        await stores.alerts.recordAttempt(id('recent'), { sent: true, at: CUTOFF + 100 });

        await stores.alerts.deleteOlderThan(CUTOFF);

        const left = await stores.alerts.deliveries('al-1');
        expect(left.map((delivery) => delivery.channel).sort()).toEqual([
          'recent',
          'retrying',
          'waiting',
        ]);
        expect(stores.alerts.pendingDeliveries()).toBe(2);
        expect((await pendingEntries()).map((entry) => entry.channel).sort()).toEqual([
          'retrying',
          'waiting',
        ]);
      });
    });

    describe('durability', () => {
      it('keeps alerts, notification state, the outbox, silences and checkpoints across a reopen', async () => {
        const applied = detection({ groupKey: 'acknowledged' });
        const [{ alert: acknowledged }] = await stores.alerts.applyDetections([applied], NOW);
        await fire({ groupKey: 'acknowledged', eventTime: EVENT + 1_000 }, NOW + 1_000);
        await stores.alerts.transition('acme', acknowledged.id, 'acknowledged', 'key-1', NOW);
        const resolved = await fire({ groupKey: 'resolved', tenant: 'globex' });
        await stores.alerts.transition('globex', resolved.id, 'resolved', 'key-2', NOW + 2_000);
        await stores.alerts.enqueue(
          [
            outboxEntry({ [acknowledged.id]: 'firing', [resolved.id]: 'firing' }),
            outboxEntry({ [resolved.id]: 'firing' }, { route: 'other', channel: 'hook' }),
          ],
          NOW + 3_000,
        );
        const [first] = await pendingEntries();
        await stores.alerts.recordAttempt(first.id, {
          sent: false,
          error: 'HTTP 503',
          retryAt: NOW + 9_000,
        });
        await stores.silences.create(silence());
        await stores.checkpoints.save('detector', {
          position: 42,
          state: { windows: [1, 2] },
          savedAt: NOW,
        });

        const snapshot = async () => ({
          acknowledged: await stored(acknowledged),
          resolved: await stored(resolved),
          acme: await listAll('acme'),
          globex: await listAll('globex'),
          awaiting: sortedIds(await stores.alerts.awaitingNotice()),
          security: await stores.alerts.notificationStates('security', [
            acknowledged.id,
            resolved.id,
          ]),
          other: await stores.alerts.notificationStates('other', [acknowledged.id, resolved.id]),
          // Read through the alerts: a claim would move the entries' next attempt.
          pending: stores.alerts.pendingDeliveries(),
          deliveries: await stores.alerts.deliveries(resolved.id),
          silences: await stores.silences.list('acme', NOW),
          active: await stores.silences.active(NOW),
          checkpoint: await stores.checkpoints.load('detector'),
        });
        const before = await snapshot();
        expect(before.acknowledged).toMatchObject({ status: 'acknowledged', count: 2 });
        expect(before.awaiting).toEqual([acknowledged.id, resolved.id].sort());
        expect(before.deliveries).toHaveLength(2);
        expect(before.deliveries).toContainEqual(
          expect.objectContaining({ id: first.id, nextAttemptAt: NOW + 9_000 }),
        );
        expect(before.silences).toHaveLength(1);

        await reopen();

        expect(await snapshot()).toEqual(before);
        // The open alert and the applied detections are still known to applyDetections.
        const [change] = await stores.alerts.applyDetections(
          [applied, detection({ groupKey: 'acknowledged' })],
          NOW + 4_000,
        );
        expect(change.opened).toBe(false);
        expect(change.alert).toMatchObject({
          id: acknowledged.id,
          status: 'acknowledged',
          count: 3,
        });
      });
    });

    function silence(overrides: Partial<Silence> = {}): Silence {
      return {
        id: 'sil-1',
        tenant: 'acme',
        matchers: 'container.name:bastion2',
        startsAt: NOW - 1_000,
        endsAt: NOW + 60_000,
        comment: 'Maintenance of bastion2',
        createdBy: 'key-1',
        createdAt: NOW - 2_000,
        ...overrides,
      };
    }

    describe('SilenceStore', () => {
      it("lists a tenant's silences that have not ended, soonest end first", async () => {
        const long = silence({ id: 'sil-long', endsAt: NOW + 60_000 });
        const upcoming = silence({
          id: 'sil-upcoming',
          startsAt: NOW + 1_000,
          endsAt: NOW + 2_000,
        });
        const ended = silence({ id: 'sil-ended', endsAt: NOW - 1 });
        const endsNow = silence({ id: 'sil-ends-now', endsAt: NOW });
        const otherTenant = silence({ id: 'sil-globex', tenant: 'globex' });
        for (const created of [long, upcoming, ended, endsNow, otherTenant])
          await stores.silences.create(created);

        expect(await stores.silences.list('acme', NOW)).toEqual([upcoming, long]);
        expect(await stores.silences.list('acme', NOW - 1)).toEqual([endsNow, upcoming, long]);
        expect(await stores.silences.list('globex', NOW)).toEqual([otherTenant]);
        expect(await stores.silences.list('initech', NOW)).toEqual([]);
      });

      it('answers the silences of every tenant in force', async () => {
        const started = silence({ id: 'sil-started' });
        const startsNow = silence({ id: 'sil-starts-now', tenant: 'globex', startsAt: NOW });
        const upcoming = silence({ id: 'sil-upcoming', startsAt: NOW + 1 });
        const endsNow = silence({ id: 'sil-ends-now', endsAt: NOW });
        for (const created of [started, startsNow, upcoming, endsNow])
          await stores.silences.create(created);

        const byId = (a: Silence, b: Silence) => a.id.localeCompare(b.id);
        expect((await stores.silences.active(NOW)).sort(byId)).toEqual(
          [started, startsNow].sort(byId),
        );
        expect((await stores.silences.active(NOW - 1)).sort(byId)).toEqual(
          [started, endsNow].sort(byId),
        );
        expect(await stores.silences.active(NOW + 60_000)).toEqual([]);
      });

      it("deletes a tenant's silence, answering whether there was one", async () => {
        const kept = silence({ id: 'sil-kept' });
        await stores.silences.create(silence());
        await stores.silences.create(kept);

        expect(await stores.silences.delete('globex', 'sil-1')).toBe(false);
        expect(await stores.silences.list('acme', NOW)).toHaveLength(2);
        expect(await stores.silences.delete('acme', 'sil-1')).toBe(true);
        expect(await stores.silences.list('acme', NOW)).toEqual([kept]);
        expect(await stores.silences.active(NOW)).toEqual([kept]);
        expect(await stores.silences.delete('acme', 'sil-1')).toBe(false);
        expect(await stores.silences.delete('acme', 'no-such-silence')).toBe(false);
      });
    });

    describe('CheckpointStore', () => {
      const checkpoint: Checkpoint = {
        position: 1_234_567,
        state: {
          rules: { 'ssh-brute-force': { windows: [{ key: '10.0.0.1', counts: [1, 2, 3] }] } },
          seen: ['a', 'b'],
          nothing: null,
          ratio: 0.5,
          enabled: true,
          note: 'über “state” ✓',
        },
        savedAt: NOW,
      };

      it('answers undefined for a name never saved', async () => {
        expect(await stores.checkpoints.load('detector')).toBeUndefined();
      });

      /** What load answers for a saved checkpoint: it, at some version. */
      const loaded = (saved: Checkpoint) => ({ ...saved, version: expect.any(String) as string });

      it('saves and loads a checkpoint, overwriting it on the next save', async () => {
        await stores.checkpoints.save('detector', checkpoint);
        expect(await stores.checkpoints.load('detector')).toEqual(loaded(checkpoint));
        expect(await stores.checkpoints.load('backtest')).toBeUndefined();

        const next: Checkpoint = { position: null, state: { rules: {} }, savedAt: NOW + 1_000 };
        await stores.checkpoints.save('detector', next);
        expect(await stores.checkpoints.load('detector')).toEqual(loaded(next));

        await stores.checkpoints.save('backtest', checkpoint);
        expect(await stores.checkpoints.load('backtest')).toEqual(loaded(checkpoint));
        expect(await stores.checkpoints.load('detector')).toEqual(loaded(next));
      });

      it('keeps checkpoints and their versions across a reopen', async () => {
        const version = await stores.checkpoints.save('detector', checkpoint);
        await stores.checkpoints.save('other', { position: null, state: [], savedAt: NOW });

        await reopen();

        expect(await stores.checkpoints.load('detector')).toEqual({ ...checkpoint, version });
        expect(await stores.checkpoints.load('other')).toEqual(
          loaded({ position: null, state: [], savedAt: NOW }),
        );
        // A restarted instance still saves over what it loaded before.
        await expect(stores.checkpoints.save('detector', checkpoint, version)).resolves.toEqual(
          expect.any(String),
        );
      });

      it('answers the version a save made, and load answers it too', async () => {
        const version = await stores.checkpoints.save('detector', checkpoint);
        expect(typeof version).toBe('string');
        expect(await stores.checkpoints.load('detector')).toEqual({ ...checkpoint, version });
      });

      it('saves over the version it expects, answering a new one', async () => {
        await stores.checkpoints.save('detector', checkpoint);
        const read = await stores.checkpoints.load('detector');

        const next: Checkpoint = { position: 7, state: { rules: {} }, savedAt: NOW + 1_000 };
        const version = await stores.checkpoints.save('detector', next, read!.version);

        expect(version).not.toBe(read!.version);
        expect(await stores.checkpoints.load('detector')).toEqual({ ...next, version });
      });

      it('rejects a save over a stale version, keeping what the winner saved', async () => {
        const version = await stores.checkpoints.save('detector', checkpoint);
        const winner: Checkpoint = { position: 8, state: { owner: 'b' }, savedAt: NOW + 1_000 };
        const won = await stores.checkpoints.save('detector', winner, version);
        const zombie: Checkpoint = { position: 5, state: { owner: 'a' }, savedAt: NOW + 2_000 };

        const saving = stores.checkpoints.save('detector', zombie, version);

        await expect(saving).rejects.toThrow(CheckpointConflictError);
        await expect(saving).rejects.toThrow('checkpoint "detector" was saved by another instance');
        expect(await stores.checkpoints.load('detector')).toEqual({ ...winner, version: won });
      });

      it('with null expected, creates a checkpoint only if there is none', async () => {
        const version = await stores.checkpoints.save('detector', checkpoint, null);
        expect(await stores.checkpoints.load('detector')).toEqual({ ...checkpoint, version });

        const other: Checkpoint = { position: 1, state: {}, savedAt: NOW + 1_000 };
        await expect(stores.checkpoints.save('detector', other, null)).rejects.toThrow(
          CheckpointConflictError,
        );
        expect(await stores.checkpoints.load('detector')).toEqual({ ...checkpoint, version });
      });

      it('rejects an expected version when there is no checkpoint', async () => {
        const version = await stores.checkpoints.save('detector', checkpoint);

        await expect(stores.checkpoints.save('other', checkpoint, version)).rejects.toThrow(
          CheckpointConflictError,
        );
        expect(await stores.checkpoints.load('other')).toBeUndefined();
      });

      it('saves unconditionally without an expected version, whatever the checkpoint carries', async () => {
        await stores.checkpoints.save('detector', checkpoint);
        const stale = await stores.checkpoints.load('detector');
        await stores.checkpoints.save('detector', { ...checkpoint, position: 2 });

        // The version a checkpoint carries is what it was loaded at, not an expectation.
        const version = await stores.checkpoints.save('detector', stale!);

        expect(version).not.toBe(stale!.version);
        expect(await stores.checkpoints.load('detector')).toEqual({ ...checkpoint, version });
      });
    });
  });
}
