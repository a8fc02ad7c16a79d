// The analyze command's body: flags → config → bars → evaluation → artifacts and report.
import { availableParallelism } from 'node:os';
import { warnOlderConversions } from '../event-files.js';
import { UserError, checkCollectionFolder, ensureCollectionFolder, roundTo, utcStamp } from '../../core/index.js';
import { historyBars, loadKlines, readEventSource } from '../../data/index.js';
import { HISTORY_DEFAULTS, loadStrategyOf } from '../../engine/index.js';
import type { Bars, EventColumns } from '../../market/index.js';
import { analysisConfigOf, type AnalysisConfig } from '../../research/analysis-config.js';
import { COMMON_FLAGS, PARAM_WITHOUT_MODULE, readConfigWithFlags, refuse, type FlagTable } from '../config-flags.js';
import type { AnalysisResult } from '../../research/analysis.js';
import { analysisFiles, writeAnalysisFiles } from '../../research/analysis-artifacts.js';
import { DEFAULT_ANALYSIS_DIR, checkSweepFlags, runSweep, type SweepFlags } from './analyze-sweep.js';
import { serialEvaluator, threadEvaluator, type Evaluator } from '../../research/evaluator.js';
import type { EvalPool } from '../../research/eval-pool.js';
import { streamProgress, silentProgress } from '../../research/progress.js';
import { renderAnalysisReport } from '../../report/analysis-report.js';

export interface AnalyzeFlags extends SweepFlags {
  data?: string;
  /** One JSON line even on a terminal. */
  json?: boolean;
  events?: string;
  exchange?: string;
  symbol?: string;
  timeframe?: string;
  days?: number;
  maxCombinations?: number;
  budgets?: string;
  workers?: number;
  engine?: string;
  seed?: number;
  sampling?: string;
  objective?: string;
  trainDays?: number;
  testDays?: number;
  trainMinutes?: number;
  testMinutes?: number;
  makerFeeBps?: number;
  config?: string;
  out?: string;
  queue?: string;
  policy?: string;
  strategy?: string;
  end?: string;
  exchangeUrl?: string;
  cacheDir?: string;
  quiet?: boolean;
}

/** The analysis' own flags (the `analysis:` section) and its data sources. */
const ANALYZE_FLAGS: FlagTable = {
  days: { path: 'analysis.days', flag: '--days' },
  maxCombinations: { path: 'analysis.max_combinations', flag: '--max-combinations' },
  sampling: { path: 'analysis.sampling', flag: '--sampling' },
  objective: { path: 'analysis.objective', flag: '--objective' },
  engine: { path: 'analysis.engine', flag: '--engine' },
  trainDays: { path: 'analysis.walk_forward.train_days', flag: '--train-days' },
  testDays: { path: 'analysis.walk_forward.test_days', flag: '--test-days' },
  trainMinutes: { path: 'analysis.walk_forward.train_minutes', flag: '--train-minutes' },
  testMinutes: { path: 'analysis.walk_forward.test_minutes', flag: '--test-minutes' },
  data: { path: 'data.path', flag: '--data' },
  events: { path: 'data.events', flag: '--events' },
  exchange: { path: 'data.exchange', flag: '--exchange' },
  symbol: { path: 'data.symbol', flag: '--symbol' },
  end: { path: 'data.end', flag: '--end' },
  cacheDir: { path: 'data.cache_dir', flag: '--cache-dir' },
};

/** The one config file under the analysis, flags on top; the engine follows the flags, then the file. */
export function analysisConfigFromFlags(f: AnalyzeFlags): AnalysisConfig {
  let budgets: number[] | undefined;
  if (f.budgets !== undefined) {
    const parts = f.budgets.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.some((s) => s === '') || nums.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UserError(`--budgets: expected positive numbers separated by commas, got '${f.budgets}'`);
    budgets = nums;
  }
  if (f.events !== undefined && (f.data !== undefined || f.exchange !== undefined)) throw new UserError(`--engine tick: reads an event file (--events FILE), not klines (${f.data !== undefined ? '--data' : '--exchange'})`);
  const flags: Record<string, unknown> = { ...f };
  // A kline flag picks the bars over an event file the config names, and an event flag the reverse.
  const c = readConfigWithFlags(f.config, flags, [COMMON_FLAGS, ANALYZE_FLAGS], {
    budgets: { path: 'analysis.budgets', flag: '--budgets', value: budgets },
    timeframe: { path: 'data.timeframe', flag: '--timeframe', value: f.exchange !== undefined ? f.timeframe : undefined },
  });
  if (c.trading.markets !== undefined) throw new UserError(`${c.source}: markets: the analysis sweeps one market (market:); several markets run in backtest --events and realtime --clock event`);
  let trading = c.trading;
  if (f.data !== undefined || f.exchange !== undefined) trading = { ...trading, data: withoutEvents(trading.data) };
  if (f.events !== undefined) trading = { ...trading, data: { ...trading.data, path: undefined, exchange: undefined } as typeof trading.data };
  // The config's exchange is the source: --timeframe picks its bars, as with --exchange on the command line.
  if (f.timeframe !== undefined && f.exchange === undefined && f.data === undefined && f.events === undefined && trading.data.exchange !== undefined) trading = { ...trading, data: { ...trading.data, timeframe: f.timeframe as typeof trading.data.timeframe } };
  const settings = c.file.analysis;
  if ((f as { param?: unknown }).param !== undefined && trading.quoting.strategy === undefined) refuse('--param', PARAM_WITHOUT_MODULE);
  if (f.policy !== undefined) {
    // The policy joins the sweep as model rl; where the sweep cannot run that model, it would never trade.
    if (trading.quoting.strategy !== undefined) refuse('--policy', `${f.strategy !== undefined ? 'a strategy module (--strategy)' : `the strategy module that ${c.source} names (quoting.strategy)`} replaces the models of the sweep; the policy (model rl) would never run`);
    const models = settings.space.model;
    if (models !== undefined && !models.includes('rl')) refuse('--policy', `adds model rl to the sweep, but analysis.space.model of ${c.source} leaves it out (${models.join(', ')})`);
  }
  const engine = f.engine !== undefined ? settings.engine : f.events !== undefined ? 'tick' : f.data !== undefined || f.exchange !== undefined ? 'bar' : settings.engine;
  return analysisConfigOf(trading, { ...settings, ...(engine !== undefined ? { engine } : {}) });
}

function withoutEvents(d: AnalysisConfig['trading']['data']): AnalysisConfig['trading']['data'] {
  const { events: _e, ...rest } = d;
  return rest as AnalysisConfig['trading']['data'];
}

/** Without --workers: threads from this many bar steps (cases × bars) on; below it, start-up costs more than it saves. */
const AUTO_THREADS_BAR_STEPS = 3_000_000;
/**
 * The same for tick cases: event rows replayed (combos × budgets × rows of the file). Measured on the
 * shared capture (2 cores): 64 combos (30 M rows, 1.3 s serial) gain nothing from a second thread,
 * 256 combos (120 M rows, 5.1 s serial) run in 3.3 s on two.
 */
const AUTO_THREADS_EVENT_STEPS = 60_000_000;

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

const TIMEFRAME_SECONDS: Record<string, number> = { '1m': 60, '3m': 180, '5m': 300, '15m': 900, '30m': 1800, '1h': 3600, '2h': 7200, '4h': 14400, '1d': 86400 };

function fileBars(path: string, timeframe: string | undefined): { bars: Bars; source: Record<string, unknown> } {
  const k = loadKlines(path);
  if (timeframe !== undefined && k.bars.intervalMicros / 1e6 !== TIMEFRAME_SECONDS[timeframe]) {
    throw new UserError(`--timeframe: ${timeframe} given, but ${path} holds ${k.bars.intervalMicros / 1e6} s bars`);
  }
  return { bars: k.bars, source: { kind: 'file', path, format: k.format, gaps: k.gaps } };
}

/**
 * The evaluator the flags ask for, started at once (remote or asked-for workers load while the data is
 * read); null without --workers or --queue: the job's size decides once the data is known.
 */
function askedEvaluator(flags: AnalyzeFlags, pool: EvalPool | null, workers: number): Promise<Evaluator> | null {
  const p = flags.queue
    ? import('../../research/queue.js').then((q) => q.queueEvaluator(flags.queue!))
    : workers > 1
      ? threadEvaluator(workers, pool ?? undefined)
      : workers === 1
        ? Promise.resolve(serialEvaluator())
        : null;
  p?.catch(() => {});
  return p;
}

export async function runAnalyzeCommand(flags: AnalyzeFlags, pool: EvalPool | null = null): Promise<void> {
  const tStart = performance.now();
  checkSweepFlags(flags);
  checkCollectionFolder(flags.out ?? DEFAULT_ANALYSIS_DIR, '--out', flags.out === undefined);
  const cfg = analysisConfigFromFlags(flags);
  // A strategy module: loaded and checked now; cases (and worker threads) name it by its absolute path.
  const module = await loadStrategyOf(cfg.trading);
  if (module !== undefined) cfg.trading = { ...cfg.trading, quoting: { ...cfg.trading.quoting, strategy: module.path } };
  const workers = flags.workers ?? 0;
  if (flags.workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new UserError(`--workers: expected an integer from 1 to 64, got ${workers}`);
  if (flags.timeframe !== undefined && !(flags.timeframe in TIMEFRAME_SECONDS)) throw new UserError(`--timeframe: expected one of ${Object.keys(TIMEFRAME_SECONDS).join(', ')}, got '${flags.timeframe}'`);
  const d = cfg.trading.data;
  if (cfg.engine === 'tick') checkTickFlags(flags, cfg);
  else if (flags.events !== undefined) throw new UserError('--events: an event file is analysed with --engine tick, not --engine bar');
  else if (flags.exchangeUrl !== undefined && d.exchange === undefined) throw new UserError('--exchange-url: only with --exchange (klines from the history cache)');
  else if (flags.trainMinutes !== undefined || flags.testMinutes !== undefined) throw new UserError(`${flags.trainMinutes !== undefined ? '--train-minutes' : '--test-minutes'}: window lengths in minutes are for --engine tick; use --train-days/--test-days with bars`);
  else if (d.path === undefined && d.exchange === undefined) throw new UserError('--data: expected a kline CSV file, or --exchange and --symbol (with --timeframe) to read the history cache (or data.path / data.exchange in --config)');
  const endMs = d.end !== undefined ? Date.parse(d.end) : undefined;

  if (cfg.engine === 'tick') {
    if (cfg.trading.data.events !== undefined) warnOlderConversions(cfg.trading.data.events.split(','));
    return runTickAnalyzeCommand(flags, cfg, pool, workers, tStart);
  }

  // Threads only pay off on large jobs: without --workers the bars' count decides (below).
  // A merge runs no case: no pool to start.
  let evaluatorP = flags.merge !== undefined ? Promise.resolve(serialEvaluator()) : askedEvaluator(flags, pool, workers);
  let evaluator: Evaluator | undefined;
  try {
    const input =
      d.path !== undefined
        ? fileBars(d.path, flags.timeframe)
        : await historyBars({ exchange: d.exchange!, symbol: d.symbol!, timeframe: d.timeframe ?? HISTORY_DEFAULTS.timeframe, days: cfg.days, ...(endMs !== undefined ? { endMs } : {}), ...(d.cache_dir !== undefined ? { cacheDir: d.cache_dir } : {}), ...(flags.exchangeUrl !== undefined ? { exchangeUrl: flags.exchangeUrl } : {}) });
    if (evaluatorP === null) {
      const barSteps = Math.min(input.bars.length, Math.round((cfg.days * 86_400e6) / input.bars.intervalMicros)) * cfg.max_combinations * cfg.budgets.length;
      const auto = barSteps >= AUTO_THREADS_BAR_STEPS ? Math.min(availableParallelism(), 8) : 1;
      evaluatorP = auto > 1 ? threadEvaluator(auto) : Promise.resolve(serialEvaluator());
    }
    evaluator = await evaluatorP;
    const progress = flags.quiet ? silentProgress : streamProgress(process.stderr);
    const now = new Date();
    const result = await runSweep(flags, { bars: input.bars, source: input.source, cfg, evaluator, progress, now });
    if (result) await finishAnalysis(result, flags, now, tStart);
  } finally {
    const ev = evaluator ?? (await evaluatorP?.catch(() => undefined));
    await ev?.close();
  }
}

/** Artifacts and report of a finished analysis, written together (analysis.json last), then the summary line. */
async function finishAnalysis(result: AnalysisResult, flags: AnalyzeFlags, now: Date, tStart: number): Promise<void> {
  const files: Record<string, string> = analysisFiles(result);
  const tReport = performance.now();
  files['report.html'] = await renderAnalysisReport(result);
  const reportSeconds = (performance.now() - tReport) / 1000;
  const stamp = utcStamp(now);
  const dir = flags.out ?? DEFAULT_ANALYSIS_DIR;
  ensureCollectionFolder(dir, '--out', 'analysis', flags.out === undefined);
  const written = writeAnalysisFiles(dir, stamp, files);
  const rd = result.json.readiness;
  const wf = result.budgets[0]!;
  const line = {
      analysis_json: written.find((p) => p.endsWith('_analysis.json')),
      report: written.find((p) => p.endsWith('_report.html')),
      ready_for_live_keys: rd.ready_for_live_keys,
      failed_checks: Object.entries(rd.checks).filter(([, c]) => !c.pass).map(([n]) => n),
      combinations: result.combos.length,
      sampling: result.samplingMethod,
      windows: wf.windows.length,
      oos_pnl: Math.round(wf.oos.pnl * 1e6) / 1e6,
      oos_fees: Math.round(wf.oos.fees * 1e6) / 1e6,
      oos_fills: wf.oos.fills,
      oos_sharpe: roundTo(wf.oos.sharpe, 4),
      oos_sharpe_confidence: roundTo(wf.oos.sharpe_confidence, 4),
      best_strategy: result.json['best_strategy'] ? wf.best.params : null,
      seconds: {
        startup: r3(tStart / 1000),
        analysis: (result.json['meta'] as { run: { elapsed_seconds: number } }).run.elapsed_seconds,
        evaluate: (result.json['meta'] as { run: { evaluate_seconds: number } }).run.evaluate_seconds,
        report: r3(reportSeconds),
        total: r3(performance.now() / 1000),
      },
    };
  const { printResult } = await import('../output.js');
  const { fixed, signed } = await import('../../report/format.js');
  const best = wf.best.params as unknown as Record<string, unknown>;
  printResult(
    {
      json: line,
      title: `analyze: ${rd.ready_for_live_keys ? 'READY for live keys' : 'NOT ready for live keys'} (budget ${wf.budget})`,
      rows: [
        ['out-of-sample PnL', `${signed(wf.oos.pnl, 2)} (realized ${signed(wf.oos.realized_pnl, 2)}, inventory ${signed(wf.oos.inventory_pnl, 2)}, fees ${signed(-wf.oos.fees, 2)})`],
        ['out-of-sample fills', `${wf.oos.fills} (${wf.oos.buy_fills} buys, ${wf.oos.sell_fills} sells)`],
        ['out-of-sample Sharpe', `${fixed(wf.oos.sharpe, 2)} (P(true Sharpe > 0) ${fixed(wf.oos.sharpe_confidence, 3)})`],
        ['failed checks', line.failed_checks.length === 0 ? 'none' : line.failed_checks.join(', ')],
        ['walk-forward windows', String(wf.windows.length)],
        ['combinations', `${result.combos.length} (${result.samplingMethod})`],
        ['last chosen strategy', Object.entries(best).map(([k, v]) => `${k} ${String(v)}`).join(', ')],
        ['seconds', fixed(line.seconds.total, 1)],
      ],
      files: { analysis: line.analysis_json ?? '', report: line.report ?? '' },
    },
    flags,
  );
}

/** --engine tick: the flags that belong to bars are refused, the event file is required. */
function checkTickFlags(flags: AnalyzeFlags, cfg: AnalysisConfig): void {
  if (flags.data !== undefined || flags.exchange !== undefined) throw new UserError(`--engine tick: reads an event file (--events FILE), not klines (${flags.data !== undefined ? '--data' : '--exchange'})`);
  if (cfg.events_path === undefined) throw new UserError('--events: --engine tick needs an event file (Arrow IPC; marketmakerl convert writes one from a capture)');
  for (const [flag, v] of [['--days', flags.days], ['--train-days', flags.trainDays], ['--test-days', flags.testDays], ['--timeframe', flags.timeframe]] as const) {
    if (v !== undefined) throw new UserError(`${flag}: not used with --engine tick (the whole event file is analysed; window lengths are --train-minutes and --test-minutes)`);
  }
  for (const [flag, v] of [['--symbol', flags.symbol], ['--end', flags.end], ['--cache-dir', flags.cacheDir], ['--exchange-url', flags.exchangeUrl]] as const) {
    if (v !== undefined) throw new UserError(`${flag}: only with --exchange (klines from the history cache); --engine tick reads an event file`);
  }
}

/** Read the whole event file once (a one-line error naming --events when it cannot be read). */
function readEventsFlag(path: string): EventColumns {
  try {
    return readEventSource(path);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message.startsWith('--events') ? e.message : `--events: ${e.message}`);
    throw e;
  }
}

/**
 * The tick analysis: the event file is read whole once here; worker threads get its columns (and the
 * blocks' opening books) in one SharedArrayBuffer, so no thread reads or copies the file again.
 */
async function runTickAnalyzeCommand(flags: AnalyzeFlags, cfg: AnalysisConfig, pool: EvalPool | null, workers: number, tStart: number): Promise<void> {
  const path = cfg.events_path!;
  // A merge runs no case: no pool to start.
  let evaluatorP = flags.merge !== undefined ? Promise.resolve(serialEvaluator()) : askedEvaluator(flags, pool, workers);
  let evaluator: Evaluator | undefined;
  try {
    const events = readEventsFlag(path);
    if (evaluatorP === null) {
      const steps = events.length * cfg.max_combinations * cfg.budgets.length;
      const auto = steps >= AUTO_THREADS_EVENT_STEPS ? Math.min(availableParallelism(), 8) : 1;
      evaluatorP = auto > 1 ? threadEvaluator(auto) : Promise.resolve(serialEvaluator());
    }
    evaluator = await evaluatorP;
    const progress = flags.quiet ? silentProgress : streamProgress(process.stderr);
    const now = new Date();
    const result = await runSweep(flags, { events: { path, events }, source: { kind: 'events', path }, cfg, evaluator, progress, now });
    if (result) await finishAnalysis(result, flags, now, tStart);
  } finally {
    const ev = evaluator ?? (await evaluatorP?.catch(() => undefined));
    await ev?.close();
  }
}
