import { BatchEventIds, deriveEventId } from './event-id';

describe('deriveEventId', () => {
  const raw = '{"message":"GET /a 200"}';

  it('is a 22-character base64url id that depends on every input', () => {
    const id = deriveEventId('acme', 'logs', raw, 0);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(deriveEventId('acme', 'logs', raw, 0)).toBe(id);
    const variants = [
      deriveEventId('globex', 'logs', raw, 0),
      deriveEventId('acme', 'other', raw, 0),
      deriveEventId('acme', undefined, raw, 0),
      deriveEventId('acme', 'logs', `${raw} `, 0),
      deriveEventId('acme', 'logs', raw, 1),
      deriveEventId('acme', 'logs', raw, 0, 1),
    ];
    expect(new Set([id, ...variants]).size).toBe(7);
  });

  it('does not let the tenant and index boundary shift', () => {
    expect(deriveEventId('ab', 'c', raw, 0)).not.toBe(deriveEventId('a', 'bc', raw, 0));
  });
});

describe('BatchEventIds', () => {
  it('counts earlier occurrences of the same text and index into the id', () => {
    const ids = new BatchEventIds('acme');
    const got = [
      ids.record('logs', 'a')(0),
      ids.record('logs', 'b')(0),
      ids.record('logs', 'a')(0),
      ids.record('other', 'a')(0),
      ids.record('logs', 'a')(0),
    ];
    expect(got).toEqual([
      deriveEventId('acme', 'logs', 'a', 0),
      deriveEventId('acme', 'logs', 'b', 0),
      deriveEventId('acme', 'logs', 'a', 1),
      deriveEventId('acme', 'other', 'a', 0),
      deriveEventId('acme', 'logs', 'a', 2),
    ]);
  });

  it("gives each part of a record its own id, the occurrence's", () => {
    const ids = new BatchEventIds('acme');
    ids.record(undefined, 'list');
    const parts = ids.record(undefined, 'list');
    expect([parts(0), parts(1)]).toEqual([
      deriveEventId('acme', undefined, 'list', 1, 0),
      deriveEventId('acme', undefined, 'list', 1, 1),
    ]);
  });
});
