import { normalizeOne } from '../testing/normalize-one';
import { parseLogfmt } from './message-body';

describe('JSON message bodies', () => {
  it('lifts a pino line written to stdout, its text, time and level winning', () => {
    const event = normalizeOne({
      log: '{"level":50,"time":1714557600456,"pid":1,"hostname":"api-1","req":{"method":"GET","url":"/x"},"msg":"request failed"}\n',
      stream: 'stdout',
      time: '2024-05-01T10:00:00.999Z',
    });
    expect(event.message).toBe('request failed');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.456Z');
    expect(event.log).toEqual({ iostream: 'stdout', level: 'error' });
    expect(event.req).toEqual({ method: 'GET', url: '/x' });
    expect(event.pid).toBe(1);
    expect(event).not.toHaveProperty('level');
    expect(event).not.toHaveProperty('msg');
    expect(event).not.toHaveProperty('time');
  });

  it('lifts ECS logging output with dotted keys', () => {
    const event = normalizeOne({
      message:
        '{"@timestamp":"2024-05-01T10:00:00.321Z","log.level":"WARN","message":"disk 91% full","ecs.version":"1.6.0","service.name":"store","labels":{"disk.name":"sda"}}',
    });
    expect(event.message).toBe('disk 91% full');
    expect(event.log.level).toBe('warn');
    expect(event.service).toEqual({ name: 'store' });
    expect(event.ecs).toEqual({ version: '1.6.0' });
    expect(event.labels).toEqual({ disk_name: 'sda' });
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.321Z');
  });

  it('keeps the original text as the message when the JSON has none', () => {
    const text = '{"status":"ok","checks":3}';
    const event = normalizeOne({ message: text });
    expect(event.message).toBe(text);
    expect(event.status).toBe('ok');
    expect(event.checks).toBe(3);
  });

  it('takes structlog `event` as the message', () => {
    const event = normalizeOne({
      message:
        '{"event":"user logged in","level":"info","timestamp":"2024-05-01T10:00:00Z","user_id":7}',
    });
    expect(event.message).toBe('user logged in');
    expect(event.user_id).toBe(7);
    expect(event.log.level).toBe('info');
  });

  it('leaves text that only starts with a brace as it is', () => {
    const text = '{not json} but a template';
    expect(normalizeOne({ message: text }).message).toBe(text);
    const broken = '{"truncated": "va';
    expect(normalizeOne({ message: broken }).message).toBe(broken);
  });

  it('keeps both values when a lifted field clashes with the envelope', () => {
    const event = normalizeOne({
      message: '{"msg":"hi","host":"app-container"}',
      host: { name: 'node-1' },
    });
    expect(event.host.name).toEqual(['node-1', 'app-container']);
  });

  it('lifts a JSON line relayed through syslog, after the space that precedes it', () => {
    // Docker's syslog driver, then rsyslog: `msg` is " " + the line the app wrote.
    const event = normalizeOne({
      message: ' {"level":"error","msg":"payment declined","order":"A-17"}',
      host: { name: 'docker-1' },
    });
    expect(event.message).toBe('payment declined');
    expect(event.log.level).toBe('error');
    expect(event.order).toBe('A-17');
  });

  it('keeps the indentation of a line it does not parse', () => {
    const line = '\tat com.example.shop.Checkout.pay(Checkout.java:42)';
    expect(normalizeOne({ message: line }).message).toBe(line);
  });

  it('lifts a message given as an object', () => {
    const event = normalizeOne({ message: { msg: 'nested', code: 7 } });
    expect(event.message).toBe('nested');
    expect(event.code).toBe(7);
  });
});

describe('logfmt message bodies', () => {
  it('lifts a Go logfmt line, mapping level, msg and ts', () => {
    const event = normalizeOne({
      message:
        'ts=2024-05-01T10:00:00.777Z level=warn caller=main.go:42 msg="cache miss ratio high" ratio=0.43',
    });
    expect(event.message).toBe('cache miss ratio high');
    expect(event.log.level).toBe('warn');
    expect(event['@timestamp']).toBe('2024-05-01T10:00:00.777Z');
    expect(event.caller).toBe('main.go:42');
    expect(event.ratio).toBe('0.43');
    expect(event).not.toHaveProperty('ts');
  });

  it('keeps a logrus line without msg as its own message', () => {
    const line = 'time="2024-05-01T10:00:00Z" level=error error="dial tcp: refused" component=db';
    const event = normalizeOne({ message: line });
    expect(event.message).toBe(line);
    expect(event.log.level).toBe('error');
    expect(event.error).toEqual({ message: 'dial tcp: refused' });
    expect(event.component).toBe('db');
  });

  it.each([
    ['one pair', 'retries=3'],
    ['prose with pairs', 'user=bob logged in from office'],
    ['prose that starts with a word', 'Set timeout=30 and retries=3'],
  ])('does not take %s for logfmt', (_name, line) => {
    expect(parseLogfmt(line)).toBeUndefined();
    expect(normalizeOne({ message: line }).message).toBe(line);
  });

  it('accepts an explicit true value', () => {
    expect(parseLogfmt('a=true b=1')).toEqual({ a: true, b: '1' });
  });
});
