// Lines of capture files, gzip or plain text, read whole (sync) or streamed in chunks (async).
import { createReadStream, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
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

/** A file opened for streaming: already reading (and inflating) ahead; a failure to open is held until its lines are wanted. */
interface LineSource {
  path: string;
  gz: boolean;
  /** The file's bytes as read, and the lines' bytes (the same stream for a plain file). */
  input: Readable | null;
  stream: Readable | null;
  failure: unknown;
}

/** Bytes per read and per inflated chunk. */
const CHUNK = 1 << 20;

function openLines(path: string): LineSource {
  const src: LineSource = { path, gz: false, input: null, stream: null, failure: null };
  try {
    checkReadable(path);
    src.gz = isGzip(path);
  } catch (e) {
    src.failure = e;
    return src;
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  // zlib inflates in the thread pool, the next chunk while this thread splits and parses the last one: it
  // goes on from a callback on this thread, so it never gets further ahead, and one chunk of buffer is enough.
  const stream = src.gz ? raw.pipe(createGunzip({ chunkSize: CHUNK, highWaterMark: CHUNK } as ZlibOptions)) : raw;
  if (src.gz) raw.on('error', (e) => stream.destroy(e));
  // An error before the lines are read comes out of the reading below; this only keeps it from going unhandled meanwhile.
  stream.on('error', () => {});
  src.input = raw;
  src.stream = stream;
  return src;
}

async function readLines(src: LineSource, fn: LineFn): Promise<void> {
  if (src.failure !== null) throw src.failure;
  const { path, gz } = src;
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
    for await (const chunk of src.stream as AsyncIterable<Buffer>) {
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

/** Stream a file in chunks (gunzipping if needed) and call fn per line; memory stays bounded. */
export async function forEachLine(path: string, fn: LineFn): Promise<void> {
  await readLines(openLines(path), fn);
}

/**
 * Stream several files in order as `forEachLine` does; `begin(path)` is called before a file's first line.
 * Once a gzip file's compressed bytes have all been read (what is left is being inflated) the next file is
 * opened, so that its first chunk is read and inflated by the time its lines are wanted, instead of the
 * parser waiting for it; it then waits with that one chunk. At most two files are open at once. Errors come
 * in line order: one in the next file surfaces only after the current file's lines.
 */
export async function forEachLineOfFiles(paths: readonly string[], begin: (path: string) => void, fn: LineFn): Promise<void> {
  let next: LineSource | null = null;
  let current = -1;
  try {
    for (let i = 0; i < paths.length; i++) {
      const src = next ?? openLines(paths[i]!);
      next = null;
      current = i;
      if (i + 1 < paths.length && src.gz) {
        const openNext = (): void => {
          if (current === i) next ??= openLines(paths[i + 1]!);
        };
        if (src.input!.readableEnded) openNext();
        else src.input!.once('end', openNext);
      }
      begin(paths[i]!);
      await readLines(src, fn);
    }
  } finally {
    current = paths.length;
    // A file opened ahead and never read (an error came first): close it.
    const unread = next as LineSource | null;
    unread?.stream?.destroy();
    unread?.input?.destroy();
  }
}
