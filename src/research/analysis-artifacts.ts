// The analysis' files: CSV tables and analysis.json under one UTC stamp, all written or none.
import { constants as fsConstants, copyFileSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { MAX_STAMP_SUFFIX, fsyncPath, mkdirTracked, removeCreatedDirs, stampVariant, sweepOrphanTemps, tmpNameFor, writeFileDurable } from '../core/index.js';
import { join } from 'node:path';
import { EventType, decimalsOf } from '../market/index.js';
import { DIM_NAMES, type Combo } from './param-space.js';
import type { AnalysisResult, OosPath } from './analysis.js';

const fmt = (x: number | null | undefined, d = 8): string => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(Math.round(x * 10 ** d) / 10 ** d));
const csv = (header: string[], rows: Array<Array<string | number>>): string => [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
const params = (c: Combo): string[] => DIM_NAMES.map((d) => String(c[d]));

export function klinesCsv(r: AnalysisResult): string {
  const b = r.bars;
  if (!b) return '';
  const rows: string[] = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < b.length; i++) rows.push(`${Math.floor(b.ts[i]! / 1000)},${b.open[i]},${b.high[i]},${b.low[i]},${b.close[i]},${b.volume[i]}`);
  return rows.join('\n') + '\n';
}

/** Tick engine: the blocks of the event file (exchange-time span, rows, the opening book, trades and their prices). */
export function blocksCsv(r: AnalysisResult): string {
  const t = r.tick;
  if (!t) return '';
  const ev = t.events;
  const rows = t.blocks.map((b, i) => {
    let trades = 0;
    let open = Number.NaN;
    let high = -Infinity;
    let low = Infinity;
    let close = Number.NaN;
    let volume = 0;
    for (let k = b.from; k < b.to; k++) {
      if (ev.type[k] !== EventType.Trade) continue;
      const p = ev.price[k]!;
      trades++;
      if (open !== open) open = p;
      if (p > high) high = p;
      if (p < low) low = p;
      close = p;
      volume += ev.size[k]!;
    }
    const w = r.plan.windows.find((x) => x.test === i);
    return [i, Math.floor(b.startMicros / 1000), Math.floor(b.endMicros / 1000), b.to - b.from, b.bookTo - b.bookFrom, trades, fmt(open), fmt(trades ? high : null), fmt(trades ? low : null), fmt(close), fmt(volume), b.orderPrice, w ? w.index : ''];
  });
  return csv(['block', 'from_ms', 'to_ms', 'rows', 'opening_book_levels', 'trades', 'open', 'high', 'low', 'close', 'volume', 'order_price', 'test_window'], rows);
}

/** Markout horizon of the adverse-selection check and its column suffix: bars, or seconds for tick. */
function markoutOf(r: AnalysisResult): { h: number; label: string } {
  return r.engine === 'tick' ? { h: r.cfg.readiness.markout_horizon_seconds, label: `${r.cfg.readiness.markout_horizon_seconds}s` } : { h: r.cfg.readiness.markout_horizon_bars, label: String(r.cfg.readiness.markout_horizon_bars) };
}

/** Every combo on every budget, pooled over all blocks (in sample). */
export function strategyRunsCsv(r: AnalysisResult): string {
  const mk = markoutOf(r);
  const rows = r.budgets.flatMap((b) =>
    b.inSample.map((p, i) => [
      b.budget,
      i,
      ...params(r.combos[i]!),
      fmt(p.pnl),
      fmt((p.pnl / b.budget) * 100),
      fmt(p.realized_pnl),
      fmt(p.inventory_pnl),
      fmt(p.fees),
      p.fills,
      fmt(p.sharpe, 6),
      fmt(p.sharpe_confidence, 6),
      fmt(b.inSampleDeflation.confidence[i], 6),
      fmt(p.max_block_drawdown),
      p.profitable_blocks,
      p.blocks,
      fmt(p.markouts.find((m) => m.horizon === mk.h)?.mean_bps, 6),
      b.windows.filter((w) => w.combo_index === i).length,
    ]),
  );
  return csv(['budget', 'combo_index', ...DIM_NAMES, 'pnl', 'return_pct', 'realized_pnl', 'inventory_pnl', 'fees', 'fills', 'sharpe', 'sharpe_confidence', 'deflated_sharpe_confidence', 'max_block_drawdown', 'profitable_blocks', 'blocks', `markout_${mk.label}_bps`, 'windows_chosen'], rows);
}

/** Per budget: out-of-sample aggregate and the gate's verdict. */
export function budgetSummaryCsv(r: AnalysisResult): string {
  const rows = r.budgets.map((b) => [
    b.budget,
    b.oos.windows,
    fmt(b.oos.pnl),
    fmt((b.oos.pnl / b.budget) * 100),
    fmt(b.oos.fees),
    b.oos.fills,
    fmt(b.oos.sharpe, 6),
    fmt(b.oos.sharpe_confidence, 6),
    fmt(b.oos.max_drawdown),
    fmt((b.oos.max_drawdown / b.budget) * 100),
    b.oos.profitable_blocks,
    b.readiness.ready_for_live_keys ? 'true' : 'false',
    Object.entries(b.readiness.checks).filter(([, c]) => !c.pass).map(([k]) => k).join(' '),
  ]);
  return csv(['budget', 'oos_windows', 'oos_pnl', 'oos_return_pct', 'oos_fees', 'oos_fills', 'oos_sharpe', 'oos_sharpe_confidence', 'oos_max_drawdown', 'oos_max_drawdown_pct', 'profitable_windows', 'ready_for_live_keys', 'failed_checks'], rows);
}

/** Per quoting model (the strategy's form): how its combos fared in sample and how often walk-forward picked it. */
export function formatSummaryCsv(r: AnalysisResult): string {
  const rows: Array<Array<string | number>> = [];
  for (const b of r.budgets) {
    const models = [...new Set(r.combos.map((c) => c.model))];
    for (const m of models) {
      const idx = r.combos.map((c, i) => (c.model === m ? i : -1)).filter((i) => i >= 0);
      const pnls = idx.map((i) => b.inSample[i]!.pnl);
      const best = idx.reduce((a, i) => (b.inSample[i]!.pnl > b.inSample[a]!.pnl ? i : a), idx[0]!);
      const chosen = b.windows.filter((w) => w.params.model === m);
      rows.push([
        b.budget,
        m,
        idx.length,
        fmt(pnls.reduce((s, x) => s + x, 0) / pnls.length),
        fmt(Math.max(...pnls)),
        best,
        pnls.filter((x) => x > 0).length,
        chosen.length,
        fmt(chosen.reduce((s, w) => s + w.test.pnl, 0)),
      ]);
    }
  }
  return csv(['budget', 'model', 'combos', 'in_sample_mean_pnl', 'in_sample_best_pnl', 'in_sample_best_combo', 'in_sample_profitable_combos', 'oos_windows_chosen', 'oos_pnl_when_chosen'], rows);
}

export function walkForwardCsv(r: AnalysisResult): string {
  const rows = r.budgets.flatMap((b) =>
    b.windows.map((w) => [
      b.budget,
      w.index,
      w.train_from,
      w.train_to,
      w.test_from,
      w.test_to,
      w.combo_index,
      ...params(w.params),
      fmt(w.train_score, 6),
      fmt(w.train_pnl),
      fmt(w.test.pnl),
      fmt(w.test.return_pct),
      fmt(w.test.realized_pnl),
      fmt(w.test.inventory_pnl),
      fmt(w.test.fees),
      w.test.fills,
      fmt(w.test.max_drawdown),
      fmt(w.test.sharpe, 6),
      fmt(w.test.markout_bps, 6),
    ]),
  );
  return csv(['budget', 'window', 'train_from', 'train_to', 'test_from', 'test_to', 'combo_index', ...DIM_NAMES, 'train_score', 'train_pnl', 'test_pnl', 'test_return_pct', 'test_realized_pnl', 'test_inventory_pnl', 'test_fees', 'test_fills', 'test_max_drawdown', 'test_sharpe', 'test_markout_bps'], rows);
}

/** The primary budget's out-of-sample path in run-folder trace form (plus the window), and its fills. */
export function oosTraceCsv(p: OosPath, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(pd) : '');
  const rows = ['ts,bid,ask,inventory,equity,mid,window'];
  for (let i = 0; i < p.ts.length; i++) rows.push(`${Math.floor(p.ts[i]! / 1000)},${f(p.bid[i]!)},${f(p.ask[i]!)},${p.inventory[i]},${p.equity[i]!.toFixed(8)},${f(p.mid[i]!)},${p.window[i]}`);
  return rows.join('\n') + '\n';
}

export function oosFillsCsv(p: OosPath, tickSize: number): string {
  const pd = decimalsOf(tickSize);
  return csv(['ts', 'side', 'price', 'qty', 'window'], p.fills.map((x) => [Math.floor(x.ts / 1000), x.side > 0 ? 'buy' : 'sell', x.price.toFixed(pd), x.qty, x.window]));
}

export function analysisFiles(r: AnalysisResult): Record<string, string> {
  const tick = r.base.market.tick_size;
  return {
    ...(r.engine === 'tick' ? { 'blocks.csv': blocksCsv(r) } : { 'klines.csv': klinesCsv(r) }),
    'strategy_runs.csv': strategyRunsCsv(r),
    'budget_summary.csv': budgetSummaryCsv(r),
    'format_summary.csv': formatSummaryCsv(r),
    'walk_forward.csv': walkForwardCsv(r),
    'oos_trace.csv': oosTraceCsv(r.budgets[0]!.path, tick),
    'oos_fills.csv': oosFillsCsv(r.budgets[0]!.path, tick),
    'analysis.json': JSON.stringify(r.json, null, 2) + '\n',
  };
}

/**
 * Write `<dir>/<stamp>_<name>` for every file: all are built (text scrubbed of secrets, each fsynced) in a
 * hidden temp folder first, then put into place with analysis.json last and the folder fsynced, so a
 * failure leaves no partial set behind (nor a folder it created). Temp folders a killed run left are
 * swept first. A file is never put over an existing one: each is linked into place exclusively, and when
 * one of the set's names is taken (another analysis into this folder in the same second, or any file
 * there), what this set placed is taken back and the whole set goes under `<stamp>_2`, `<stamp>_3`, ...:
 * two analyses never mix or replace each other's files. Returns the paths written.
 */
export function writeAnalysisFiles(dir: string, stamp: string, files: Record<string, string | Uint8Array>): string[] {
  const created = mkdirTracked(dir);
  sweepOrphanTemps(dir);
  const tmp = tmpNameFor(join(dir, stamp));
  const names = Object.keys(files).sort((a, b) => (a === 'analysis.json' ? 1 : b === 'analysis.json' ? -1 : a.localeCompare(b)));
  let done: string[] = [];
  try {
    mkdirSync(tmp);
    for (const n of names) writeFileDurable(join(tmp, n), files[n]!);
    for (let k = 1; ; k++) {
      if (k > MAX_STAMP_SUFFIX) throw new Error(`${dir}: every name from ${stamp}_ to ${stamp}_${MAX_STAMP_SUFFIX}_ is taken`);
      const prefix = stampVariant(stamp, k);
      done = [];
      let taken = false;
      for (const n of names) {
        const target = join(dir, `${prefix}_${n}`);
        if (!placeNew(join(tmp, n), target)) {
          taken = true;
          break;
        }
        done.push(target);
      }
      if (!taken) break;
      for (const t of done) rmSync(t, { force: true });
    }
    fsyncPath(dir);
  } catch (e) {
    for (const t of done) rmSync(t, { force: true });
    rmSync(tmp, { recursive: true, force: true });
    removeCreatedDirs(created);
    throw e;
  }
  rmSync(tmp, { recursive: true, force: true });
  return done;
}

/**
 * Put the finished file `src` at `target` unless something is there already (false then): a hard link,
 * which fails rather than replace; on a file system without hard links, an exclusive copy.
 */
function placeNew(src: string, target: string): boolean {
  try {
    linkSync(src, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'EMLINK') throw e;
  }
  try {
    copyFileSync(src, target, fsConstants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  fsyncPath(target);
  return true;
}

/** Leftover temp folders of interrupted runs (for tests and cleanup). */
export function tempLeftovers(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.tmp'));
  } catch {
    return [];
  }
}
