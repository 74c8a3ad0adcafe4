import { randomBytes } from 'node:crypto';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EventMatcher, QuerySyntaxError, compileMatcher, parseQuery } from '@logwarden/query';
import { Alert, SILENCE_STORE, Silence, SilenceStore } from '@logwarden/store';
import { alertFields } from './alert-fields';

export interface NewSilence {
  matchers: string;
  startsAt: number;
  endsAt: number;
  comment: string;
}

/** Silences: matchers over alert fields and a time range; they mute notifications, never alerts. */
@Injectable()
export class SilencesService {
  private readonly matchers = new Map<string, EventMatcher>();

  constructor(@Inject(SILENCE_STORE) private readonly store: SilenceStore) {}

  async create(tenant: string, createdBy: string, input: NewSilence): Promise<Silence> {
    try {
      parseQuery(input.matchers);
    } catch (error) {
      if (error instanceof QuerySyntaxError)
        throw new BadRequestException({
          error: 'invalid_matchers',
          message: `matchers: ${error.message}`,
          position: error.position,
        });
      throw error;
    }
    const silence: Silence = {
      id: `si_${randomBytes(8).toString('hex')}`,
      tenant,
      ...input,
      createdBy,
      createdAt: Date.now(),
    };
    await this.store.create(silence);
    return silence;
  }

  list(tenant: string): Promise<Silence[]> {
    return this.store.list(tenant, Date.now());
  }

  async delete(tenant: string, id: string): Promise<void> {
    if (!(await this.store.delete(tenant, id)))
      throw new NotFoundException({ error: 'not_found', message: `No silence ${id}` });
  }

  /** A predicate over alerts: true when a silence in force at `now` covers it. */
  async silencer(now: number): Promise<(alert: Alert) => boolean> {
    const active = await this.store.active(now);
    return (alert) =>
      active.some(
        (silence) => silence.tenant === alert.tenant && this.matcher(silence)(alertFields(alert)),
      );
  }

  private matcher(silence: Silence): EventMatcher {
    let matcher = this.matchers.get(silence.id);
    if (!matcher) {
      if (this.matchers.size > 1_000) this.matchers.clear();
      matcher = compileMatcher(parseQuery(silence.matchers));
      this.matchers.set(silence.id, matcher);
    }
    return matcher;
  }
}
