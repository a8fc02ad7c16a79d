// `marketmakerl backtest`: a bar backtest from flags (and an optional config file) to a run folder.
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { UserError, checkRunFolderTarget, roundTo, utcStamp, type CommandInputs } from '../../core/index.js';
import { decimalsOf } from '../../market/index.js';
import { defaultTradingConfig, fetchBarsFor, hedgePlan, loadStrategyOf, marketConfigs, runBarJob, writeRunFolder, type MarketConfig } from '../../engine/index.js';
import { RUN_ID } from '../../runtime/config.js';
import { COMMON_FLAGS, HEDGE_FLAGS, VENUE_FLAGS, checkModelFlags, flagNames, readConfigWithFlags, refuseGiven, type ConfigWithFlags, type FlagNames, type FlagTable } from '../config-flags.js';

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

/** The flags of a kline source (a file or an exchange's history), as backtest and study read them. */
export const BAR_SOURCE_FLAGS: FlagTable = {
  data: { path: 'data.path', flag: '--data' },
  exchange: { path: 'data.exchange', flag: '--exchange' },
  symbol: { path: 'data.symbol', flag: '--symbol' },
  timeframe: { path: 'data.timeframe', flag: '--timeframe' },
  days: { path: 'data.days', flag: '--days' },
  end: { path: 'data.end', flag: '--end' },
  cacheDir: { path: 'data.cache_dir', flag: '--cache-dir' },
};

/** The flags of a bar backtest's data (a kline source, or simulated bars) and bar-only settings. */
export const BAR_DATA_FLAGS: FlagTable = {
  ...BAR_SOURCE_FLAGS,
  bars: { path: 'data.bars', flag: '--bars' },
  touchFillProb: { path: 'sim.touch_fill_prob', flag: '--touch-fill-prob' },
  volEstimator: { path: 'features.vol_estimator', flag: '--vol-estimator' },
};

/**
 * Which engine a backtest runs: `--engine`, else the data flags (`--events`: tick; `--data`,
 * `--exchange`: bars), else the file's data section: klines (data.path or data.exchange) or simulated
 * bars when there are, the event file (data.events) when it is the only source.
 */
export function backtestEngine(flags: BacktestFlags & { events?: string; engine?: string }, c: ConfigWithFlags): 'bar' | 'tick' {
  if (flags.engine !== undefined) {
    if (flags.engine !== 'bar' && flags.engine !== 'tick') throw new UserError(`--engine: expected bar or tick, got '${flags.engine}'`);
    if (flags.engine === 'bar' && flags.events !== undefined) throw new UserError('--engine bar: reads klines, not an event file (--events)');
    if (flags.engine === 'tick' && (flags.data !== undefined || flags.exchange !== undefined)) throw new UserError(`--engine tick: reads an event file, not klines (${flags.data !== undefined ? '--data' : '--exchange'})`);
    if (flags.engine === 'tick' && c.trading.data.events === undefined) throw new UserError('--engine tick: needs an event file (--events FILE or data.events)');
    return flags.engine;
  }
  if (flags.events !== undefined) return 'tick';
  if (flags.data !== undefined || flags.exchange !== undefined) return 'bar';
  const d = c.trading.data;
  return d.events !== undefined && d.path === undefined && d.exchange === undefined ? 'tick' : 'bar';
}

/** The flags of the tick backtest only (the L2 venue: queue, latencies, fills, taker fee; the decision and trace timers). */
const TICK_ONLY: FlagNames = { ...flagNames(VENUE_FLAGS), takerFeeBps: '--taker-fee-bps', wholeFills: '--whole-fills' };

/** The flags that pick klines from the history cache besides --exchange itself. */
const HISTORY_ONLY: FlagNames = { symbol: '--symbol', timeframe: '--timeframe', days: '--days', end: '--end', cacheDir: '--cache-dir', exchangeUrl: '--exchange-url' };

/**
 * Refuse a flag that cannot act on the run the other flags and the config chose (one line, exit 2): the
 * bar settings and the history-cache flags on a tick run, the tick venue's flags on bars, `--bars` with
 * klines. The same fields in the config file are left alone: one file serves every mode.
 */
export function checkBacktestFlags(flags: Readonly<Record<string, unknown>>, engine: 'bar' | 'tick', c: ConfigWithFlags): void {
  if (engine === 'tick') {
    refuseGiven(flags, { bars: '--bars' }, 'applies to simulated bars only (no --data, --exchange or --events); this run replays an event file');
    refuseGiven(flags, { touchFillProb: '--touch-fill-prob' }, "a bar-fill setting (the chance that a bar touching a quote fills it); the tick backtest fills from the event file's trades and the queue model (--queue)");
    refuseGiven(flags, { seed: '--seed' }, 'the tick backtest draws nothing at random (the seed drives simulated bars and bar touch fills)');
    refuseGiven(flags, { volEstimator: '--vol-estimator' }, 'a bar-feature setting; the tick backtest estimates σ from the mid on its own grid (features.sigma_sample_ms, features.sigma_window)');
    refuseGiven(flags, HISTORY_ONLY, 'only with --exchange (klines from the history cache); this run replays an event file');
    return;
  }
  refuseGiven(flags, TICK_ONLY, 'applies to the tick backtest only (--events FILE, or --engine tick); this run is on bars');
  const d = c.trading.data;
  const klines = d.path !== undefined ? (flags['data'] !== undefined ? '--data' : `data.path of ${c.source}`) : d.exchange !== undefined ? (flags['exchange'] !== undefined ? '--exchange' : `data.exchange of ${c.source}`) : undefined;
  if (klines !== undefined) refuseGiven(flags, { bars: '--bars' }, `applies to simulated bars only (no --data, --exchange or --events); this run reads klines (${klines})`);
}

/** A strategy module's summary fields: its file, and the reason it halted the run if it failed while trading (also on stderr). */
export function strategyFields(file: string | undefined, transitions: readonly { condition: string; reason: string }[]): Record<string, string> {
  if (file === undefined) return {};
  const failed = transitions.find((t) => t.condition === 'strategy-error');
  if (failed === undefined) return { strategy: file };
  process.stderr.write(`halted: ${failed.reason}\n`);
  return { strategy: file, strategy_error: failed.reason };
}

/**
 * Run id and folder of a backtest: `--run-id` or `run_<UTC stamp>_<hash of the resolved config>`, and
 * `--out` or `artifacts/runs/<run id>`.
 */
export function runFolderOf(flags: { runId?: string; out?: string }, resolved: Record<string, unknown>): { runId: string; dir: string } {
  const hash = createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 8);
  const runId = flags.runId ?? `run_${utcStamp(new Date())}_${hash}`;
  checkRunId(runId);
  return { runId, dir: flags.out ?? join('artifacts', 'runs', runId) };
}

/** A run id names a folder under artifacts/runs: it starts with a letter or digit (never `.` or `..`), as the runtime's. */
function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw new UserError(`--run-id: expected a letter or digit, then letters, digits, '.', '_' or '-', got '${runId}'`);
}

/**
 * Refuse a run folder that cannot be written before any work is done (`--out`, or the folder of
 * `--run-id`): among them one that is, holds or lies in an input of the run (`inputs`).
 */
export function checkRunFolderEarly(flags: { runId?: string; out?: string; force?: boolean }, inputs: CommandInputs = {}): void {
  if (flags.runId !== undefined) checkRunId(flags.runId);
  const dir = flags.out ?? (flags.runId !== undefined ? join('artifacts', 'runs', flags.runId) : undefined);
  if (dir !== undefined) checkRunFolderTarget(dir, flags.out !== undefined ? '--out' : '--run-id', flags.force === true, inputs);
}

/** The files a backtest reads: its config, and each market's klines or event file, strategy module and latency file. */
function backtestInputs(configPath: string | undefined, markets: readonly MarketConfig[]): CommandInputs {
  const files: (string | undefined)[] = [configPath];
  for (const m of markets) files.push(m.config.data.path, m.config.data.events, m.config.quoting.strategy, m.config.sim.latency_file);
  return { files };
}

export async function backtestCommand(raw: BacktestFlags & { events?: string | string[]; engine?: string }): Promise<void> {
  // `--events` takes one file per market; a single market's file is the config's data.events as before.
  const files = raw.events === undefined ? undefined : [raw.events].flat();
  const { events: _events, ...rest } = raw;
  const flags: BacktestFlags & { events?: string; engine?: string } = files?.[0] !== undefined ? { ...rest, events: files[0] } : rest;
  if (flags.events !== undefined && flags.data !== undefined) throw new UserError('--events: give either --data (bars) or --events (tick), not both');
  if (flags.events !== undefined && flags.exchange !== undefined) throw new UserError('--events: give either --exchange (bars from the history cache) or --events (tick), not both');
  // The inputs the flags name are known already (the config's own once it is read, below).
  checkRunFolderEarly(flags, { files: [flags.config, flags.data, ...(files ?? [])] });
  const whole = (flags as { wholeFills?: boolean }).wholeFills === true;
  if (whole && (flags as { partialFills?: boolean }).partialFills === true) throw new UserError('--whole-fills: give either --partial-fills or --whole-fills, not both');
  const c = readConfigWithFlags(flags.config, flags as Record<string, unknown>, [COMMON_FLAGS, BAR_DATA_FLAGS, VENUE_FLAGS, HEDGE_FLAGS], {
    events: { path: 'data.events', flag: '--events', value: files?.length === 1 ? files[0] : undefined },
    wholeFills: { path: 'sim.partial_fills', flag: '--whole-fills', value: whole ? false : undefined },
  });
  checkModelFlags(flags as Record<string, unknown>, c);
  const markets = marketConfigs(c.trading, files, c.source);
  checkRunFolderEarly(flags, backtestInputs(flags.config, markets));
  hedgePlan(c.trading, markets, c.source); // a bad hedge: is refused before anything loads
  if (markets.length > 1 && (flags.engine === 'bar' || flags.data !== undefined || flags.exchange !== undefined)) throw new UserError('markets: several markets run on event files only (backtest --events A B ...)');
  // One market (with or without markets:) is the single-market run, unchanged.
  const engine = markets.length > 1 ? 'tick' : backtestEngine(flags, { ...c, trading: markets[0]!.config });
  checkBacktestFlags(flags as Record<string, unknown>, engine, markets.length > 1 ? c : { ...c, trading: markets[0]!.config });
  for (const m of markets) await loadStrategyOf(m.config, { flagOf: c.flagOf, source: c.source });
  if (markets.length > 1) return (await import('./backtest-markets.js')).marketsBacktestCommand(flags, c, markets);
  c.trading = markets[0]!.config;
  if (engine === 'tick') return (await import('./backtest-tick.js')).tickBacktestCommand(flags, c);
  let cfg = c.trading;
  // Klines of one market are traded as that market unless the config names the instrument.
  if (cfg.data.exchange !== undefined && cfg.data.symbol !== undefined && cfg.market.symbol === defaultTradingConfig.market.symbol) cfg = { ...cfg, market: { ...cfg.market, symbol: cfg.data.symbol } };
  if (flags.exchangeUrl !== undefined && cfg.data.exchange === undefined) throw new UserError('--exchange-url: only with --exchange (klines from the history cache)');
  const loaded = await fetchBarsFor(cfg, flags.exchangeUrl !== undefined ? { exchangeUrl: flags.exchangeUrl } : {});
  const job = runBarJob(cfg, loaded, undefined, { flagOf: c.flagOf, source: c.source, checkGate: true });
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
    model: cfg.quoting.strategy === undefined ? cfg.quoting.model : null,
    ...strategyFields(cfg.quoting.strategy, m.risk.transitions),
    bars: m.samples,
    total_pnl: roundTo(m.total_pnl, 6),
    pnl_spread_capture: roundTo(m.pnl_spread_capture, 6),
    pnl_inventory: roundTo(m.pnl_inventory, 6),
    return_pct: roundTo(m.return_pct, 6),
    sharpe: roundTo(m.sharpe, 4),
    sharpe_confidence: roundTo(m.sharpe_confidence, 4),
    max_drawdown_pct: roundTo(m.max_drawdown_pct, 6),
    fills: m.fills,
    fees: roundTo(m.fees, 6),
    final_inventory: roundTo(m.final_inventory, decimalsOf(cfg.market.lot_size)),
    markout_1_bps: roundTo(m.markouts[0]?.mean_bps, 3),
    trading_state: m.risk.final_state,
    halted_seconds: roundTo(m.risk.seconds_in_state.halted, 3),
    denials: m.orders_denied,
  };
  await printRunResult(line, dir, `backtest ${runId} (${cfg.quoting.strategy !== undefined ? `strategy ${cfg.quoting.strategy}` : cfg.quoting.model.toUpperCase()} on bars)`, flags);
}

/** The JSON line in a pipe or with --json; on a terminal, the run's headline as the report shows it. */
export async function printRunResult(line: Record<string, unknown>, dir: string, title: string, flags: { json?: boolean }): Promise<void> {
  const { printResult } = await import('../output.js');
  const tty = flags.json !== true && process.stdout.isTTY === true;
  const rows = tty ? (await import('../../report/run-summary.js')).runSummaryRows(dir) : [];
  printResult({ json: line, title, rows, files: { 'run folder': dir, report: `marketmakerl report ${dir}` } }, flags);
}

