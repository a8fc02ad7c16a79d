// Several typed columns of one length carved out of a single allocation.

/**
 * `count` Float64 columns of `length` entries in one ArrayBuffer. A run allocates its columns this way
 * (trace, features, order tables): one backing store instead of one per column. Each allocation of
 * the kind is a malloc, a zero fill and, later, a sweep by the collector, and with several evaluation
 * threads allocating at once that cost grows with the number of stores, not only their size.
 */
export function float64Columns(count: number, length: number): Float64Array[] {
  const buf = new ArrayBuffer(count * length * 8);
  const out: Float64Array[] = [];
  for (let i = 0; i < count; i++) out.push(new Float64Array(buf, i * length * 8, length));
  return out;
}

/** A typed column that can hold a ring of values. */
export type RingColumn = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Int8Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/**
 * A ring column holding `count` entries from `head` (wrapping at its end) copied into a new column twice its
 * length (at least `minLength`: a ring that starts empty), oldest entry at 0: how a full ring grows.
 */
export function unwrapRing<T extends RingColumn>(a: T, head: number, count: number, minLength = 0): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(minLength, a.length * 2));
  const first = Math.min(count, a.length - head);
  b.set(a.subarray(head, head + first));
  if (count > first) b.set(a.subarray(0, count - first), first);
  return b;
}
