// apache-arrow loaded on first use (it takes a few hundred ms), so commands that never touch event files do not pay for it.
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

export type ArrowLib = typeof Arrow;

const requireHere = createRequire(import.meta.url);
let lib: ArrowLib | null = null;

export function arrowLib(): ArrowLib {
  lib ??= requireHere('apache-arrow') as ArrowLib;
  return lib;
}
