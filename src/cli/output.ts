// What a research command prints at the end: a small table on a terminal (PnL first), one JSON line in a pipe or with --json.

import type { SummaryRow } from '../report/run-summary.js';

export type { SummaryRow };

export interface CommandResult {
  /** The machine-readable line (kept byte-for-byte for pipes and --json). */
  json: Record<string, unknown>;
  /** First line of the table, e.g. "backtest run_…". */
  title: string;
  rows: SummaryRow[];
  /** Files written, shown under the table. */
  files?: Record<string, string>;
}

/** Terminal table: labels in one column, values beside them, then the files. Plain text, no colours (logs stay clean). */
export function summaryTable(r: CommandResult): string {
  const width = Math.max(0, ...r.rows.map(([l]) => l.length));
  const lines = [r.title];
  for (const [label, value] of r.rows) lines.push(label === '' ? '' : `  ${label.padEnd(width)}  ${value}`);
  const files = Object.entries(r.files ?? {});
  if (files.length > 0) {
    const fw = Math.max(...files.map(([k]) => k.length));
    lines.push('');
    for (const [k, v] of files) lines.push(`  ${k.padEnd(fw)}  ${v}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * On a terminal (and without --json) the table; otherwise the JSON line, so that `| jq`, scripts and tests
 * read the same line they always did.
 */
export function printResult(r: CommandResult, flags: { json?: boolean }, out: NodeJS.WriteStream = process.stdout): void {
  if (flags.json === true || out.isTTY !== true) out.write(JSON.stringify(r.json) + '\n');
  else out.write(summaryTable(r));
}
