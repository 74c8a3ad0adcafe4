import { normalizeLogLevel, takeLogLevel } from './log-level';

describe('normalizeLogLevel', () => {
  it.each([
    ['INFO', 'info'],
    ['Information', 'info'],
    ['NOTICE', 'info'],
    ['WARNING', 'warn'],
    ['warn', 'warn'],
    ['ERR', 'error'],
    ['Error', 'error'],
    ['CRIT', 'fatal'],
    ['CRITICAL', 'fatal'],
    ['ALERT', 'fatal'],
    ['EMERG', 'fatal'],
    ['PANIC', 'fatal'],
    ['fatal', 'fatal'],
    ['DEBUG', 'debug'],
    ['trace', 'trace'],
    [' warn ', 'warn'],
    ['I', 'info'],
    ['W', 'warn'],
    ['E', 'error'],
    ['F', 'fatal'],
  ])('maps the name %p to %p', (input, expected) => {
    expect(normalizeLogLevel(input)).toBe(expected);
  });

  it.each([
    [0, 'fatal'],
    [2, 'fatal'],
    [3, 'error'],
    [4, 'warn'],
    [5, 'info'],
    [6, 'info'],
    [7, 'debug'],
    ['3', 'error'],
  ])('maps the syslog severity %p to %p', (input, expected) => {
    expect(normalizeLogLevel(input)).toBe(expected);
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
    ['50', 'error'],
  ])('maps the pino/bunyan level %p to %p', (input, expected) => {
    expect(normalizeLogLevel(input)).toBe(expected);
  });

  it.each([['Metadata'], [8], [99], [3.5], [''], [null], [{ level: 'info' }]])(
    'leaves %p unmapped',
    (input) => {
      expect(normalizeLogLevel(input)).toBeUndefined();
    },
  );
});

describe('takeLogLevel', () => {
  it('removes the non-ECS key it mapped', () => {
    const obj: Record<string, unknown> = { lvl: 'eror', msg: 'x' };
    expect(takeLogLevel(obj)).toBe('error');
    expect(obj).toEqual({ msg: 'x' });
  });

  it('keeps a non-ECS key whose value is not a level', () => {
    const obj: Record<string, unknown> = { level: 'Metadata', severity: 'WARNING' };
    expect(takeLogLevel(obj)).toBe('warn');
    expect(obj).toEqual({ level: 'Metadata' });
  });

  it('trusts an ECS log.level over other keys', () => {
    expect(takeLogLevel({ log: { level: 'ERROR' }, level: 'info' })).toBe('error');
  });

  it('falls back to the syslog severity code', () => {
    expect(takeLogLevel({ log: { syslog: { severity: { code: 4 } } } })).toBe('warn');
  });
});
