/**
 * A query the user has to fix. `position` is the 0-based character offset in the
 * query string; the message names it so it can be shown as-is in a 400 response.
 */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';

  constructor(
    problem: string,
    readonly position: number,
    hint?: string,
  ) {
    super(`${problem} at position ${position}${hint ? `: ${hint}` : ''}`);
  }
}
