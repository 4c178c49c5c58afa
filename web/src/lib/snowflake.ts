/** Snowflakes with Discord's epoch: ids compare as numbers and carry their creation time. */

export const EPOCH = 1420070400000n;

export function compareIds(a: string | null | undefined, b: string | null | undefined): number {
  const x = BigInt(a || "0");
  const y = BigInt(b || "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

export function idTime(id: string): number {
  return Number((BigInt(id) >> 22n) + EPOCH);
}

export function idFromTime(ms: number): string {
  return ((BigInt(Math.max(0, Math.floor(ms))) - EPOCH) << 22n).toString();
}

let counter = 0;
/** A client nonce: a snowflake-shaped string, unique per tab, that `enforce_nonce` deduplicates. */
export function makeNonce(now = Date.now()): string {
  counter = (counter + 1) % 4096;
  const random = BigInt(Math.floor(Math.random() * 1024));
  return (((BigInt(now) - EPOCH) << 22n) | (random << 12n) | BigInt(counter)).toString();
}
