// The execution agent: the fitted model in the one trading session — a bar backtest, a paper replay, or a live feed (paper, live).
import { MICROS_PER_SECOND, parseDuration, UserError } from '../../core/index.js';
import { readEventSource } from '../../data/index.js';
import { MetricsSchema, firstSpan, loadStrategyOf, parseTradingConfig, runBarJob, runEventReplay, traceCsv, fillsCsv, type TradingConfig } from '../../engine/index.js';
import { Ledger } from '../../ledger/index.js';
import type { ExecutionParams } from '../agents.js';
import type { AgentResult, AgentTask, ExecutionValue, MlValue } from '../agent-task.js';
import { frameBars } from '../frame.js';
import { artifactPath, writeArtifact, jsonText } from '../artifacts.js';

const MIN_BARS = 50;

/**
 * The agent's trading config: the file's sections with the agent's overrides, and what the model agent
 * fitted (γ, k, A, horizon, spread floor). A bar backtest keeps the fitted k and A unless the model says
 * online; paper and live estimate them from the book as they trade (a bar fit does not carry to ticks).
 */
export function executionConfig(task: AgentTask, params: ExecutionParams, input: MlValue): TradingConfig {
  const { model, frame } = input;
  const f = frame.features;
  const t = params.trading;
  const bars = task.mode === 'backtest';
  return parseTradingConfig(
    {
      ...t,
      seed: task.seed,
      market: bars ? { ...t.market, symbol: frame.symbol, tick_size: frame.tickSize, lot_size: frame.lotSize } : t.market,
      quoting: {
        ...t.quoting,
        model: model.model,
        ...(model.policy ? { policy_path: model.policy.path } : {}),
        gamma: model.gamma,
        k: model.k,
        A: model.A,
        calibrate: bars ? model.calibration === 'online' : true,
        horizon: model.horizon,
        horizon_seconds: model.horizon_seconds,
        min_spread_ticks: model.min_spread_ticks,
      },
      features: { ...t.features, vol_window: f.volWindow, ewma_half_life: f.ewmaHalfLife, vol_estimator: f.volEstimator, signal_window: f.signalWindow, intensity_window: f.intensityWindow },
    },
    { source: `agents.${task.agent.name}` },
  );
}

export async function runExecutionAgent(task: AgentTask, params: ExecutionParams): Promise<AgentResult> {
  const input = task.inputs[0];
  if (input?.role !== 'ml') return { ok: false, error: 'expected the value of an ml agent as input' };
  await loadStrategyOf(params.trading, { source: `agents.${task.agent.name}` });
  if (task.mode === 'backtest') return backtest(task, params, input);
  if (task.mode === 'paper' && params.feed === 'replay') return paperReplay(task, params, input);
  const { runFeedExecution } = await import('./execution-feed.js');
  return runFeedExecution(task, params, executionConfig(task, params, input));
}

function backtest(task: AgentTask, params: ExecutionParams, input: MlValue): AgentResult {
  const { model, frame } = input;
  const from = params.window === 'test' ? model.test.from : 0;
  const to = frame.ts.length;
  if (to - from < MIN_BARS) {
    return { ok: false, error: `window ${params.window} has ${to - from} bars, at least ${MIN_BARS} are needed (lower the ml agent's train_fraction or give more bars)` };
  }
  const cfg = executionConfig(task, params, input);
  const job = runBarJob(cfg, { bars: frameBars(frame, from, to), source: { ...frame.source, from, to } }, undefined, { checkGate: true, source: `agents.${task.agent.name}` });
  const metrics = MetricsSchema.parse(job.metrics);
  const window: ExecutionValue['window'] = { kind: params.window, from, to, out_of_sample: from >= model.test.from };
  const quoting = job.resolved['quoting'] as { order_qty: number; max_inventory_qty: number };
  const dir = task.artifactsDir;
  const id = task.runId;
  const name = task.agent.name;
  const outputs = [
    writeArtifact(dir, id, name, 'metrics.json', jsonText(metrics)),
    writeArtifact(dir, id, name, 'trace.csv', traceCsv(job.trace, frame.tickSize)),
    writeArtifact(dir, id, name, 'fills.csv', fillsCsv(job.core.fills, frame.tickSize)),
    writeArtifact(dir, id, name, 'backtest_config.json', jsonText({ run_id: id, mode: task.mode, model_agent: input.agent, window, ...job.resolved })),
  ];
  return { ok: true, outputs, value: { role: 'execution', agent: name, metrics, window, orderQty: quoting.order_qty, maxInventoryQty: quoting.max_inventory_qty } };
}

/** How long a paper or live agent trades: `duration` (90s, 15m, 1h), µs. */
export function durationOf(params: ExecutionParams, agent: string): number {
  const us = parseDuration(params.duration);
  if (!(us > 0) || us > 366 * 86_400 * MICROS_PER_SECOND) throw new UserError(`agents.${agent}.params.duration: expected a duration such as 90s, 15m, 1h (at most a year), got '${params.duration}'`);
  return us;
}

/**
 * Paper trading offline: the recording of `data.events` replayed on its own clock for `duration` of
 * market time, in the one trading session with the paper ledger as its journal (the same fills as
 * `backtest --events` on those rows); the ledger, metrics, trace and fills are the agent's artifacts.
 */
function paperReplay(task: AgentTask, params: ExecutionParams, input: MlValue): AgentResult {
  const name = task.agent.name;
  const cfg = executionConfig(task, params, input);
  const path = cfg.data.events;
  if (path === undefined) return { ok: false, error: `agents.${name}: mode paper replays data.events (an event file from convert or record, or a raw capture); none is set (or give params.feed: exchange for the live feed)` };
  const events = firstSpan(readEventSource(path), durationOf(params, name));
  const ledgerPath = artifactPath(task.artifactsDir, task.runId, name, params.ledger ?? 'ledger.sqlite');
  const ledger = new Ledger(ledgerPath);
  const runId = `${task.runId}_${name}`;
  let status = 'failed';
  ledger.startRun({ runId, mode: 'paper', exchange: cfg.market.exchange, symbol: cfg.market.symbol, config: { ...cfg, clock: 'event' }, initialCash: cfg.capital }, new Date());
  try {
    const job = runEventReplay(cfg, events, ledger, { checkGate: true, source: `agents.${name}` });
    status = 'replay ended';
    const metrics = MetricsSchema.parse(job.metrics);
    const seconds = Math.round((events.tsLocal[events.length - 1]! - events.tsLocal[0]!) / 1e3) / 1e3;
    const window: ExecutionValue['window'] = { kind: 'replay', from: 0, to: seconds, out_of_sample: true };
    const quoting = job.resolved['quoting'] as { order_qty: number; max_inventory_qty: number };
    const dir = task.artifactsDir;
    const tick = cfg.market.tick_size;
    const outputs = [
      writeArtifact(dir, task.runId, name, 'metrics.json', jsonText(job.metrics)),
      writeArtifact(dir, task.runId, name, 'trace.csv', traceCsv(job.trace, tick)),
      writeArtifact(dir, task.runId, name, 'fills.csv', fillsCsv(job.replayFills, tick)),
      writeArtifact(dir, task.runId, name, 'paper_config.json', jsonText({ run_id: task.runId, mode: task.mode, clock: 'event', model_agent: input.agent, window, ledger: ledgerPath, ...job.resolved })),
      ledgerPath,
    ];
    return { ok: true, outputs, value: { role: 'execution', agent: name, metrics, window, orderQty: quoting.order_qty, maxInventoryQty: quoting.max_inventory_qty } };
  } finally {
    ledger.endRun(new Date(), status);
    ledger.close();
  }
}
