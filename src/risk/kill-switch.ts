// The manual kill switch as a file: `marketmakerl halt` writes it, a running loop sees it and halts.
import { existsSync, lstatSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, writeFileAtomic } from '../core/index.js';

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

/**
 * The second line of every halt file marketmakerl writes (the first is the reason, as in halt files of
 * earlier versions, so that any reader still takes its first line as the reason). `halt` replaces or
 * removes only a file that carries it: never a file it did not write.
 */
export const HALT_FILE_MARK = '# marketmakerl halt file: remove it with marketmakerl halt --clear';

/** The halt file's text for a reason: one line of reason (at most 500 characters), then the mark. */
export function haltFileText(reason: string): string {
  return `${reason.replace(/[\r\n]+/g, ' ').slice(0, 500)}\n${HALT_FILE_MARK}\n`;
}

/**
 * What is at `path`: nothing, a halt file marketmakerl wrote, or something else (a UserError naming
 * `flag`: a folder, or a file without the mark — which halts a loop polling it all the same).
 */
function haltFileAt(path: string, flag: string, clearing: boolean): 'none' | 'ours' {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 'none';
  }
  if (st.isDirectory()) throw new UserError(`${flag}: '${path}' is a folder; expected the halt file's path`);
  let text = '';
  try {
    if (st.isFile() && st.size <= 4096) text = readFileSync(path, 'utf8');
  } catch {
    // Unreadable: not known to be ours.
  }
  const lines = text.split('\n');
  if (lines.length === 3 && lines[1] === HALT_FILE_MARK && lines[2] === '') return 'ours';
  throw new UserError(
    clearing
      ? `${flag}: '${path}' is not a halt file marketmakerl wrote; it is left as it is (a loop polling this path stays halted while it exists: remove it yourself if it is meant to go)`
      : `${flag}: '${path}' exists and is not a halt file marketmakerl wrote; it is left as it is (a loop polling this path is halted by it all the same): choose another path`,
  );
}

/** Write the halt file atomically (a reader never sees half a reason); refused where a file that is not a halt file stands. */
export function writeHaltFile(path: string, reason: string, flag = '--halt-file'): void {
  haltFileAt(path, flag, false);
  writeFileAtomic(path, haltFileText(reason));
}

/** Remove the halt file so that the next start trades again; false when there is none. Refused for anything that is not a halt file. */
export function clearHaltFile(path: string, flag = '--halt-file'): boolean {
  if (haltFileAt(path, flag, true) === 'none') return false;
  rmSync(path, { force: true });
  return true;
}
