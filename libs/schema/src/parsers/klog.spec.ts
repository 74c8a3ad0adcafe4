import { normalizeOne } from '../testing/normalize-one';

describe('glog / klog lines', () => {
  it('takes level, time, pid and source location from the header', () => {
    const line = 'E0501 10:00:00.123456       1 reflector.go:147] failed to list *v1.Pod: timeout';
    const event = normalizeOne({ message: line });
    expect(event.message).toBe(line);
    expect(event.log).toEqual({
      level: 'error',
      origin: { file: { name: 'reflector.go', line: 147 } },
    });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
    expect(event.process).toEqual({ pid: 1 });
  });

  it('prefers the container runtime time, which has a year and a zone', () => {
    const event = normalizeOne({
      log: 'W0501 09:59:59.000001    12 leaderelection.go:330] lease lost\n',
      stream: 'stderr',
      time: '2024-05-01T09:59:59.000900Z',
    });
    expect(event.log.level).toBe('warn');
    expect(event['@timestamp']).toBe('2024-05-01T09:59:59.000Z');
  });

  it('does not take ordinary lines starting with a capital for klog', () => {
    const event = normalizeOne({ message: 'Error: connection refused' });
    expect(event).not.toHaveProperty('log');
  });
});
