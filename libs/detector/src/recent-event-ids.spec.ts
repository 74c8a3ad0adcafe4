import { RecentEventIds } from './recent-event-ids';

describe('RecentEventIds', () => {
  it('recognises an id seen among the last ones', () => {
    const recent = new RecentEventIds(3);
    expect(recent.seen('a')).toBe(false);
    expect(recent.seen('b')).toBe(false);
    expect(recent.seen('a')).toBe(true);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const recent = new RecentEventIds(2);
    for (const id of ['a', 'b', 'c']) recent.seen(id);
    expect(recent.size).toBe(2);
    expect(recent.seen('c')).toBe(true);
    expect(recent.seen('a')).toBe(false);
  });

  it('refuses a capacity it cannot hold', () => {
    expect(() => new RecentEventIds(0)).toThrow('capacity must be a positive integer, not 0');
  });
});
