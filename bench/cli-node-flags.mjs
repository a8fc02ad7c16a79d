// The node flags bin/marketmakerl runs the CLI with, so that a benchmark measures the code as the CLI runs it.
// NODE_FLAGS (space-separated; empty for none) replaces them, to measure under other flags.
import { readFileSync } from 'node:fs';

/** The flags between `exec node` and the script in bin/marketmakerl, or NODE_FLAGS when it is set. */
export function cliNodeFlags() {
  const override = process.env['NODE_FLAGS'];
  if (override !== undefined) return override.split(/\s+/).filter((f) => f !== '');
  const text = readFileSync(new URL('../bin/marketmakerl', import.meta.url), 'utf8');
  const m = /^exec node((?: --\S+)*) /m.exec(text);
  if (m === null) throw new Error('bin/marketmakerl: no `exec node ...` line');
  return m[1].split(' ').filter((f) => f !== '');
}
