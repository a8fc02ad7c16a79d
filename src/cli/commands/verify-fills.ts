// `marketmakerl verify-fills RUN_DIR --capture FILE...`: every fill checked against the trades; one JSON line, exit 1 on a violation.
import { verifyFills } from '../../verify/index.js';

export interface VerifyFillsFlags {
  capture: string[];
}

export function verifyFillsCommand(runDir: string, f: VerifyFillsFlags): void {
  const r = verifyFills(runDir, f.capture);
  process.stdout.write(JSON.stringify(r) + '\n');
  if (r.violations_total > 0) {
    process.stderr.write(`verify-fills: ${r.violations_total} violation(s) in ${runDir}: ${Object.entries(r.violations).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
    process.exitCode = 1;
  }
}
