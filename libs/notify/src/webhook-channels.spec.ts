import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChannel } from './create-channel';
import { DeliveryError, type Channel } from './notification';
import { renderSlackBody } from './render-slack';
import { renderWebhookBody } from './render-webhook';
import { notificationOf, sshAlert } from './testing/notification-fixtures';
import { retryAfterMs } from './webhook-channels';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

type Reply = (response: ServerResponse, request: Received) => void;

/** A real HTTP receiver on a free port; `reply` answers each request in turn (the last one repeats). */
async function receiver(...replies: Reply[]) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      received.push(entry);
      const reply = replies[Math.min(received.length, replies.length) - 1];
      reply(response, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, port, received };
}

const servers: ReturnType<typeof createServer>[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

const status =
  (code: number, body = '', headers: Record<string, string> = {}): Reply =>
  (response) => {
    response.writeHead(code, headers);
    response.end(body);
  };

function webhook(
  url: string,
  extra: { headers?: Record<string, string>; timeoutMs?: number } = {},
) {
  return createChannel({
    name: 'ops',
    type: 'webhook',
    url,
    headers: extra.headers ?? {},
    timeoutMs: extra.timeoutMs ?? 5_000,
  });
}

async function failure(channel: Channel, notification = notificationOf([sshAlert()])) {
  try {
    await channel.send(notification);
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('send succeeded');
}

describe('webhook channel', () => {
  it('POSTs the version-1 JSON body with the configured headers', async () => {
    const hook = await receiver(status(204));
    const notification = notificationOf([sshAlert()]);

    await webhook(`${hook.url}/logwarden`, {
      headers: { Authorization: 'Bearer t0ken', 'X-Team': 'sec' },
    }).send(notification);

    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/logwarden');
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer t0ken',
      'x-team': 'sec',
      'idempotency-key': 'n-0001',
    });
    expect(request.body).toEqual(renderWebhookBody(notification));
  });

  it.each<[number, string]>([
    [500, 'HTTP 500 Internal Server Error'],
    [502, 'HTTP 502 Bad Gateway'],
    [503, 'HTTP 503 Service Unavailable'],
    [408, 'HTTP 408 Request Timeout'],
  ])('retries after %d', async (code, reason) => {
    const hook = await receiver(status(code));

    const error = await failure(webhook(hook.url));

    expect(error.message).toBe(`webhook "ops": ${reason}`);
    expect(error.retryable).toBe(true);
  });

  it('retries after 429, no sooner than Retry-After says', async () => {
    const hook = await receiver(status(429, 'slow down', { 'Retry-After': '7' }));

    const error = await failure(webhook(hook.url));

    expect(error).toMatchObject({
      message: 'webhook "ops": HTTP 429 Too Many Requests: slow down',
      retryable: true,
      retryAfterMs: 7_000,
    });
  });

  it.each<[number, string]>([
    [400, 'HTTP 400 Bad Request: {"error": "bad body"}'],
    [404, 'HTTP 404 Not Found: {"error": "bad body"}'],
    [410, 'HTTP 410 Gone: {"error": "bad body"}'],
  ])('gives up after %d, quoting what the receiver said', async (code, reason) => {
    const hook = await receiver(status(code, '{"error":\n"bad body"}'));

    const error = await failure(webhook(hook.url));

    expect(error.message).toBe(`webhook "ops": ${reason}`);
    expect(error.retryable).toBe(false);
  });

  it('does not follow a redirect', async () => {
    const target = await receiver(status(200));
    const hook = await receiver(status(302, '', { Location: `${target.url}/elsewhere` }));

    const error = await failure(webhook(hook.url));

    expect(error.message).toBe('webhook "ops": HTTP 302 Found (redirects are not followed)');
    expect(error.retryable).toBe(false);
    expect(target.received).toHaveLength(0);
  });

  it('retries when the receiver does not answer in time', async () => {
    const hook = await receiver(() => undefined);

    const started = Date.now();
    const error = await failure(webhook(hook.url, { timeoutMs: 200 }));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toBe('webhook "ops": no response within 200 ms');
    expect(error.retryable).toBe(true);
  });

  it('retries when nothing listens', async () => {
    const hook = await receiver(status(200));
    await new Promise((resolve) => {
      servers.pop()?.close(resolve);
    });

    const error = await failure(webhook(hook.url));

    expect(error.message).toBe(`webhook "ops": connect ECONNREFUSED 127.0.0.1:${hook.port}`);
    expect(error.retryable).toBe(true);
  });

  it('keeps tokens of the URL and headers out of the error, even when the receiver echoes them', async () => {
    const hook = await receiver((response, request) => {
      response.writeHead(401);
      response.end(`denied ${request.url} for ${request.headers.authorization}`);
    });

    const error = await failure(
      webhook(`${hook.url}/hooks/PATHSECRET?token=QUERYSECRET`, {
        headers: { Authorization: 'Bearer HEADERSECRET' },
      }),
    );

    expect(error.message).toBe('webhook "ops": HTTP 401 Unauthorized: denied *** for ***');
    expect(error.retryable).toBe(false);
  });
});

describe('Slack channel', () => {
  it('POSTs the Slack message', async () => {
    const slack = await receiver(status(200, 'ok'));
    const notification = notificationOf([sshAlert()]);

    await createChannel({
      name: 'team',
      type: 'slack',
      url: `${slack.url}/services/T0/B0/XYZ`,
      timeoutMs: 5_000,
    }).send(notification);

    expect(slack.received.map((request) => request.body)).toEqual([renderSlackBody(notification)]);
  });

  it('names Slack’s reason for refusing a message', async () => {
    const slack = await receiver(status(400, 'invalid_blocks'));

    const error = await failure(
      createChannel({ name: 'team', type: 'slack', url: slack.url, timeoutMs: 5_000 }),
    );

    expect(error.message).toBe('slack "team": HTTP 400 Bad Request: invalid_blocks');
    expect(error.retryable).toBe(false);
  });
});

describe('PagerDuty channel', () => {
  const accepted = status(202, '{"status":"success","message":"Event processed"}');

  function pagerduty(url: string) {
    return createChannel({
      name: 'pager',
      type: 'pagerduty',
      routingKey: 'R0UTINGKEY0123456789abcdef012345',
      url,
      timeoutMs: 5_000,
    });
  }

  it('sends one event per alert: trigger for firing, resolve for resolved', async () => {
    const events = await receiver(accepted);

    await pagerduty(`${events.url}/v2/enqueue`).send(
      notificationOf([sshAlert({ id: 'fire-1' }), sshAlert({ id: 'done-1', status: 'resolved' })]),
    );

    expect(events.received.map((request) => request.url)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(events.received[0].body).toMatchObject({
      routing_key: 'R0UTINGKEY0123456789abcdef012345',
      event_action: 'trigger',
      dedup_key: 'fire-1',
      payload: {
        summary:
          'SSH brute force (source.ip=10.0.0.5): 12 events in 5m for source.ip=10.0.0.5 (threshold 5)',
        severity: 'error',
        source: 'source.ip=10.0.0.5',
      },
    });
    expect(events.received[1].body).toEqual({
      routing_key: 'R0UTINGKEY0123456789abcdef012345',
      event_action: 'resolve',
      dedup_key: 'done-1',
    });
  });

  it('fails, retryably, when an event after the first is refused for now', async () => {
    const events = await receiver(accepted, status(500));

    const error = await failure(
      pagerduty(events.url),
      notificationOf([sshAlert({ id: 'a' }), sshAlert({ id: 'b' }), sshAlert({ id: 'c' })]),
    );

    expect(events.received).toHaveLength(2);
    expect(error.message).toBe('pagerduty "pager": HTTP 500 Internal Server Error');
    expect(error.retryable).toBe(true);
  });

  it('keeps the routing key out of the error when PagerDuty echoes the event', async () => {
    const events = await receiver((response, request) => {
      response.writeHead(400);
      response.end(JSON.stringify({ status: 'invalid event', event: request.body }));
    });

    const error = await failure(pagerduty(events.url));

    expect(error.message).toMatch(
      /^pagerduty "pager": HTTP 400 Bad Request: \{"status":"invalid event"/,
    );
    expect(error.message).not.toContain('R0UTINGKEY');
    expect(error.retryable).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it.each<[string | null, number | undefined]>([
    ['120', 120_000],
    ['Wed, 01 May 2024 12:00:30 GMT', 30_000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('reads %p as %p ms', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});
