// `marketmakerl compare RUN_A RUN_B`: one JSON line (and optionally a JSON file and an HTML page) comparing two run folders over the same samples.
import { checkOutputFile, writeFileAtomic } from '../../core/index.js';
import { compareRunsWithPath, renderComparisonReport } from '../../report/compare-runs.js';

export async function compareCommand(a: string, b: string, flags: { out?: string; html?: string; force?: boolean }): Promise<void> {
  if (flags.out !== undefined) checkOutputFile(flags.out, '--out', flags.force === true);
  if (flags.html !== undefined) checkOutputFile(flags.html, '--html', flags.force === true);
  const { comparison: c, path } = compareRunsWithPath(a, b);
  const page = flags.html !== undefined ? await renderComparisonReport(c, path) : undefined;
  if (flags.out !== undefined) writeFileAtomic(flags.out, JSON.stringify(c, null, 2) + '\n');
  if (page !== undefined) writeFileAtomic(flags.html!, page);
  const files = { ...(flags.out !== undefined ? { out: flags.out } : {}), ...(flags.html !== undefined ? { report: flags.html } : {}) };
  process.stdout.write(JSON.stringify({ ...files, ...c }) + '\n');
}
