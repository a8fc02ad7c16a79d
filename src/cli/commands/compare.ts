// `marketmakerl compare RUN_A RUN_B`: one JSON line (and optionally a JSON file and an HTML page) comparing two run folders over the same samples.
import { UserError, checkOutputFile, writeFileAtomic } from '../../core/index.js';
import { compareRunsWithPath, priceWarning, renderComparisonReport, type RunComparison } from '../../report/compare-runs.js';
import { fixed, signed } from '../../report/format.js';
import { printResult, type SummaryRow } from '../output.js';

/** PnL first, then the paired verdict, then the rest side by side (A / B). */
function comparisonRows(c: RunComparison): SummaryRow[] {
  const ab = (x: number | null, y: number | null, d: number, f = fixed): string => `${f(x, d)} / ${f(y, d)}`;
  const diffs = Object.keys(c.config_differences);
  const warning = priceWarning(c);
  return [
    ...(warning !== undefined ? [['prices', warning] as SummaryRow] : []),
    ['PnL  A / B', ab(c.a.total_pnl, c.b.total_pnl, 2, signed)],
    ['B − A', `${signed(c.paired.return_diff_pct, 4)}% of capital`],
    ['P(B better than A)', `${fixed(c.paired.b_better_confidence, 3)} (paired, ${c.samples} samples)`],
    ['return %  A / B', ab(c.a.return_pct, c.b.return_pct, 4, signed)],
    ['Sharpe  A / B', ab(c.a.sharpe, c.b.sharpe, 2)],
    ['max drawdown %  A / B', ab(c.a.max_drawdown_pct, c.b.max_drawdown_pct, 4)],
    ['spread capture  A / B', ab(c.a.pnl_spread_capture, c.b.pnl_spread_capture, 2, signed)],
    ['inventory  A / B', ab(c.a.pnl_inventory, c.b.pnl_inventory, 2, signed)],
    ['fees  A / B', ab(c.a.fees, c.b.fees, 2)],
    ['fills  A / B', `${c.a.fills} / ${c.b.fills}`],
    ...(c.a.final_state !== null || c.b.final_state !== null ? [['trading state  A / B', `${c.a.final_state ?? '—'} / ${c.b.final_state ?? '—'} (halted ${ab(c.a.halted_seconds, c.b.halted_seconds, 0)} s)`] as SummaryRow] : []),
    ['config differences', diffs.length === 0 ? 'none' : diffs.join(', ')],
  ];
}

export async function compareCommand(a: string, b: string, flags: { out?: string; html?: string; force?: boolean; json?: boolean }): Promise<void> {
  if (flags.force === true && flags.out === undefined && flags.html === undefined) throw new UserError('--force: replaces an existing --out or --html file; without them compare writes no file');
  // Nothing is written into either run: a file there would replace part of the run it was computed from.
  if (flags.out !== undefined) checkOutputFile(flags.out, '--out', flags.force === true, false, { folders: [a, b] });
  if (flags.html !== undefined) checkOutputFile(flags.html, '--html', flags.force === true, false, { folders: [a, b] });
  const { comparison: c, path } = compareRunsWithPath(a, b);
  const page = flags.html !== undefined ? await renderComparisonReport(c, path) : undefined;
  if (flags.out !== undefined) writeFileAtomic(flags.out, JSON.stringify(c, null, 2) + '\n');
  if (page !== undefined) writeFileAtomic(flags.html!, page);
  const files = { ...(flags.out !== undefined ? { out: flags.out } : {}), ...(flags.html !== undefined ? { report: flags.html } : {}) };
  const name = (x: RunComparison['a'], dir: string): string => `${(x.model ?? '?').toUpperCase()} ${x.run_id ?? dir}`;
  printResult(
    { json: { ...files, ...c }, title: `compare  A: ${name(c.a, a)}   B: ${name(c.b, b)}`, rows: comparisonRows(c), files: { 'run A': a, 'run B': b, ...(flags.out ? { json: flags.out } : {}), ...(flags.html ? { page: flags.html } : {}) } },
    flags,
  );
}
