// The tick engine of the analysis: an event file cut into blocks, each case a tick backtest from flat on one block.
import { SECONDS_PER_YEAR, UserError, isoOf } from '../core/index.js';
import { publishedAt, type EventColumns } from '../market/index.js';
import type { TradingConfig } from '../engine/index.js';
import type { AnalysisConfig } from './analysis-config.js';
import { planTickBlocks, type TickData } from './tick-blocks.js';
import { runTickBlock, type TickEvalTask } from './tick-cases.js';
import { digestColumns, policyDigest } from './digest.js';
import { groupCases, trialBase } from './case-engine.js';
import { defaultTickParamSpace, type Combo } from './param-space.js';
import { loadPolicyFile } from '../models/index.js';
import type { CaseEngine } from './case-engine.js';

/** A test window must hold at least this many trace samples (as bar windows need 50 bars). */
const MIN_BLOCK_SAMPLES = 50;

export interface TickEventsInput {
  path: string;
  events: EventColumns;
}

/**
 * The local clock the blocks share: a fixed feed latency when the file's local times run behind its
 * publication times anywhere (as the tick backtest decides from the file's first rows), else the file's
 * own local times. Decided once for the whole file so every block replays on the same clocks.
 */
function feedLatency(ev: EventColumns, configured: number | undefined): { ms: number | undefined; source: string } {
  if (configured !== undefined) return { ms: configured, source: 'config' };
  for (let i = 0; i < ev.length; i++) if (ev.tsLocal[i]! < publishedAt(ev, i)) return { ms: 5, source: "default 5 ms (the file's local clock runs behind exchange time)" };
  return { ms: undefined, source: "the file's local times" };
}

/** Cases a shared-pass task runs on one block at most: enough to share the pass, small enough to spread over threads. */
const TICK_SHARED_PASS_MAX_CASES = 64;

/** `sharedPass`: the cases of a block run over one pass of its events (same results, less work). */
export function tickEngine(cfg: AnalysisConfig, input: TickEventsInput, sharedPass = true): CaseEngine {
  const policy = cfg.policy_path === undefined ? undefined : loadPolicyFile(cfg.policy_path);
  const parsed = cfg.trading;
  const horizon = cfg.readiness.markout_horizon_seconds;
  const feed = feedLatency(input.events, parsed.sim.feed_latency_ms);
  const ms = parsed.metrics.markout_seconds;
  const base: TradingConfig = {
    ...parsed,
    data: { ...parsed.data, events: input.path },
    metrics: { ...parsed.metrics, markout_seconds: ms.includes(horizon) ? ms : [...ms, horizon].sort((a, b) => a - b) },
    sim: feed.ms === undefined ? parsed.sim : { ...parsed.sim, feed_latency_ms: feed.ms },
  };
  const { train_minutes: trainMin, test_minutes: testMin } = cfg.walk_forward;
  const ratio = trainMin / testMin;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-9) throw new UserError(`--train-minutes: expected a whole multiple of --test-minutes (${testMin}), got ${trainMin}`);
  const sampleMicros = base.loop.sample_interval_ms * 1000;
  const { plan, data } = planTickBlocks(input.path, input.events, Math.round(testMin * 60e6), Math.round(ratio), base.market.tick_size, MIN_BLOCK_SAMPLES, sampleMicros, {
    train: '--train-minutes',
    test: '--test-minutes',
    events: '--events',
  });
  const sampleSeconds = base.loop.sample_interval_ms / 1000;
  const policyHash = policyDigest(policy);
  let digest: string | undefined;
  const one = (c: { combo: Combo; budget: number }, b: number) => runTickBlock({ base, refPrice: data.refPrice, ...c, ...(policy ? { policy } : {}) }, data.events, data.blocks[b]!);
  return {
    plan,
    base,
    refPrice: data.refPrice,
    periodsPerYear: SECONDS_PER_YEAR / sampleSeconds,
    markoutHorizon: horizon,
    defaultSpace: policy ? { ...defaultTickParamSpace, model: ['as', 'glft', 'rl'] } : defaultTickParamSpace,
    span: (b) => [data.blocks[b]!.startMicros, data.blocks[b]!.endMicros],
    dataDigest: () => {
      const ev = input.events;
      const n = ev.length;
      // Publication delays too: the same rows published later give the trading side other times.
      return (digest ??= digestColumns([ev.type, ev.side, ev.flags, ev.tsExchange, ev.tsLocal, ev.publishDelay, ev.price, ev.size, ev.id].map((c) => c.subarray(0, n)), `events/${n}`));
    },
    blockKey: (b) => {
      const k = data.blocks[b]!;
      return `events ${k.startMicros}-${k.endMicros} rows ${k.from}-${k.to}`;
    },
    trialConfig: (t) => ({ engine: 'tick', base: trialBase(base), combo: t.combo, budget: t.budget, ref_price: data.refPrice, policy: t.combo.model === 'rl' ? policyHash : null }),
    async evaluate(trials, cases, evaluator, onDone) {
      if (!evaluator.runTick) throw new UserError(`--engine tick: the ${evaluator.kind} evaluator runs bar cases only; use --workers instead of --queue`);
      if (trials.some((t) => t.combo.model === 'rl') && !policy) throw new UserError('--policy: model rl in the parameter space needs a trained policy file');
      // Shared pass: the cases of a block over one pass of its events; else one task per trial.
      const groups = groupCases(cases, sharedPass ? 'block' : 'trial', sharedPass ? TICK_SHARED_PASS_MAX_CASES : Number.POSITIVE_INFINITY);
      const tasks: TickEvalTask[] = groups.map((g, index) => ({
        index,
        base,
        refPrice: data.refPrice,
        ...(policy ? { policy } : {}),
        sharedPass,
        cases: g.map((c) => ({ combo: trials[c.trial]!.combo, budget: trials[c.trial]!.budget, block: data.blocks[c.block]! })),
      }));
      await evaluator.runTick(tasks, data, (t, r) => onDone(groups[t.index]!, r.cases));
    },
    rerun(combo, budget, b) {
      const job = one({ combo, budget }, b);
      return { trace: job.trace, fills: job.core.fills, pnl: job.metrics.total_pnl, fillCount: job.metrics.fills };
    },
    metaData: (source) => tickMetaData(source, data, base, feed.source),
    metaWalkForward: () => ({
      engine: 'tick',
      train_minutes: trainMin,
      test_minutes: testMin,
      block_samples: plan.blockBars,
      sample_interval_ms: base.loop.sample_interval_ms,
      train_blocks: plan.trainBlocks,
      windows: plan.windows.length,
      unused_leading_rows: plan.unusedBars,
      blocks: data.blocks.map((b, i) => ({ index: i, from: isoOf(b.startMicros), to: isoOf(b.endMicros), rows: b.to - b.from, opening_book_levels: b.bookTo - b.bookFrom, order_price: b.orderPrice })),
      note: 'blocks are equal spans of exchange time, aligned to the last event; every block is a tick backtest on its own from flat with fresh estimators, opened by the book as rebuilt from the rows before it; a test window is traded with the parameters that ranked best on the train blocks just before it',
    }),
    describe: () => `${data.fileRows} events (${data.trades} trades) from ${isoOf(data.firstMicros)}, ${((data.lastMicros - data.firstMicros) / 60e6).toFixed(1)} min; train ${trainMin} min, test ${testMin} min`,
    tickData: data,
  };
}

function tickMetaData(source: Record<string, unknown>, data: TickData, base: TradingConfig, feedSource: string): Record<string, unknown> {
  return {
    ...source,
    kind: 'events',
    path: data.path,
    events: data.fileRows,
    trades: data.trades,
    first_event: isoOf(data.firstMicros),
    last_event: isoOf(data.lastMicros),
    span_minutes: Math.round(((data.lastMicros - data.firstMicros) / 60e6) * 1000) / 1000,
    reference_price: data.refPrice,
    feed_latency_ms: base.sim.feed_latency_ms ?? null,
    feed_latency_source: feedSource,
    sharpe_basis: `per-sample returns every ${base.loop.sample_interval_ms} ms of local time, annualised by √(${SECONDS_PER_YEAR / (base.loop.sample_interval_ms / 1000)} samples per 365-day year)`,
  };
}
