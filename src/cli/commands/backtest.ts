// `marketmakerl backtest`: a bar backtest from flags (and an optional config file) to a run folder.
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { UserError, checkRunFolderTarget, readConfigMapping, roundTo, utcStamp } from '../../core/index.js';
import { decimalsOf } from '../../market/index.js';
import { parseBarConfig, fetchBarsFor, runBarJob, writeRunFolder } from '../../engine/index.js';

export interface BacktestFlags {
  data?: string;
  exchange?: string;
  symbol?: string;
  timeframe?: string;
  days?: number;
  end?: string;
  cacheDir?: string;
  exchangeUrl?: string;
  model?: string;
  policy?: string;
  seed?: number;
  out?: string;
  force?: boolean;
  runId?: string;
  config?: string;
  gamma?: number;
  k?: number;
  A?: number;
  calibrate?: boolean;
  horizon?: string;
  horizonSeconds?: number;
  capital?: number;
  orderQty?: number;
  maxInventory?: number;
  minSpreadTicks?: number;
  requoteTicks?: number;
  makerFeeBps?: number;
  touchFillProb?: number;
  tickSize?: number;
  bars?: number;
  volEstimator?: string;
  /** One JSON line even on a terminal. */
  json?: boolean;
}

/** Config paths → flags shared by the bar and the tick backtest (quoting, sizing, fees, market). */
export const QUOTING_FLAG_OF: Record<string, string> = {
  model: '--model',
  policy_path: '--policy',
  seed: '--seed',
  gamma: '--gamma',
  k: '--k',
  A: '--A',
  horizon: '--horizon',
  horizon_seconds: '--horizon-seconds',
  capital: '--capital',
  order_qty: '--order-qty',
  max_inventory_qty: '--max-inventory',
  min_spread_ticks: '--min-spread-ticks',
  requote_ticks: '--requote-ticks',
  maker_fee_bps: '--maker-fee-bps',
  'market.tick_size': '--tick-size',
};

/** The flags of a bar config's data source (a kline file or an exchange's history). */
export const DATA_FLAG_OF: Record<string, string> = {
  'data.path': '--data',
  'data.exchange': '--exchange',
  'data.symbol': '--symbol',
  'data.timeframe': '--timeframe',
  'data.days': '--days',
  'data.end': '--end',
  'data.cache_dir': '--cache-dir',
};

const FLAG_OF: Record<string, string> = {
  ...QUOTING_FLAG_OF,
  ...DATA_FLAG_OF,
  'data.bars': '--bars',
  touch_fill_prob: '--touch-fill-prob',
  vol_estimator: '--vol-estimator',
};

export function configFromFlags(f: BacktestFlags): Record<string, unknown> {
  const base = f.config ? readConfigMapping(f.config) : {};
  const set = (obj: Record<string, unknown>, key: string, v: unknown): void => {
    if (v !== undefined) obj[key] = v;
  };
  const cfg: Record<string, unknown> = { ...base };
  const data = { ...((base['data'] as Record<string, unknown>) ?? {}) };
  set(data, 'path', f.data);
  set(data, 'exchange', f.exchange);
  set(data, 'symbol', f.symbol);
  set(data, 'timeframe', f.timeframe);
  set(data, 'days', f.days);
  set(data, 'end', f.end);
  set(data, 'cache_dir', f.cacheDir);
  set(data, 'bars', f.bars);
  cfg['data'] = data;
  const market = { ...((base['market'] as Record<string, unknown>) ?? {}) };
  set(market, 'tick_size', f.tickSize);
  // Klines of one market are traded as that market unless the config names the instrument.
  if (data['exchange'] !== undefined && market['symbol'] === undefined) set(market, 'symbol', data['symbol']);
  cfg['market'] = market;
  set(cfg, 'model', f.model);
  set(cfg, 'policy_path', f.policy);
  set(cfg, 'seed', f.seed);
  set(cfg, 'gamma', f.gamma);
  set(cfg, 'k', f.k);
  set(cfg, 'A', f.A);
  if (f.calibrate === false) cfg['calibrate'] = false;
  set(cfg, 'horizon', f.horizon);
  set(cfg, 'horizon_seconds', f.horizonSeconds);
  set(cfg, 'capital', f.capital);
  set(cfg, 'order_qty', f.orderQty);
  set(cfg, 'max_inventory_qty', f.maxInventory);
  set(cfg, 'min_spread_ticks', f.minSpreadTicks);
  set(cfg, 'requote_ticks', f.requoteTicks);
  set(cfg, 'maker_fee_bps', f.makerFeeBps);
  set(cfg, 'touch_fill_prob', f.touchFillProb);
  set(cfg, 'vol_estimator', f.volEstimator);
  return cfg;
}

/**
 * Run id and folder of a backtest: `--run-id` or `run_<UTC stamp>_<hash of the resolved config>`, and
 * `--out` or `artifacts/runs/<run id>`.
 */
export function runFolderOf(flags: { runId?: string; out?: string }, resolved: Record<string, unknown>): { runId: string; dir: string } {
  const hash = createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 8);
  const runId = flags.runId ?? `run_${utcStamp(new Date())}_${hash}`;
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new UserError(`--run-id: expected letters, digits, '.', '_' or '-', got '${runId}'`);
  return { runId, dir: flags.out ?? join('artifacts', 'runs', runId) };
}

/** Refuse a run folder that cannot be written before any work is done (`--out`, or the folder of `--run-id`). */
export function checkRunFolderEarly(flags: { runId?: string; out?: string; force?: boolean }): void {
  const dir = flags.out ?? (flags.runId !== undefined ? join('artifacts', 'runs', flags.runId) : undefined);
  if (dir !== undefined) checkRunFolderTarget(dir, flags.out !== undefined ? '--out' : '--run-id', flags.force === true);
}

export async function backtestCommand(flags: BacktestFlags): Promise<void> {
  if ((flags as { events?: string }).events !== undefined) {
    if (flags.exchange !== undefined) throw new UserError('--events: give either --exchange (bars from the history cache) or --events (tick), not both');
    return (await import('./backtest-tick.js')).tickBacktestCommand(flags);
  }
  checkRunFolderEarly(flags);
  const cfg = parseBarConfig(configFromFlags(flags), (p) => FLAG_OF[p] ?? p);
  if (flags.exchangeUrl !== undefined && cfg.data.exchange === undefined) throw new UserError('--exchange-url: only with --exchange (klines from the history cache)');
  const loaded = await fetchBarsFor(cfg, flags.exchangeUrl !== undefined ? { exchangeUrl: flags.exchangeUrl } : {});
  const job = runBarJob(cfg, loaded);
  const { runId, dir } = runFolderOf(flags, job.resolved);
  writeRunFolder(dir, {
    config: { run_id: runId, ...job.resolved },
    metrics: job.metrics,
    trace: job.trace,
    fills: job.core.fills,
    tickSize: cfg.market.tick_size,
  }, { force: flags.force === true });
  const m = job.metrics;
  const line = {
    run_dir: dir,
    run_id: runId,
    model: cfg.model,
    bars: m.samples,
    total_pnl: roundTo(m.total_pnl, 6),
    return_pct: roundTo(m.return_pct, 6),
    sharpe: roundTo(m.sharpe, 4),
    sharpe_confidence: roundTo(m.sharpe_confidence, 4),
    max_drawdown_pct: roundTo(m.max_drawdown_pct, 6),
    fills: m.fills,
    fees: roundTo(m.fees, 6),
    final_inventory: roundTo(m.final_inventory, decimalsOf(cfg.market.lot_size)),
    markout_1_bps: roundTo(m.markouts[0]?.mean_bps, 3),
  };
  await printRunResult(line, dir, `backtest ${runId} (${cfg.model.toUpperCase()} on bars)`, flags);
}

/** The JSON line in a pipe or with --json; on a terminal, the run's headline as the report shows it. */
export async function printRunResult(line: Record<string, unknown>, dir: string, title: string, flags: { json?: boolean }): Promise<void> {
  const { printResult } = await import('../output.js');
  const tty = flags.json !== true && process.stdout.isTTY === true;
  const rows = tty ? (await import('../../report/run-summary.js')).runSummaryRows(dir) : [];
  printResult({ json: line, title, rows, files: { 'run folder': dir, report: `marketmakerl report ${dir}` } }, flags);
}

