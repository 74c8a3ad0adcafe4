import { deriveEventId, OccurrenceCounter } from './event-id';

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

describe('OccurrenceCounter', () => {
  it('counts earlier occurrences of the same raw text', () => {
    const counter = new OccurrenceCounter();
    expect([counter.next('a'), counter.next('b'), counter.next('a'), counter.next('a')]).toEqual([
      0, 0, 1, 2,
    ]);
  });
});
