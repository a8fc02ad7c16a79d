// `marketmakerl risk-calibration`: the configured risk limits replayed against stress scenarios (simulated and from the shared data);
// which limit triggers when; exit 1 when a scenario's loss goes beyond a configured limit.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, isoOf, writeFileAtomic } from '../../core/index.js';
import { loadKlines } from '../../data/index.js';
import { barsBetween, runScenario, simulatedScenarios, worstWindow, type Scenario } from '../../ops/index.js';
import { sliceBars } from '../../market/index.js';
import { readConfigWithFlags } from '../config-flags.js';
import { REPO_ROOT } from './consistency-check.js';

export interface RiskCalibrationFlags {
  config?: string;
  seed?: number;
  sharedData?: string;
  scenarios?: string[];
  out?: string;
}

const AUG_5M = join('binance-spot-btcusdt-5m-klines', 'BTCUSDT-5m-2024-08.csv');
const DEC_1M = join('binance-spot-btcusdt-1m-klines-2024-12', 'BTCUSDT_1m.csv');

/** Scenarios from the shared Binance data: the 5 August 2024 crash (5m) and the worst 12 hours of December 2024 (1m). */
function sharedScenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  const aug = join(dir, AUG_5M);
  if (existsSync(aug)) {
    const b = barsBetween(loadKlines(aug).bars, Date.parse('2024-08-03T12:00:00Z'), Date.parse('2024-08-05T18:00:00Z'));
    let e = 0;
    while (e < b.length && b.ts[e]! < Date.parse('2024-08-04T12:00:00Z') * 1000) e++;
    out.push({ name: 'shared-aug-2024-crash', what: 'BTC/USDT 5m, 4-5 August 2024: about −15% in a day (Binance)', bars: b, eventBar: e });
  }
  const dec = join(dir, DEC_1M);
  if (existsSync(dec)) {
    const all = loadKlines(dec).bars;
    const w = worstWindow(all, 720, 60, 240);
    out.push({
      name: 'shared-dec-2024-worst-12h',
      what: `BTC/USDT 1m, the worst 12 hours of December 2024 from ${isoOf(all.ts[w.from]!)}: −${(w.fall * 100).toFixed(1)}% peak to trough (Binance)`,
      bars: sliceBars(all, w.from - 240, w.to),
      eventBar: 240,
    });
  }
  return out;
}

function lastClose(path: string): number {
  const b = loadKlines(path).bars;
  return b.close[b.length - 1]!;
}

export function riskCalibrationCommand(f: RiskCalibrationFlags): void {
  const { trading } = readConfigWithFlags(f.config, {}, []);
  const seed = f.seed ?? trading.seed;
  const dir = f.sharedData ?? join(REPO_ROOT, '..', 'shared', 'data');
  if (f.sharedData !== undefined && !existsSync(f.sharedData)) throw new UserError(`--shared-data: no folder ${f.sharedData}`);
  // The simulated market starts where the config's own klines end (its price scale), else at data.s0.
  const d = trading.data;
  const s0 = d.path ? lastClose(d.path) : d.s0;
  let scenarios = [...simulatedScenarios(seed, s0, trading.market.tick_size), ...sharedScenarios(dir)];
  const known = scenarios.map((s) => s.name);
  if (f.scenarios !== undefined) {
    for (const n of f.scenarios) if (!known.includes(n)) throw new UserError(`--scenarios: unknown scenario '${n}'; expected some of ${known.join(', ')}`);
    scenarios = scenarios.filter((s) => f.scenarios!.includes(s.name));
  }
  const runs = scenarios.map((s) => runScenario(trading, s));
  const results = runs.map((r) => r.result);
  const limits = runs[0]?.limits;
  for (const r of results) {
    const trig = r.triggers.map((t) => `${t.condition} at ${t.minutes_after_event} min`).join(', ') || 'no limit triggered';
    process.stderr.write(`risk-calibration: ${r.scenario}: drawdown ${r.max_drawdown}, worst day ${r.worst_daily_loss}; ${trig}${r.breaches.length ? `; BEYOND ${r.breaches.map((b) => `${b.limit} by ${b.beyond}`).join(', ')}` : ''}\n`);
  }
  const breached = results.filter((r) => r.breaches.length > 0).map((r) => r.scenario);
  const ok = results.length > 0 && breached.length === 0;
  const doc = {
    check: 'risk-calibration',
    ok,
    config: f.config ?? null,
    seed,
    sim_start_price: s0,
    limits,
    scenarios: results.length,
    breached,
    shared_data: existsSync(dir) ? dir : null,
    results,
  };
  if (f.out !== undefined) {
    if (existsSync(f.out)) throw new UserError(`--out: ${f.out} exists; it is never replaced`);
    writeFileAtomic(f.out, JSON.stringify(doc, null, 2) + '\n');
  }
  process.stdout.write(JSON.stringify(doc) + '\n');
  if (!ok) process.exitCode = 1;
}
