// The execution agent: backtests the fitted model on the frame's bars with the bar backtester; metrics, trace, fills.
import { MetricsSchema, parseTradingConfig, runBarJob, traceCsv, fillsCsv } from '../../engine/index.js';
import type { ExecutionParams } from '../agents.js';
import type { AgentResult, AgentTask, ExecutionValue } from '../agent-task.js';
import { frameBars } from '../frame.js';
import { writeArtifact, jsonText } from '../artifacts.js';

/** What the execution agent does outside backtest mode today: it refuses, it does not pretend. */
export const NOT_YET: Record<'paper' | 'live', string> = {
  paper:
    'mode=paper: paper trading is not implemented yet (it needs a live feed and the L2 simulator); nothing was traded or simulated, use --mode backtest',
  live: 'mode=live: live trading is not implemented yet; no order was sent, use --mode backtest',
};

const MIN_BARS = 50;

export function runExecutionAgent(task: AgentTask, params: ExecutionParams): AgentResult {
  if (task.mode !== 'backtest') return { ok: false, error: NOT_YET[task.mode] };
  const input = task.inputs[0];
  if (input?.role !== 'ml') return { ok: false, error: 'expected the value of an ml agent as input' };
  const { model, frame } = input;
  const from = params.window === 'test' ? model.test.from : 0;
  const to = frame.ts.length;
  if (to - from < MIN_BARS) {
    return { ok: false, error: `window ${params.window} has ${to - from} bars, at least ${MIN_BARS} are needed (lower the ml agent's train_fraction or give more bars)` };
  }
  const f = frame.features;
  const t = params.trading;
  // The agent's trading config with what the model agent fitted: the same session as a backtest of the file.
  const cfg = parseTradingConfig(
    {
      ...t,
      seed: task.seed,
      market: { ...t.market, symbol: frame.symbol, tick_size: frame.tickSize, lot_size: frame.lotSize },
      quoting: {
        ...t.quoting,
        model: model.model,
        ...(model.policy ? { policy_path: model.policy.path } : {}),
        gamma: model.gamma,
        k: model.k,
        A: model.A,
        calibrate: model.calibration === 'online',
        horizon: model.horizon,
        horizon_seconds: model.horizon_seconds,
        min_spread_ticks: model.min_spread_ticks,
      },
      features: { ...t.features, vol_window: f.volWindow, ewma_half_life: f.ewmaHalfLife, vol_estimator: f.volEstimator, signal_window: f.signalWindow, intensity_window: f.intensityWindow },
    },
    { source: `agents.${task.agent.name}` },
  );
  const job = runBarJob(cfg, { bars: frameBars(frame, from, to), source: { ...frame.source, from, to } }, undefined, { checkGate: true, source: `agents.${task.agent.name}` });
  const metrics = MetricsSchema.parse(job.metrics);
  const window: ExecutionValue['window'] = { kind: params.window, from, to, out_of_sample: from >= model.test.from };
  const quoting = job.resolved['quoting'] as { order_qty: number; max_inventory_qty: number };
  const orderQty = quoting.order_qty;
  const maxInventoryQty = quoting.max_inventory_qty;
  const dir = task.artifactsDir;
  const id = task.runId;
  const name = task.agent.name;
  const outputs = [
    writeArtifact(dir, id, name, 'metrics.json', jsonText(metrics)),
    writeArtifact(dir, id, name, 'trace.csv', traceCsv(job.trace, frame.tickSize)),
    writeArtifact(dir, id, name, 'fills.csv', fillsCsv(job.core.fills, frame.tickSize)),
    writeArtifact(dir, id, name, 'backtest_config.json', jsonText({ run_id: id, mode: task.mode, model_agent: input.agent, window, ...job.resolved })),
  ];
  return { ok: true, outputs, value: { role: 'execution', agent: name, metrics, window, orderQty, maxInventoryQty } };
}
