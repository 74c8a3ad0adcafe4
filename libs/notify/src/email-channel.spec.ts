import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { EmailChannelConfig } from './channel-config';
import { createChannel } from './create-channel';
import { DeliveryError, type Channel } from './notification';
import { notificationOf, sshAlert } from './testing/notification-fixtures';

interface Delivered {
  from: string | false;
  to: string[];
  user?: string;
  secure: boolean;
  mail: ParsedMail;
}

const closers: (() => Promise<void>)[] = [];
const channels: Channel[] = [];

afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close?.();
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A real SMTP server on a free port that parses and keeps what it accepts. */
async function smtpServer(options: SMTPServerOptions = {}) {
  const delivered: Delivered[] = [];
  const server = new SMTPServer({
    // Quiet, and no warning about the built-in self-signed certificate: it is what we test with.
    logger: false,
    authOptional: true,
    disableReverseLookup: true,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          delivered.push({
            from: session.envelope.mailFrom && session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            user: session.user as string | undefined,
            secure: session.secure,
            mail,
          });
          callback();
        })
        .catch(callback);
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return { port, delivered };
}

function emailChannel(smtpUrl: string, overrides: Partial<EmailChannelConfig> = {}): Channel {
  const channel = createChannel({
    name: 'oncall',
    type: 'email',
    smtpUrl,
    from: 'Logwarden <logwarden@example.com>',
    to: ['oncall@example.com', 'lead@example.com'],
    tlsRejectUnauthorized: true,
    timeoutMs: 5_000,
    ...overrides,
  });
  channels.push(channel);
  return channel;
}

async function failure(channel: Channel): Promise<DeliveryError> {
  try {
    await channel.send(notificationOf([sshAlert()]));
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('send succeeded');
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

describe('email channel', () => {
  it('delivers the rendered message to every recipient', async () => {
    const smtp = await smtpServer({ hideSTARTTLS: true });

    await emailChannel(`smtp://127.0.0.1:${smtp.port}`).send(notificationOf([sshAlert()]));

    expect(smtp.delivered).toHaveLength(1);
    const [{ from, to, mail }] = smtp.delivered;
    expect(from).toBe('logwarden@example.com');
    expect(to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail.subject).toBe('[FIRING:1] [HIGH] SSH brute force — source.ip=10.0.0.5');
    expect(mail.from?.text).toBe('"Logwarden" <logwarden@example.com>');
    expect(mail.messageId).toBe('<n-0001@example.com>');
    expect(mail.text).toContain('12 events in 5m for source.ip=10.0.0.5 (threshold 5)');
    expect(mail.text).toContain('Failed password for root from 10.0.0.5 port 51234 ssh2');
    expect(mail.html).toContain('<a href="https://logwarden.example.com/api/v1/alerts/a1b2c3">');
  });

  it.each(['PLAIN', 'LOGIN'])(
    'authenticates with %s using the user and password of the URL',
    async (method) => {
      const smtp = await smtpServer({
        hideSTARTTLS: true,
        allowInsecureAuth: true,
        authOptional: false,
        authMethods: [method],
        onAuth(auth, _session, callback) {
          if (
            auth.method === method &&
            auth.username === 'alerts' &&
            auth.password === 'p@ss:w/rd'
          ) {
            callback(null, { user: auth.username });
          } else {
            callback(smtpError('Invalid username or password', 535));
          }
        },
      });

      await emailChannel(`smtp://alerts:p%40ss%3Aw%2Frd@127.0.0.1:${smtp.port}`).send(
        notificationOf([sshAlert()]),
      );

      expect(smtp.delivered.map((delivered) => delivered.user)).toEqual(['alerts']);
    },
  );

  it('gives up on refused credentials and never shows the password', async () => {
    const smtp = await smtpServer({
      hideSTARTTLS: true,
      allowInsecureAuth: true,
      authOptional: false,
      onAuth(_auth, _session, callback) {
        callback(smtpError('Invalid username or password', 535));
      },
    });

    const error = await failure(emailChannel(`smtp://alerts:hunter2@127.0.0.1:${smtp.port}`));

    expect(error.message).toBe('email "oncall": Invalid login: 535 Invalid username or password');
    expect(error.retryable).toBe(false);
    expect(smtp.delivered).toHaveLength(0);
  });

  it('upgrades with STARTTLS and accepts a self-signed certificate when told to', async () => {
    const smtp = await smtpServer();

    await emailChannel(`smtp://127.0.0.1:${smtp.port}`, { tlsRejectUnauthorized: false }).send(
      notificationOf([sshAlert()]),
    );

    expect(smtp.delivered.map((delivered) => delivered.secure)).toEqual([true]);
  });

  it('refuses a certificate it cannot verify by default', async () => {
    const smtp = await smtpServer();

    const error = await failure(emailChannel(`smtp://127.0.0.1:${smtp.port}`));

    expect(error.message).toMatch(/^email "oncall": .*certificate/);
    expect(smtp.delivered).toHaveLength(0);
  });

  it('speaks TLS from the first byte for smtps://', async () => {
    const smtp = await smtpServer({ secure: true });

    await emailChannel(`smtps://127.0.0.1:${smtp.port}`, { tlsRejectUnauthorized: false }).send(
      notificationOf([sshAlert()]),
    );

    expect(smtp.delivered.map((delivered) => delivered.secure)).toEqual([true]);
  });

  it('gives up on a permanent (5xx) rejection and retries a temporary (4xx) one', async () => {
    const permanent = await smtpServer({
      hideSTARTTLS: true,
      onRcptTo(_address, _session, callback) {
        callback(smtpError('5.1.1 No such user', 550));
      },
    });
    const temporary = await smtpServer({
      hideSTARTTLS: true,
      onRcptTo(_address, _session, callback) {
        callback(smtpError('4.7.1 Greylisted, try again later', 451));
      },
    });

    const refused = await failure(emailChannel(`smtp://127.0.0.1:${permanent.port}`));
    const deferred = await failure(emailChannel(`smtp://127.0.0.1:${temporary.port}`));

    expect(refused.message).toBe(
      'email "oncall": Can\'t send mail - all recipients were rejected: 550 5.1.1 No such user',
    );
    expect(refused.retryable).toBe(false);
    expect(deferred.message).toBe(
      'email "oncall": Can\'t send mail - all recipients were rejected: 451 4.7.1 Greylisted, try again later',
    );
    expect(deferred.retryable).toBe(true);
  });

  it('retries when the server refuses the message body for now', async () => {
    const smtp = await smtpServer({
      hideSTARTTLS: true,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(smtpError('4.3.0 Mailbox full', 452)));
      },
    });

    const error = await failure(emailChannel(`smtp://127.0.0.1:${smtp.port}`));

    expect(error.message).toBe('email "oncall": Message failed: 452 4.3.0 Mailbox full');
    expect(error.retryable).toBe(true);
  });

  it('does not resend to recipients who got it when one address is refused', async () => {
    const smtp = await smtpServer({
      hideSTARTTLS: true,
      onRcptTo(address, _session, callback) {
        callback(
          address.address === 'lead@example.com' ? smtpError('5.1.1 No such user', 550) : null,
        );
      },
    });

    const error = await failure(emailChannel(`smtp://127.0.0.1:${smtp.port}`));

    expect(smtp.delivered.map((delivered) => delivered.to)).toEqual([['oncall@example.com']]);
    expect(error.message).toBe(
      'email "oncall": rejected lead@example.com (550 5.1.1 No such user); delivered to the other recipients',
    );
    expect(error.retryable).toBe(false);
  });

  it('retries when nothing listens', async () => {
    const smtp = await smtpServer();
    await closers.pop()?.();

    const error = await failure(emailChannel(`smtp://alerts:hunter2@127.0.0.1:${smtp.port}`));

    expect(error.message).toBe(`email "oncall": connect ECONNREFUSED 127.0.0.1:${smtp.port}`);
    expect(error.retryable).toBe(true);
  });

  it('retries when the server never greets', async () => {
    const silent: Server = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as AddressInfo;

    const started = Date.now();
    const error = await failure(
      emailChannel(`smtp://alerts:hunter2@127.0.0.1:${port}`, { timeoutMs: 300 }),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toBe('email "oncall": no response within 300 ms');
    expect(error.retryable).toBe(true);
  });
});
