// A table of values by integer key (a price level's tick index) in typed arrays: the levels an L2 book keeps outside its window.

/**
 * Open addressing with linear probing, keys and values in `Float64Array`s (NaN marks an empty slot), a key
 * removed by shifting the entries after it back (no tombstones), twice the room when half full. A book
 * replay sets and removes levels outside its window tens of thousands of times a minute: a `Map` paid its
 * hashing and the collector for each, where this costs a few array reads.
 */
export class TickTable {
  private keys = new Float64Array(1024).fill(Number.NaN);
  private vals = new Float64Array(1024);
  private shift = 22; // 32 − log2(room)
  /** Keys held. */
  size = 0;

  private home(key: number): number {
    return Math.imul(key | 0, -1640531535) >>> this.shift;
  }

  /** Slot of `key`, or −1 when absent. */
  private find(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k !== k) return -1;
    }
  }

  /** The value at `key`, NaN when absent. */
  get(key: number): number {
    const i = this.find(key);
    return i < 0 ? Number.NaN : this.vals[i]!;
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  set(key: number, value: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k !== k) {
        keys[i] = key;
        this.vals[i] = value;
        if (++this.size * 2 > keys.length) this.grow();
        return;
      }
    }
  }

  /** Remove `key`; returns whether it was there. */
  delete(key: number): boolean {
    let gap = this.find(key);
    if (gap < 0) return false;
    const keys = this.keys;
    const mask = keys.length - 1;
    this.size--;
    // Shift back each following entry of the cluster whose home slot is not cyclically within (gap, j].
    for (let j = (gap + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k !== k) break;
      if (((j - this.home(k)) & mask) >= ((j - gap) & mask)) {
        keys[gap] = k;
        this.vals[gap] = this.vals[j]!;
        gap = j;
      }
    }
    keys[gap] = Number.NaN;
    this.vals[gap] = 0;
    return true;
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(Number.NaN);
    this.vals.fill(0);
    this.size = 0;
  }

  /** Every key and its value, in no particular order (the table must not change meanwhile). */
  forEach(each: (key: number, value: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === k) each(k, this.vals[i]!);
    }
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Float64Array(keys.length * 2).fill(Number.NaN);
    this.vals = new Float64Array(keys.length * 2);
    this.shift--;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] === keys[i]) this.set(keys[i]!, vals[i]!);
  }
}
