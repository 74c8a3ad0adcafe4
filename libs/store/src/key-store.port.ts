/** A stored API key: only hashes of its secret, never the secret. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  roles: string[];
  tenant: string;
  /** sha256 of the whole bearer token. */
  tokenHash: string;
  /** sha256 of the secret part, for `ApiKey` and Basic credentials. */
  secretHash: string;
  createdAt: string;
}

export interface KeyStore {
  /** Inserts the key, or replaces the key with the same id. */
  save(key: ApiKeyRecord): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | undefined>;
  findByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Answers whether a key was removed. */
  delete(id: string): Promise<boolean>;
  countWithRole(role: string): Promise<number>;
}

export const KEY_STORE = Symbol('KEY_STORE');
