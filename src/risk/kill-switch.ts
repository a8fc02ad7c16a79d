// The manual kill switch as a file: `marketmakerl halt` writes it, a running loop sees it and halts.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/index.js';

/** Where a loop looks for its halt file when none is configured. */
export const DEFAULT_HALT_FILE = join('artifacts', 'realtime', 'HALT');

/**
 * Polled by the loop, at most once per `everyMs` of the loop's wall clock (a stat call is cheap, but
 * not free at 10,000 book updates per second). The file's text, if any, is the operator's reason.
 */
export class HaltFile {
  private nextCheck = 0;
  constructor(
    readonly path: string,
    private readonly everyMs = 200,
  ) {}

  /** The reason when the halt file exists, else undefined. `nowMs` is the loop's wall clock. */
  poll(nowMs: number): string | undefined {
    if (nowMs < this.nextCheck) return undefined;
    this.nextCheck = nowMs + this.everyMs;
    if (!existsSync(this.path)) return undefined;
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8').trim();
    } catch {
      // Removed between the two calls: the halt stands all the same.
    }
    return text === '' ? `halt file ${this.path}` : `halt file ${this.path}: ${text.split('\n')[0]}`;
  }
}

/** Write the halt file atomically (a reader never sees half a reason). */
export function writeHaltFile(path: string, reason: string): void {
  writeFileAtomic(path, `${reason.replace(/[\r\n]+/g, ' ').slice(0, 500)}\n`);
}

/** Remove the halt file so that the next start trades again. */
export function clearHaltFile(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}
