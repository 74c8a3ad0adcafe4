import { TimeExpressionError, eventTimeMillis, parseInterval, parseTime } from './time-expressions';

const NOW = Date.parse('2024-05-15T10:30:45.678Z');
const iso = (text: string) => Date.parse(text);

describe('parseTime', () => {
  it.each<[string, string]>([
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01T12:00:00.123456Z', '2024-05-01T12:00:00.123Z'],
    ['2024-05-01T12:00:00,5Z', '2024-05-01T12:00:00.500Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00-0130', '2024-05-01T13:30:00.000Z'],
    ['2024-05-01T12:00', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01 12:00:00', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
  ])('reads ISO-8601 %s as UTC unless it carries an offset', (value, expected) => {
    expect(new Date(parseTime(value, NOW)).toISOString()).toBe(expected);
  });

  it('reads digits as epoch milliseconds', () => {
    expect(parseTime('1715769045678')).toBe(1715769045678);
    expect(parseTime('0')).toBe(0);
  });

  it.each<[string, string]>([
    ['now', '2024-05-15T10:30:45.678Z'],
    ['now-30s', '2024-05-15T10:30:15.678Z'],
    ['now-15m', '2024-05-15T10:15:45.678Z'],
    ['now-2h', '2024-05-15T08:30:45.678Z'],
    ['now+1h', '2024-05-15T11:30:45.678Z'],
    ['now-7d', '2024-05-08T10:30:45.678Z'],
    ['now-1w', '2024-05-08T10:30:45.678Z'],
    ['now-1M', '2024-04-15T10:30:45.678Z'],
    ['now-1y', '2023-05-15T10:30:45.678Z'],
    ['now-1d-12h', '2024-05-13T22:30:45.678Z'],
    ['now/d', '2024-05-15T00:00:00.000Z'],
    ['now/h', '2024-05-15T10:00:00.000Z'],
    ['now/m', '2024-05-15T10:30:00.000Z'],
    ['now/w', '2024-05-13T00:00:00.000Z'],
    ['now/M', '2024-05-01T00:00:00.000Z'],
    ['now-1d/d', '2024-05-14T00:00:00.000Z'],
  ])('resolves date math %s', (value, expected) => {
    expect(new Date(parseTime(value, NOW)).toISOString()).toBe(expected);
  });

  it('rounds up to the last millisecond of the unit when asked, like Elasticsearch lte', () => {
    expect(new Date(parseTime('now/d', NOW, 'up')).toISOString()).toBe('2024-05-15T23:59:59.999Z');
    expect(new Date(parseTime('now-1M/M', NOW, 'up')).toISOString()).toBe(
      '2024-04-30T23:59:59.999Z',
    );
    expect(parseTime('now-5m', NOW, 'up')).toBe(NOW - 300_000);
  });

  it('keeps month arithmetic inside the target month', () => {
    const jan31 = iso('2024-01-31T08:00:00Z');
    expect(new Date(parseTime('now+1M', jan31)).toISOString()).toBe('2024-02-29T08:00:00.000Z');
    expect(new Date(parseTime('now-2M', jan31)).toISOString()).toBe('2023-11-30T08:00:00.000Z');
    expect(new Date(parseTime('now+1y', iso('2024-02-29T00:00:00Z'))).toISOString()).toBe(
      '2025-02-28T00:00:00.000Z',
    );
  });

  it.each([
    '',
    'yesterday',
    'now-',
    'now-15',
    'now-15x',
    'now/x',
    'now-1d/d/d',
    '2024-13-01',
    '2024-02-30',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:00:00+25:00',
    '1e12',
    '-5',
    'now+999999999y',
  ])('rejects %j with an error naming the value', (value) => {
    expect(() => parseTime(value, NOW)).toThrow(TimeExpressionError);
    expect(() => parseTime(value, NOW)).toThrow(`"${value}"`);
  });
});

describe('eventTimeMillis', () => {
  it('reads an event timestamp given as ISO-8601 or as epoch milliseconds', () => {
    expect(eventTimeMillis('2024-05-01T12:00:00.5+02:00')).toBe(iso('2024-05-01T10:00:00.500Z'));
    expect(eventTimeMillis(1714557600000)).toBe(1714557600000);
  });

  it('has no time for values that are not timestamps', () => {
    for (const value of [undefined, null, 'now', 'garbage', Number.NaN, {}, true]) {
      expect(eventTimeMillis(value)).toBeUndefined();
    }
  });
});

describe('parseInterval', () => {
  it.each<[string, number]>([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['365d', 31_536_000_000],
  ])('%s is %d ms', (value, millis) => {
    expect(parseInterval(value)).toBe(millis);
  });

  it.each([
    '',
    '0s',
    '0',
    '-5m',
    '5',
    'm',
    '1.5h',
    '1M',
    '1y',
    '366d',
    '99999999w',
    'five minutes',
  ])('rejects %j', (value) => {
    expect(() => parseInterval(value)).toThrow(TimeExpressionError);
    expect(() => parseInterval(value)).toThrow(`"${value}"`);
  });
});
