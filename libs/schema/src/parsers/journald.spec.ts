import { normalizeOne } from '../testing/normalize-one';

// Normalization takes ownership of what it is given: each test gets its own copy.

// As Vector's `journald` source emits an entry (its `elasticsearch` and `http` sinks send it
// as is): the journal's fields, with `message`, `host` and `timestamp` of Vector's own.
const vectorSshd = () => ({
  timestamp: '2024-05-01T10:00:00.123456Z',
  host: 'bastion-1',
  message: 'Failed password for invalid user oracle from 45.33.12.9 port 52814 ssh2',
  source_type: 'journald',
  PRIORITY: '6',
  SYSLOG_FACILITY: '10',
  SYSLOG_IDENTIFIER: 'sshd',
  SYSLOG_TIMESTAMP: 'May  1 10:00:00 ',
  _BOOT_ID: '3d2ae1d6b5a14bb2a6b1e0b7f0c1d2e3',
  _COMM: 'sshd',
  _EXE: '/usr/sbin/sshd',
  _HOSTNAME: 'bastion-1',
  _PID: '2211',
  _SYSTEMD_UNIT: 'ssh.service',
  _TRANSPORT: 'syslog',
  _UID: '0',
});

// Fluent Bit's `systemd` input with `Strip_Underscores On`, through its `es` output.
const fluentBitSshd = () => ({
  '@timestamp': '2024-05-01T10:00:02.000Z',
  PRIORITY: '6',
  SYSLOG_IDENTIFIER: 'sshd',
  SYSLOG_PID: '2212',
  MESSAGE: 'Invalid user admin from 185.220.101.4 port 40112',
  BOOT_ID: '3d2ae1d6b5a14bb2a6b1e0b7f0c1d2e3',
  COMM: 'sshd',
  HOSTNAME: 'bastion-2',
  PID: '2212',
  SYSTEMD_UNIT: 'ssh.service',
  TRANSPORT: 'syslog',
});

describe('journal entries', () => {
  it("maps a Vector journald entry's fields and parses its sshd line", () => {
    const event = normalizeOne(vectorSshd());
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
    expect(event.host).toEqual({ name: 'bastion-1' });
    expect(event.process).toEqual({ name: 'sshd', pid: 2211 });
    expect(event.systemd).toEqual({ unit: 'ssh.service' });
    expect(event.log).toMatchObject({ level: 'info' });
    expect(event.user).toEqual({ name: 'oracle' });
    expect(event.source).toMatchObject({ ip: '45.33.12.9', port: 52814 });
    expect(event.event).toMatchObject({ action: 'ssh_login', outcome: 'failure' });
    // Vector's `host` held the host name already: the journal's copy stays as it came.
    expect(event._HOSTNAME).toBe('bastion-1');
    expect(event._TRANSPORT).toBe('syslog');
  });

  it('maps a Fluent Bit systemd entry with the underscores stripped', () => {
    const event = normalizeOne(fluentBitSshd());
    expect(event.message).toBe('Invalid user admin from 185.220.101.4 port 40112');
    expect(event.MESSAGE).toBeUndefined();
    expect(event.host).toEqual({ name: 'bastion-2' });
    expect(event.process).toEqual({ name: 'sshd', pid: 2212 });
    expect(event.user).toEqual({ name: 'admin' });
    expect(event.event).toMatchObject({ action: 'ssh_login', outcome: 'failure' });
  });

  it('takes the level from the journal priority', () => {
    expect(normalizeOne({ ...fluentBitSshd(), PRIORITY: '3' }).log).toMatchObject({
      level: 'error',
    });
  });

  it("leaves an application's own PID and MESSAGE fields alone", () => {
    const event = normalizeOne({ MESSAGE: 'batch done', PID: '42', message: 'job finished' });
    expect(event.MESSAGE).toBe('batch done');
    expect(event.PID).toBe('42');
    expect(event.process).toBeUndefined();
  });
});
