import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CONFIG, LogwardenConfig } from '@logwarden/config';
import { ApiKeyRecord, KEY_STORE, KeyStore } from '@logwarden/store';
import { DEFAULT_TENANT, Principal, Role } from './roles';

export interface NewKey {
  name: string;
  roles: Role[];
  tenant: string;
}

/** A key as listed: everything but its hashes. */
export interface KeyView {
  id: string;
  name: string;
  roles: string[];
  tenant: string;
  created_at: string;
}

/** A key as created: the only time its secret is ever shown. */
export interface CreatedKey extends KeyView {
  /** Use as `Authorization: Bearer <key>`. */
  key: string;
  /** base64(id:secret), for `Authorization: ApiKey <encoded>` (Beats, Logstash, ES clients). */
  encoded: string;
}

const ENV_ADMIN_ID = 'admin';

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

function view(key: ApiKeyRecord): KeyView {
  return {
    id: key.id,
    name: key.name,
    roles: key.roles,
    tenant: key.tenant,
    created_at: key.createdAt,
  };
}

/**
 * API keys: random secrets stored only as SHA-256 hashes (a slow password hash
 * buys nothing for 256-bit random secrets and would cost every request).
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(CONFIG) private readonly config: LogwardenConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminKey) {
      await this.keys.save({
        id: ENV_ADMIN_ID,
        name: 'admin (LOGWARDEN_ADMIN_KEY)',
        roles: ['admin'],
        tenant: DEFAULT_TENANT,
        tokenHash: sha256(this.config.adminKey),
        secretHash: sha256(this.config.adminKey),
        createdAt: new Date().toISOString(),
      });
      return;
    }
    if ((await this.keys.countWithRole('admin')) > 0) return;
    const created = await this.create({
      name: 'admin (generated)',
      roles: ['admin'],
      tenant: DEFAULT_TENANT,
    });
    // Printed once, on stdout rather than the log stream, so it never reaches log storage.
    process.stdout.write(
      `\nLogwarden generated the first admin API key. It is shown only this once:\n\n  ${created.key}\n\n` +
        `Use it as "Authorization: Bearer <key>". Set LOGWARDEN_ADMIN_KEY to choose your own.\n\n`,
    );
    this.logger.log(`generated the first admin key (id ${created.id})`);
  }

  async create(input: NewKey): Promise<CreatedKey> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const key = `lw_${id}_${secret}`;
    const record: ApiKeyRecord = {
      id,
      name: input.name,
      roles: [...new Set(input.roles)],
      tenant: input.tenant,
      tokenHash: sha256(key),
      secretHash: sha256(secret),
      createdAt: new Date().toISOString(),
    };
    await this.keys.save(record);
    return { ...view(record), key, encoded: Buffer.from(`${id}:${secret}`).toString('base64') };
  }

  async list(): Promise<KeyView[]> {
    return (await this.keys.list()).map(view);
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.keys.delete(id))) {
      throw new NotFoundException({ error: 'not_found', message: `no API key with id "${id}"` });
    }
  }

  /**
   * Resolves an `Authorization` header to its key, or undefined when it names
   * no valid key. Accepts `Bearer <key>`, `ApiKey base64(id:secret)` and
   * `Basic base64(id:secret)`.
   */
  async authenticate(header: string | undefined): Promise<Principal | undefined> {
    if (!header) return undefined;
    const space = header.indexOf(' ');
    if (space < 0) return undefined;
    const scheme = header.slice(0, space).toLowerCase();
    const credentials = header.slice(space + 1).trim();
    if (credentials === '') return undefined;

    let record: ApiKeyRecord | undefined;
    if (scheme === 'bearer') {
      record = await this.keys.findByTokenHash(sha256(credentials));
    } else if (scheme === 'apikey' || scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return undefined;
      const candidate = await this.keys.findById(decoded.slice(0, colon));
      if (candidate && sameHash(candidate.secretHash, sha256(decoded.slice(colon + 1))))
        record = candidate;
    }
    if (!record) return undefined;
    return { keyId: record.id, name: record.name, tenant: record.tenant, roles: record.roles };
  }
}
