/**
 * The container index, kept in the `container` column of `events_fts` rather than in a
 * B-tree on (tenant, container_name, ts). Each commit spreads over a thousand containers,
 * so a B-tree index rewrote nearly every leaf of its index per transaction: two thirds of
 * the bytes the writer wrote. FTS5 writes each commit's postings as one new segment.
 *
 * An event is indexed under one token per time bucket it falls in (its minute, hour and
 * day); a time range is covered by the fewest whole buckets, so a search reads the
 * container's postings for little more than the range it asks for.
 */

const BUCKETS = [
  { unit: 'd', ms: 86_400_000 },
  { unit: 'h', ms: 3_600_000 },
  { unit: 'm', ms: 60_000 },
] as const;

const MINUTE_MS = 60_000;

/** Beyond this many buckets (about two years of days) a cover costs more than it saves. */
export const MAX_COVER_TOKENS = 1_000;

const HEX_CACHE_LIMIT = 10_000;
const hexNames = new Map<string, string>();

/** Hex of the name's UTF-8 bytes: one token for any name, and distinct names never share one. */
function nameHex(name: string): string {
  let hex = hexNames.get(name);
  if (hex === undefined) {
    if (hexNames.size >= HEX_CACHE_LIMIT) hexNames.clear();
    hex = Buffer.from(name, 'utf8').toString('hex');
    hexNames.set(name, hex);
  }
  return hex;
}

/** FTS5 would split a token at a minus sign, so buckets before 1970 are written `n<index>`. */
function token(hex: string, unit: string, index: number): string {
  return `c${hex}${unit}${index < 0 ? `n${-index}` : index}`;
}

/** The tokens an event of this container at `ts` (epoch ms) is indexed under, space separated. */
export function containerTokens(name: string, ts: number): string {
  const hex = nameHex(name);
  return BUCKETS.map(({ unit, ms }) => token(hex, unit, Math.floor(ts / ms))).join(' ');
}

/**
 * The tokens of the fewest whole buckets covering [from, to), or undefined when that
 * takes more than MAX_COVER_TOKENS. Partial minutes at either end are covered whole.
 */
export function containerCover(name: string, from: number, to: number): string[] | undefined {
  const hex = nameHex(name);
  const tokens: string[] = [];
  let at = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  const end = Math.ceil(to / MINUTE_MS) * MINUTE_MS;
  while (at < end) {
    if (tokens.length === MAX_COVER_TOKENS) return undefined;
    const bucket = BUCKETS.find(({ ms }) => at % ms === 0 && at + ms <= end)!;
    tokens.push(token(hex, bucket.unit, at / bucket.ms));
    at += bucket.ms;
  }
  return tokens;
}
