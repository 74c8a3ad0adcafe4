import { normalizeOne } from '../testing/normalize-one';

describe('sshd authentication lines', () => {
  it('maps a failed password for an invalid user from a syslog file line', () => {
    const line =
      'May  1 10:00:00 bastion-1 sshd[2211]: Failed password for invalid user oracle from 45.33.12.9 port 52814 ssh2';
    const event = normalizeOne({ message: line });
    expect(event.message).toBe(line);
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.000Z');
    expect(event.host).toEqual({ name: 'bastion-1' });
    expect(event.process).toEqual({ name: 'sshd', pid: 2211 });
    expect(event.user).toEqual({ name: 'oracle' });
    expect(event.source).toEqual({ address: '45.33.12.9', ip: '45.33.12.9', port: 52814 });
    expect(event.event).toMatchObject({
      category: ['authentication'],
      action: 'ssh_login',
      outcome: 'failure',
    });
  });

  it('maps an accepted publickey login as a success', () => {
    const event = normalizeOne({
      message:
        '2024-05-01T10:00:00.123456+00:00 bastion-1 sshd[2300]: Accepted publickey for deploy from 10.0.4.2 port 40022 ssh2: ED25519 SHA256:abc',
    });
    expect(event.user.name).toBe('deploy');
    expect(event.source.port).toBe(40022);
    expect(event.event.outcome).toBe('success');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.123Z');
  });

  it.each([
    ['Invalid user admin from 185.220.101.4 port 40112', 'admin', '185.220.101.4', 40112],
    [
      'Connection closed by authenticating user root 185.220.101.4 port 40113 [preauth]',
      'root',
      '185.220.101.4',
      40113,
    ],
    [
      'Disconnected from invalid user test 2001:db8::7 port 40114 [preauth]',
      'test',
      '2001:db8::7',
      40114,
    ],
    ['Failed password for root from 185.220.101.4 port 40115 ssh2', 'root', '185.220.101.4', 40115],
  ])('maps the bare message %p as a failed login', (message, user, ip, port) => {
    const event = normalizeOne({ message, process: { name: 'sshd', pid: 7 } });
    expect(event.user.name).toBe(user);
    expect(event.source).toMatchObject({ ip, port });
    expect(event.event.outcome).toBe('failure');
    expect(event.event.action).toBe('ssh_login');
  });

  it('maps the msg rsyslog relays from a BSD syslog line, which starts with a space', () => {
    // rsyslogd 8.2302 receiving `<38>May  1 12:00:00 bastion sshd[4121]: Failed password ...`,
    // shipped with omelasticsearch and a template that sends its `msg` property as message.
    const message = ' Failed password for root from 10.0.0.5 port 52144 ssh2';
    const event = normalizeOne({
      '@timestamp': '2024-05-01T12:00:00+00:00',
      message,
      host: { name: 'bastion' },
    });
    expect(event.user).toEqual({ name: 'root' });
    expect(event.source).toEqual({ address: '10.0.0.5', ip: '10.0.0.5', port: 52144 });
    expect(event.event).toMatchObject({ action: 'ssh_login', outcome: 'failure' });
    expect(event.process.name).toBe('sshd');
    expect(event.message).toBe(message);
  });

  it('maps a relayed pam_unix failure that starts with a space', () => {
    const event = normalizeOne({
      message:
        ' pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.0.5  user=root',
      process: { name: 'sshd' },
    });
    expect(event.user.name).toBe('root');
    expect(event.source.ip).toBe('10.0.0.5');
    expect(event.event.outcome).toBe('failure');
  });

  it('maps a pam_unix authentication failure', () => {
    const event = normalizeOne({
      message:
        'May  1 10:00:01 bastion-1 sshd[2212]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=45.33.12.9  user=root',
    });
    expect(event.user.name).toBe('root');
    expect(event.source.ip).toBe('45.33.12.9');
    expect(event.event.outcome).toBe('failure');
    expect(event).not.toHaveProperty('logname');
  });

  it('does not read other programs as sshd, but keeps their syslog header', () => {
    const event = normalizeOne({
      message: 'May  1 10:00:02 web-1 vsftpd[99]: Invalid user admin from 1.2.3.4 port 21',
    });
    expect(event).not.toHaveProperty('user');
    expect(event.process).toEqual({ name: 'vsftpd', pid: 99 });
    expect(event.host.name).toBe('web-1');
  });

  it('leaves other sshd messages as plain lines', () => {
    const event = normalizeOne({
      message: 'May  1 10:00:03 bastion-1 sshd[1]: Server listening on 0.0.0.0 port 22.',
    });
    expect(event.event).not.toHaveProperty('category');
    expect(event.process.name).toBe('sshd');
  });
});
