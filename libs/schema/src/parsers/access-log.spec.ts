import { normalizeOne } from '../testing/normalize-one';

const NGINX_COMBINED =
  '203.0.113.7 - - [01/May/2024:10:15:32 +0200] "GET /api/v1/orders?page=2&size=50 HTTP/1.1" 200 5316 "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"';

describe('access log lines', () => {
  it('maps an nginx combined line from an nginx container', () => {
    const event = normalizeOne({
      log: `${NGINX_COMBINED}\n`,
      stream: 'stdout',
      time: '2024-05-01T08:15:32.101Z',
      container: { image: { name: 'nginx:1.27-alpine' } },
    });
    expect(event.message).toBe(NGINX_COMBINED);
    expect(event['@timestamp']).toBe('2024-05-01T08:15:32.000Z');
    expect(event.source).toEqual({ address: '203.0.113.7', ip: '203.0.113.7' });
    expect(event).not.toHaveProperty('user');
    expect(event.http).toEqual({
      request: { method: 'GET', referrer: 'https://shop.example.com/cart' },
      version: '1.1',
      response: { status_code: 200, body: { bytes: 5316 } },
    });
    expect(event.url).toEqual({
      original: '/api/v1/orders?page=2&size=50',
      path: '/api/v1/orders',
      query: 'page=2&size=50',
    });
    expect(event.user_agent).toEqual({
      original: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0',
    });
    expect(event.event).toMatchObject({
      category: ['web'],
      type: ['access'],
      outcome: 'success',
      dataset: 'nginx.access',
    });
  });

  it('maps an Apache common line with a user and no body', () => {
    const line = '192.168.1.20 - frank [10/Oct/2000:13:55:36 -0700] "POST /login HTTP/1.0" 401 -';
    const event = normalizeOne({
      message: line,
      log: { file: { path: '/var/log/httpd/access_log' } },
    });
    expect(event.user).toEqual({ name: 'frank' });
    expect(event.http.request.method).toBe('POST');
    expect(event.http.response).toEqual({ status_code: 401 });
    expect(event.event.outcome).toBe('failure');
    expect(event.event.dataset).toBe('apache.access');
    expect(event['@timestamp']).toBe('2000-10-10T20:55:36.000Z');
  });

  it('calls a line from an unknown server http.access, skips `-` fields, keeps a shipper dataset', () => {
    const line = '2001:db8::1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/2.0" 503 0 "-" "-"';
    const plain = normalizeOne({ message: line });
    expect(plain.event.dataset).toBe('http.access');
    expect(plain.source.ip).toBe('2001:db8::1');
    expect(plain.http.request).toEqual({ method: 'GET' });
    expect(plain.http.version).toBe('2.0');
    expect(plain).not.toHaveProperty('user_agent');
    expect(plain.event.outcome).toBe('failure');
    const tagged = normalizeOne({ message: line, event: { dataset: 'haproxy.log' } });
    expect(tagged.event.dataset).toBe('haproxy.log');
  });

  it('keeps the status of a request line that is not HTTP (TLS on a plain port)', () => {
    const line =
      '198.51.100.9 - - [01/May/2024:10:00:00 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01" 400 157 "-" "-"';
    const event = normalizeOne({ message: line });
    expect(event.http.response.status_code).toBe(400);
    expect(event.http).not.toHaveProperty('request');
    expect(event).not.toHaveProperty('url');
  });

  it('accepts escaped quotes inside the user agent', () => {
    const line =
      '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /x HTTP/1.1" 200 1 "-" "bot \\"v2\\""';
    expect(normalizeOne({ message: line }).user_agent.original).toBe('bot \\"v2\\"');
  });

  it('maps a line nginx sent to syslog, relayed by rsyslog with the space after the tag', () => {
    // nginx `access_log syslog:server=...` through rsyslog, whose `msg` keeps the space after `nginx:`.
    const message = ` ${NGINX_COMBINED}`;
    const event = normalizeOne({ message, host: { name: 'edge-1' }, process: { name: 'nginx' } });
    expect(event.source.ip).toBe('203.0.113.7');
    expect(event.http.response.status_code).toBe(200);
    expect(event.url.path).toBe('/api/v1/orders');
    expect(event.event.dataset).toBe('nginx.access');
    expect(event['@timestamp']).toBe('2024-05-01T08:15:32.000Z');
    expect(event.message).toBe(message);
  });

  it('leaves lines that only look similar untouched', () => {
    const line = '[worker-1] "job done" in 20ms';
    const event = normalizeOne({ message: line });
    expect(event).not.toHaveProperty('http');
    expect(event.message).toBe(line);
  });
});
