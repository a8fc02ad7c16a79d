// `marketmakerl convert`: raw Binance websocket captures to a normalized Arrow event file.
import { UserError, checkOutputFile, isoOf } from '../../core/index.js';
import { convertCaptureToArrow } from '../../data/index.js';

export interface ConvertFlags {
  out?: string;
  force?: boolean;
  symbol?: string;
}

export async function convertCommand(files: string[], flags: ConvertFlags): Promise<void> {
  if (files.length === 0) throw new UserError('convert: expected one or more capture files');
  if (!flags.out) throw new UserError('--out: expected the Arrow file to write, e.g. --out events.arrow');
  checkOutputFile(flags.out, '--out', flags.force === true, false, { files });
  const t0 = performance.now();
  const report = await convertCaptureToArrow(files, flags.out, flags.symbol ? { symbol: flags.symbol.replace('/', '').toUpperCase() } : {});

  const seconds = (performance.now() - t0) / 1000;
  for (const g of report.gaps.slice(0, 20)) {
    process.stderr.write(`warning: ${g.kind} gap at ${g.file}:${g.line} (${isoOf(g.tsLocal)} local): expected id ${g.expected}, got ${g.got}\n`);
  }
  if (report.gaps.length > 20) process.stderr.write(`warning: ${report.gaps.length - 20} more gaps\n`);
  const summary = {
    out: flags.out,
    symbol: report.symbol,
    lines: report.lines,
    rows: report.rows,
    messages: report.messages,
    gaps: report.gaps.length,
    // Breaks of the depth stream, each a gap row in the file (the book unknown until a snapshot resyncs it).
    book_gaps: report.gaps.filter((g) => g.kind !== 'trade').length,
    // Jumps in the trade ids (trades the capture missed; no row marks them): a maker-fill replay over such a
    // stretch saw less of the market than there was (verify-fills counts the orders resting across them).
    trade_gaps: report.gaps.filter((g) => g.kind === 'trade').length,
    trades_missed: report.gaps.reduce((n, g) => n + (g.kind === 'trade' ? g.got - g.expected : 0), 0),
    resyncs: report.resyncs,
    stale_diffs: report.staleDiffs,
    unapplied_diffs: report.unappliedDiffs,
    duplicate_trades: report.duplicateTrades,
    median_exchange_minus_local_ms: Number.isNaN(report.medianExchangeMinusLocalMicros) ? null : report.medianExchangeMinusLocalMicros / 1000,
    first_local: Number.isNaN(report.firstTsLocal) ? null : isoOf(report.firstTsLocal),
    last_local: Number.isNaN(report.lastTsLocal) ? null : isoOf(report.lastTsLocal),
    seconds: Math.round(seconds * 1000) / 1000,
    lines_per_second: Math.round(report.lines / seconds),
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
}
