// `marketmakerl report RUN_DIR`: render a backtest run folder to RUN_DIR/report.html (self-contained, offline).
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/index.js';
import { renderRunReport } from '../../report/run-report.js';

export async function reportCommand(dir: string, flags: { out?: string }): Promise<void> {
  const html = await renderRunReport(dir);
  const out = flags.out ?? join(dir, 'report.html');
  writeFileAtomic(out, html);
  process.stdout.write(JSON.stringify({ report: out, bytes: Buffer.byteLength(html) }) + '\n');
}
