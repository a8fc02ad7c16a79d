// `marketmakerl compare RUN_A RUN_B`: one JSON line (and optionally a file) comparing two run folders over the same samples.
import { writeFileAtomic } from '../../core/index.js';
import { compareRuns } from '../../report/compare-runs.js';

export function compareCommand(a: string, b: string, flags: { out?: string }): void {
  const c = compareRuns(a, b);
  if (flags.out !== undefined) writeFileAtomic(flags.out, JSON.stringify(c, null, 2) + '\n');
  process.stdout.write(JSON.stringify(flags.out !== undefined ? { out: flags.out, ...c } : c) + '\n');
}
