// Lines of capture files, gzip or plain text, read whole (sync) or streamed in chunks (async).
import { createReadStream, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
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
  const source = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  if (gz) raw.on('error', (e) => source.destroy(e));
  let rest: Buffer | null = null;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const b: Buffer = rest !== null && rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      const used = splitLines(b, fn, false);
      rest = used < b.length ? b.subarray(used) : null;
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (gz) throw gzipError(path, e);
    throw new UserError(`cannot read capture file ${path} (${(e as Error).message})`);
  }
  if (rest !== null && rest.length > 0) splitLines(rest, fn, true);
}
