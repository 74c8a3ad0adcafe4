import { eventTime, formatTimestamp, parseTimestamp } from './timestamp';

const RECEIVED = Date.parse('2024-05-01T12:00:00.000Z');

function iso(value: unknown, reference = RECEIVED): string | undefined {
  const ms = parseTimestamp(value, reference);
  return ms === undefined ? undefined : formatTimestamp(ms);
}

describe('parseTimestamp', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00.5+02:00', '2024-05-01T08:00:00.500Z'],
    ['2024-05-01T10:00:00-0700', '2024-05-01T17:00:00.000Z'],
    ['2024-05-01T10:00:00+05', '2024-05-01T05:00:00.000Z'],
    ['2024-05-01 10:00:00,250', '2024-05-01T10:00:00.250Z'],
    ['2024/05/01 10:00:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00', '2024-05-01T10:00:00.000Z'],
  ])('reads ISO-8601 / RFC 3339 %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([
    [1714557600, '2024-05-01T10:00:00.000Z'],
    [1714557600.123, '2024-05-01T10:00:00.123Z'],
    [1714557600123, '2024-05-01T10:00:00.123Z'],
    [1714557600123456, '2024-05-01T10:00:00.123Z'],
    [1.7145576001234568e18, '2024-05-01T10:00:00.123Z'],
    ['1714557600', '2024-05-01T10:00:00.000Z'],
    ['1714557600.5', '2024-05-01T10:00:00.500Z'],
    ['1714557600123', '2024-05-01T10:00:00.123Z'],
    ['1714557600123456789', '2024-05-01T10:00:00.123Z'],
  ])('reads epoch %p choosing the unit by magnitude', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it('reads Common Log Format with its offset', () => {
    expect(iso('10/Oct/2000:13:55:36 -0700')).toBe('2000-10-10T20:55:36.000Z');
  });

  it('reads a syslog time in the current year', () => {
    expect(iso('Apr 30 22:14:15')).toBe('2024-04-30T22:14:15.000Z');
    expect(iso('May  1 11:59:59.250')).toBe('2024-05-01T11:59:59.250Z');
  });

  it('puts a syslog time that would be more than a day ahead in the previous year', () => {
    expect(iso('Dec 31 23:59:59')).toBe('2023-12-31T23:59:59.000Z');
    expect(iso('May  2 11:00:00')).toBe('2024-05-02T11:00:00.000Z');
  });

  it('puts Dec 31 in the old year when a batch arrives just after New Year', () => {
    expect(iso('Dec 31 23:59:58', Date.parse('2025-01-01T00:00:02Z'))).toBe(
      '2024-12-31T23:59:58.000Z',
    );
  });

  it.each([
    ['year 0', '0000-01-01T00:00:00Z'],
    ['Docker zero time', '0001-01-01T00:00:00Z'],
    ['month 13', '2024-13-01T00:00:00Z'],
    ['Feb 30', '2024-02-30T00:00:00Z'],
    ['hour 25', '2024-05-01T25:00:00Z'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a duration', 35],
    ['a negative number', -1714557600],
    ['year 10000', '10000-01-01T00:00:00Z'],
    ['a calendar date without a time', '2024-05-01'],
    ['prose', 'yesterday'],
    ['empty', ''],
    ['an object', { seconds: 1714557600 }],
    ['a bad month name', '10/Foo/2000:13:55:36 -0700'],
  ])('rejects %s', (_name, input) => {
    expect(parseTimestamp(input, RECEIVED)).toBeUndefined();
  });

  it('formats as ISO-8601 UTC with milliseconds', () => {
    expect(formatTimestamp(Date.UTC(2024, 4, 1, 10, 0, 0, 7))).toBe('2024-05-01T10:00:00.007Z');
  });

  it.each([
    ['2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ['1970-01-01T00:00:00.000Z', 0],
    ['9999-12-31T23:59:59.999Z', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
    ['2024-05-01T10:00:60.000Z', Date.UTC(2024, 4, 1, 10, 1, 0, 0)],
    ['2023-02-29T00:00:00.000Z', undefined],
    ['1969-12-31T23:59:59.999Z', undefined],
    ['2024-05-01T24:00:00.000Z', undefined],
    ['2024-05-01T10:0a:00.000Z', undefined],
    ['2024-05-01T10:00:61.000Z', undefined],
  ])('reads the canonical form %s as the general ISO reader does', (input, expected) => {
    expect(parseTimestamp(input, RECEIVED)).toBe(expected);
  });
});

describe('eventTime', () => {
  it('keeps a time already in the canonical form', () => {
    expect(eventTime('2024-05-01T10:00:00.123Z', RECEIVED)).toBe('2024-05-01T10:00:00.123Z');
  });

  it('formats every other readable time, a leap second included', () => {
    expect(eventTime('2024-05-01T10:00:59.999Z', RECEIVED)).toBe('2024-05-01T10:00:59.999Z');
    expect(eventTime('2024-05-01T10:00:60.000Z', RECEIVED)).toBe('2024-05-01T10:01:00.000Z');
    expect(eventTime('2024-05-01T12:00:00+02:00', RECEIVED)).toBe('2024-05-01T10:00:00.000Z');
    expect(eventTime(1714557600, RECEIVED)).toBe('2024-05-01T10:00:00.000Z');
  });

  it('rejects what parseTimestamp rejects', () => {
    expect(eventTime('2024-02-30T00:00:00.000Z', RECEIVED)).toBeUndefined();
    expect(eventTime('yesterday', RECEIVED)).toBeUndefined();
  });
});
