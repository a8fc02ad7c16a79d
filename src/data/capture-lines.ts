// Lines of capture files, gzip or plain text, read whole (sync) or streamed in chunks (async).
import { createReadStream, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createGunzip, gunzipSync, type ZlibOptions } from 'node:zlib';
import { UserError } from '../core/index.js';

/** Receives each line b[start, end) (no newline). */
export type LineFn = (b: Uint8Array, start: number, end: number) => void;

function checkReadable(path: string): void {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    throw new UserError(`cannot read capture file ${path}`);
  }
}

function isGzip(path: string): boolean {
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function gzipError(path: string, e: unknown): UserError {
  const msg = (e as Error).message ?? String(e);
  return new UserError(`${path}: truncated or corrupt gzip (${msg})`);
}

/** Split b into lines; returns the offset of an unfinished last line (b.length if none). */
function splitLines(b: Uint8Array, fn: LineFn, final: boolean): number {
  let pos = 0;
  for (;;) {
    const nl = b.indexOf(10, pos);
    if (nl < 0) break;
    fn(b, pos, nl);
    pos = nl + 1;
  }
  if (final && pos < b.length) {
    fn(b, pos, b.length);
    return b.length;
  }
  return pos;
}

/** Read a whole file (gunzipping if needed) and call fn per line. */
export function forEachLineSync(path: string, fn: LineFn): void {
  checkReadable(path);
  let b: Buffer = readFileSync(path);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw gzipError(path, e);
    }
  }
  splitLines(b, fn, true);
}

/** Stream a file in chunks (gunzipping if needed) and call fn per line; memory stays bounded. */
export async function forEachLine(path: string, fn: LineFn): Promise<void> {
  checkReadable(path);
  const gz = isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  // A deep output buffer lets zlib (in the thread pool) inflate ahead while this thread parses.
  const source = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20, highWaterMark: 1 << 23 } as ZlibOptions)) : raw;
  if (gz) raw.on('error', (e) => source.destroy(e));
  // A line split across chunks is joined in a reused carry buffer: chunks themselves are never copied.
  let carry = Buffer.allocUnsafe(1 << 16);
  let carried = 0;
  const keep = (b: Uint8Array, from: number, to: number): void => {
    const need = carried + (to - from);
    if (need > carry.length) {
      const next = Buffer.allocUnsafe(Math.max(need, carry.length * 2));
      carry.copy(next, 0, 0, carried);
      carry = next;
    }
    carry.set(b.subarray(from, to), carried);
    carried = need;
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let start = 0;
      if (carried > 0) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          keep(chunk, 0, chunk.length);
          continue;
        }
        keep(chunk, 0, nl);
        fn(carry, 0, carried);
        carried = 0;
        start = nl + 1;
      }
      const body = start === 0 ? chunk : chunk.subarray(start);
      const used = splitLines(body, fn, false);
      if (used < body.length) keep(body, used, body.length);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (gz) throw gzipError(path, e);
    throw new UserError(`cannot read capture file ${path} (${(e as Error).message})`);
  }
  if (carried > 0) fn(carry, 0, carried);
}
