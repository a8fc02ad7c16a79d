// `marketmakerl study`: a market profile (src/research/study.ts) from klines, an event file or simulated bars, to JSON.
import { basename, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { UserError, checkOutputFile, roundTo, writeFileAtomic } from '../../core/index.js';
import { readEventSource, simulateBars, defaultSimulateParams } from '../../data/index.js';
import { HISTORY_DEFAULTS, fetchBarsFor } from '../../engine/index.js';
import { studyBars, studyEvents, type BarStudy, type EventStudy } from '../../research/study.js';
import { BAR_SOURCE_FLAGS } from './backtest.js';
import { readConfigWithFlags, refuseGiven, type FlagNames } from '../config-flags.js';

export interface StudyFlags {
  data?: string;
  exchange?: string;
  symbol?: string;
  timeframe?: string;
  days?: number;
  end?: string;
  cacheDir?: string;
  exchangeUrl?: string;
  events?: string;
  tickSize?: number;
  simulate?: boolean;
  bars?: number;
  seed?: number;
  meanReversion?: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** The flags of one source only: a study of another source is refused them (one line, exit 2), not run without them. */
const EVENTS_ONLY: FlagNames = { tickSize: '--tick-size' };
const SIMULATE_ONLY: FlagNames = { bars: '--bars', seed: '--seed', meanReversion: '--mean-reversion' };
const EXCHANGE_ONLY: FlagNames = { symbol: '--symbol', timeframe: '--timeframe', days: '--days', end: '--end', cacheDir: '--cache-dir', exchangeUrl: '--exchange-url' };

export async function studyCommand(flags: StudyFlags): Promise<void> {
  const sources = [flags.data !== undefined, flags.exchange !== undefined, flags.events !== undefined, flags.simulate === true].filter(Boolean).length;
  if (sources !== 1) throw new UserError('study: give exactly one of --data FILE, --exchange ID, --events FILE or --simulate');
  if (flags.force === true && flags.out === undefined) throw new UserError("--force: replaces an existing --out file; the default path is a new file, or this source's own earlier study, replaced without it");
  const given = flags as unknown as Record<string, unknown>;
  if (flags.events === undefined) refuseGiven(given, EVENTS_ONLY, 'only with --events (the price step of the order book it reads)');
  if (flags.simulate !== true) refuseGiven(given, SIMULATE_ONLY, 'only with --simulate (the simulated bars)');
  if (flags.exchange === undefined) refuseGiven(given, EXCHANGE_ONLY, 'only with --exchange (klines from the history cache)');
  const f = { ...flags, tickSize: flags.tickSize ?? 0.01, bars: flags.bars ?? 20_000, seed: flags.seed ?? 7, meanReversion: flags.meanReversion ?? 0 };
  if (!(f.tickSize > 0)) throw new UserError(`--tick-size: expected a positive number, got ${f.tickSize}`);
  if (!(f.meanReversion >= 0 && f.meanReversion < 1)) throw new UserError(`--mean-reversion: expected a number in [0, 1), got ${f.meanReversion}`);
  if (!(Number.isInteger(f.bars) && f.bars >= 100)) throw new UserError(`--bars: expected a whole number ≥ 100, got ${f.bars}`);
  if (f.out !== undefined) {
    const inputs = { files: [f.data, f.events] };
    checkOutputFile(f.out, '--out', f.force === true, false, inputs);
    checkOutputFile(f.out.replace(/\.json$/, '') + '.html', '--out', f.force === true, false, inputs);
  }
  let study: BarStudy | EventStudy;
  let source: Record<string, unknown>;
  let name: string;
  if (f.exchange !== undefined || f.data !== undefined) {
    // The kline source as the backtest reads it: the same checks, the same file and history-cache loaders.
    const cfg = readConfigWithFlags(undefined, f as unknown as Record<string, unknown>, [BAR_SOURCE_FLAGS]).trading;
    const loaded = await fetchBarsFor(cfg, f.exchangeUrl !== undefined ? { exchangeUrl: f.exchangeUrl } : {});
    study = studyBars(loaded.bars);
    source = loaded.source;
    name =
      f.exchange !== undefined
        ? `${f.exchange}-${f.symbol!.replace(/[^A-Za-z0-9]+/g, '')}-${f.timeframe ?? HISTORY_DEFAULTS.timeframe}-${f.days ?? HISTORY_DEFAULTS.days}d`
        : basename(f.data!).replace(/\.[^.]*$/, '');
  } else if (f.events !== undefined) {
    study = studyEvents(readEventSource(f.events), f.tickSize);
    source = { kind: 'events', path: f.events, tick_size: f.tickSize };
    name = basename(f.events).replace(/\.[^.]*$/, '');
  } else {
    const p = { ...defaultSimulateParams, seed: f.seed, bars: f.bars, meanReversion: f.meanReversion, regimeSwitchProb: 0 };
    study = studyBars(simulateBars(p).bars);
    source = { kind: 'simulated', seed: p.seed, bars: p.bars, bar_seconds: p.barSeconds, vol_per_bar: p.volPerBar, mean_reversion: p.meanReversion, process: p.process };
    name = `simulated-seed${f.seed}-mr${f.meanReversion}`;
  }
  const out = f.out ?? defaultStudyPath(name, source);
  const html = out.replace(/\.json$/, '') + '.html';
  const { renderStudyReport } = await import('../../report/study-report.js');
  const page = await renderStudyReport(study, `Source: ${Object.entries(source).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
  writeFileAtomic(out, JSON.stringify({ source, ...study }, null, 2) + '\n');
  writeFileAtomic(html, page);
  const line =
    study.kind === 'bars'
      ? {
          out,
          report: html,
          kind: study.kind,
          bars: study.bars,
          annualised_vol_pct: roundTo(study.returns.annualised_vol_pct, 2),
          kurtosis: roundTo(study.returns.kurtosis, 2),
          autocorrelation_1: roundTo(study.returns.autocorrelation[0]?.value, 4),
          variance_ratio_15: roundTo(study.returns.variance_ratio.find((v) => v.bars === 15)?.value, 4),
          variance_ratio_15_z_robust: roundTo(study.returns.variance_ratio.find((v) => v.bars === 15)?.z_robust, 2),
          spread_bps_median: roundTo(study.range.corwin_schultz_spread_bps.median, 3),
          k_per_price_unit: roundTo(study.intensity.k_per_price_unit, 6),
        }
      : {
          out,
          report: html,
          kind: study.kind,
          span_seconds: roundTo(study.span_seconds, 1),
          annualised_vol_pct: roundTo(study.returns_1s.annualised_vol_pct, 2),
          spread_ticks_p50: study.spread_ticks.quantiles.p50,
          at_one_tick_share: roundTo(study.spread_ticks.at_one_tick_share, 4),
          trades_per_second: roundTo(study.trades.per_second, 2),
          flow_autocorrelation_1: roundTo(study.trades.flow_autocorrelation[0]?.value, 4),
          k_per_price_unit: roundTo(study.intensity.k_per_price_unit, 4),
          exponential_shape_check: `${roundTo(study.intensity.beyond_mean_share, 3)} beyond the mean distance vs ${roundTo(study.intensity.exponential_beyond_mean, 3)}`,
        };
  const { printResult } = await import('../output.js');
  const { fixed, pct } = await import('../../report/format.js');
  const sig = (ac: number | undefined, band: number): string => (ac === undefined ? '—' : `${fixed(ac, 4)} ${Math.abs(ac) > band ? '(outside ±' : '(inside ±'}${fixed(band, 4)})`);
  const rows: Array<[string, string]> =
    study.kind === 'bars'
      ? [
          ['bars', `${study.bars} × ${study.bar_seconds} s, ${study.start.slice(0, 16).replace('T', ' ')} → ${study.end.slice(0, 16).replace('T', ' ')} UTC`],
          ['annualised vol', `${fixed(study.returns.annualised_vol_pct, 2)}%`],
          ['kurtosis (3 = normal)', fixed(study.returns.kurtosis, 2)],
          ['autocorrelation lag 1', sig(study.returns.autocorrelation[0]?.value, study.returns.autocorrelation_band_95)],
          ['variance ratio 15 bars', `${fixed(study.returns.variance_ratio.find((v) => v.bars === 15)?.value, 4)} (robust z ${fixed(study.returns.variance_ratio.find((v) => v.bars === 15)?.z_robust, 2)})`],
          ['spread (Corwin–Schultz median)', `${fixed(study.range.corwin_schultz_spread_bps.median, 3)} bps`],
          ['λ(δ): k, A', `${study.intensity.k_per_price_unit.toPrecision(4)} per price unit, ${study.intensity.A_per_second.toPrecision(4)} per s`],
        ]
      : [
          ['span', `${fixed(study.span_seconds, 1)} s, ${study.start.slice(0, 19).replace('T', ' ')} → ${study.end.slice(0, 19).replace('T', ' ')} UTC`],
          ['annualised vol (1 s mid)', `${fixed(study.returns_1s.annualised_vol_pct, 2)}%`],
          ['spread', `${study.spread_ticks.quantiles.p50} tick median, ${pct(study.spread_ticks.at_one_tick_share, 1)} of seconds at one tick`],
          ['trades', `${fixed(study.trades.per_second, 2)} per s, ${pct(study.trades.buy_share, 1)} buys`],
          ['flow autocorrelation lag 1', sig(study.trades.flow_autocorrelation[0]?.value, study.trades.flow_autocorrelation_band_95)],
          ['mid autocorrelation lag 1', sig(study.returns_1s.autocorrelation[0]?.value, study.returns_1s.autocorrelation_band_95)],
          ['λ(δ): k, A', `${study.intensity.k_per_price_unit.toPrecision(4)} per price unit, ${study.intensity.A_per_second.toPrecision(4)} per s`],
          ['exponential shape', `${fixed(study.intensity.beyond_mean_share, 3)} of trades beyond the mean distance (exponential: 0.368)`],
        ];
  printResult({ json: line, title: `study ${name}`, rows, files: { study: out, report: html } }, f);
}

/**
 * `artifacts/study/<name>.study.json`, or `<name>-2`, `-3`, … when that file holds the study of another
 * source (two captures both named capture.arrow): a study is replaced only by a new study of the same source.
 */
function defaultStudyPath(name: string, source: Record<string, unknown>): string {
  const want = JSON.stringify(source);
  for (let k = 1; ; k++) {
    const p = join('artifacts', 'study', `${name}${k === 1 ? '' : `-${k}`}.study.json`);
    if (!existsSync(p)) return p;
    try {
      if (JSON.stringify((JSON.parse(readFileSync(p, 'utf8')) as { source?: unknown }).source) === want) return p;
    } catch {
      // Not a study we can read: leave it, take the next name.
    }
  }
}
