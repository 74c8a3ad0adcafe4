import {
  createTransport,
  type NodemailerError,
  type SMTPSentMessageInfo,
  type Transporter,
} from 'nodemailer';
import { smtpEndpoint, type EmailChannelConfig } from './channel-config';
import { channelSecrets, deliveryError } from './delivery-errors';
import type { Channel, Notification } from './notification';
import { renderEmail } from './render-email';

/** Errors without an SMTP reply that sending again cannot fix: a bad address, missing credentials. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'ENOAUTH', 'ECONFIG', 'EMAXRECIPIENTS']);

/**
 * Sends each notification as one message to every recipient over a fresh SMTP connection
 * (STARTTLS when offered, or implicit TLS for `smtps:`). The only module that uses nodemailer.
 */
export class EmailChannel implements Channel {
  readonly name: string;
  readonly type = 'email';
  private readonly transport: Transporter<SMTPSentMessageInfo>;
  private readonly secrets: string[];
  private readonly messageIdDomain: string;

  constructor(private readonly config: EmailChannelConfig) {
    const endpoint = smtpEndpoint(config.smtpUrl);
    if (endpoint === undefined) {
      // parseNotifyConfig rejects such URLs; reaching this is a caller's bug, not a delivery failure.
      throw new Error(`email channel "${config.name}": smtpUrl is not an smtp:// or smtps:// URL`);
    }
    this.name = config.name;
    this.secrets = channelSecrets(config);
    this.messageIdDomain = /@([^@>\s]+)>?$/.exec(config.from)?.[1] ?? 'logwarden';
    this.transport = createTransport({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.secure,
      auth: endpoint.user === undefined ? undefined : { user: endpoint.user, pass: endpoint.pass },
      tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
  }

  async send(notification: Notification): Promise<void> {
    const { subject, text, html } = renderEmail(notification);
    let rejected: string[];
    let rejectedErrors: NodemailerError[] | undefined;
    try {
      ({ rejected, rejectedErrors } = await this.transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject,
        text,
        html,
        // The same id on a retry lets mail clients that deduplicate show the message once.
        messageId: `<${notification.id.replace(/[^A-Za-z0-9._-]/g, '-')}@${this.messageIdDomain}>`,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      }));
    } catch (error) {
      throw this.sendError(error as NodemailerError);
    }
    if (rejected.length > 0) {
      // The others have the message: a retry would send it to them again.
      const reasons = (rejectedErrors ?? []).map((error) => error.response ?? error.message);
      throw deliveryError(
        this.config,
        this.secrets,
        `rejected ${rejected.join(', ')}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}; delivered to the other recipients`,
        false,
      );
    }
  }

  close(): void {
    this.transport.close();
  }

  private sendError(error: NodemailerError) {
    if (error.code === 'EABORT') {
      return deliveryError(
        this.config,
        this.secrets,
        `no response within ${this.config.timeoutMs} ms`,
        true,
      );
    }
    // RFC 5321: a 4xx reply is transient, a 5xx one permanent; nodemailer sets `permanent` from it.
    const retryable =
      error.permanent === undefined ? !PERMANENT_CODES.has(error.code ?? '') : !error.permanent;
    return deliveryError(this.config, this.secrets, error.message, retryable);
  }
}
