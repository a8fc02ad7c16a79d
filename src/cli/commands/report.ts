// `marketmakerl report RUN_DIR`: render a backtest run folder to RUN_DIR/report.html (self-contained, offline).
import { join } from 'node:path';
import { checkOutputFile, writeFileAtomic } from '../../core/index.js';
import { renderRunReport } from '../../report/run-report.js';

export async function reportCommand(dir: string, flags: { out?: string; force?: boolean }): Promise<void> {
  // The default, RUN_DIR/report.html, is ours to replace; a file named by --out only with --force.
  const out = flags.out ?? join(dir, 'report.html');
  checkOutputFile(out, '--out', flags.force === true, flags.out === undefined);
  const html = await renderRunReport(dir);
  writeFileAtomic(out, html);
  process.stdout.write(JSON.stringify({ report: out, bytes: Buffer.byteLength(html) }) + '\n');
}
