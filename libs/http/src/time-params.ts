import { BadRequestException } from '@nestjs/common';
import { parseInterval, parseTime } from '@logwarden/query';

/** A time parameter (ISO-8601, epoch ms or `now-15m`), or a 400 naming it. */
export function timeParam(name: string, value: string, now: number): number {
  try {
    return parseTime(value, now);
  } catch (error) {
    throw new BadRequestException({
      error: 'invalid_time',
      message: `${name}: ${(error as Error).message}`,
    });
  }
}

export function durationParam(name: string, value: string): number {
  try {
    return parseInterval(value);
  } catch (error) {
    throw new BadRequestException({
      error: 'invalid_duration',
      message: `${name}: ${(error as Error).message}`,
    });
  }
}
