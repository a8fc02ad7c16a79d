// apache-arrow loaded on first use, so commands that never touch event files do not pay for it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Arrow from 'apache-arrow';

export type ArrowLib = typeof Arrow;

const requireHere = createRequire(import.meta.url);
let lib: ArrowLib | null = null;

/**
 * The package, or in a build its one-file bundle (`dist/vendor/arrow.cjs`, made by `scripts/bundle-vendor.mjs`
 * from the installed package): the package is 160 files, which Node reads and links one by one (75 ms against
 * 26 for the bundle).
 */
export function arrowLib(): ArrowLib {
  if (lib === null) {
    const bundled = fileURLToPath(new URL('../vendor/arrow.cjs', import.meta.url));
    lib = requireHere(existsSync(bundled) ? bundled : 'apache-arrow') as ArrowLib;
  }
  return lib;
}
