export const ROLES = ['ingest', 'reader', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Admin holds every role; a responder can also read. */
export function grants(held: readonly string[], needed: Role): boolean {
  if (held.includes('admin')) return true;
  if (held.includes(needed)) return true;
  return needed === 'reader' && held.includes('responder');
}

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DEFAULT_TENANT = 'default';

/** Who is calling: the key that authenticated the request. */
export interface Principal {
  keyId: string;
  name: string;
  tenant: string;
  roles: string[];
}
