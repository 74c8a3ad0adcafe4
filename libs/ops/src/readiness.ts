import { Injectable, SetMetadata } from '@nestjs/common';

/** Dependencies (store, bus, ...) report here whether they can serve. */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, () => boolean>();

  register(name: string, check: () => boolean): void {
    this.checks.set(name, check);
  }

  report(): { ready: boolean; checks: Record<string, 'ok' | 'unavailable'> } {
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    for (const [name, check] of this.checks) {
      let ok = false;
      try {
        ok = check();
      } catch {
        ok = false;
      }
      checks[name] = ok ? 'ok' : 'unavailable';
    }
    return { ready: Object.values(checks).every((state) => state === 'ok'), checks };
  }
}

export const PUBLIC_ROUTE = 'logwarden:public';

/** Marks a route any caller may reach without a key: probes and scrapes. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
