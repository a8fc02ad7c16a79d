// `marketmakerl report RUN`: a run folder, or the runtime's summary or one agent's metrics, rendered to self-contained report.html files.
import { UserError, checkOutputFile, sameFile, writeFileAtomic } from '../../core/index.js';
import { resolveRuns } from '../../report/run-files.js';
import { renderRunFiles } from '../../report/run-report.js';

export async function reportCommand(path: string, flags: { out?: string; force?: boolean }): Promise<void> {
  if (flags.force === true && flags.out === undefined) throw new UserError("--force: replaces an existing --out file; the default report beside the run's files is replaced without it");
  const runs = resolveRuns(path);
  if (flags.out !== undefined && runs.length > 1) {
    throw new UserError(`--out: ${path} holds ${runs.length} runs (${runs.map((r) => r.label).join(', ')}); give one agent's <run_id>_<agent>_metrics.json, or no --out`);
  }
  const written: Array<{ report: string; run: string; bytes: number }> = [];
  for (const r of runs) {
    // The default (report.html beside the run's files) is ours to replace; a file named by --out only with --force.
    // An --out among the run's files (other than its report.html) would replace part of what it reports on.
    const out = flags.out ?? r.reportPath;
    const inputs = sameFile(out, r.reportPath) ? {} : { ...r.inputs, files: [...(r.inputs.files ?? []), path] };
    checkOutputFile(out, '--out', flags.force === true, flags.out === undefined, inputs);
    const html = await renderRunFiles(r);
    writeFileAtomic(out, html);
    written.push({ report: out, run: r.label, bytes: Buffer.byteLength(html) });
  }
  for (const w of written) process.stdout.write(JSON.stringify(w) + '\n');
}
