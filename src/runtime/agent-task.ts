// What the scheduler sends an agent (a task) and what it sends back (its value for downstream agents, or an error).
import type { Metrics } from '../engine/index.js';
import type { Mode } from './config.js';
import type { AgentConfig } from './agents.js';
import type { RuntimeConfig } from './load-config.js';
import type { MarketFrame } from './frame.js';
import type { FittedModel } from './roles/ml.js';

/** Everything an agent needs, as plain data: it is posted to a worker thread. */
export interface AgentTask {
  runId: string;
  mode: Mode;
  artifactsDir: string;
  agent: AgentConfig;
  /** The agent's own seed, derived from the run seed and its name. */
  seed: number;
  market: RuntimeConfig['market'];
  /** Resolved path of a data agent's file (source: file). */
  dataFile?: string;
  /** Resolved path of an ml agent's policy file (model: rl). */
  policyFile?: string;
  /** Values of the agents named in `agent.inputs`, in that order. */
  inputs: AgentValue[];
  /**
   * Paper and live execution: where ccxt connects (MARKETMAKERL_EXCHANGE_URL) and, live only, the keys
   * from the run's environment. Held in memory for the agent; never logged or written.
   */
  venue?: { exchangeUrl?: string; apiKey?: string; secret?: string };
}

export interface DataValue {
  role: 'data';
  agent: string;
  frame: MarketFrame;
}

export interface MlValue {
  role: 'ml';
  agent: string;
  model: FittedModel;
  /** The frame the model was fitted on (execution backtests on it). */
  frame: MarketFrame;
}

export interface ExecutionValue {
  role: 'execution';
  agent: string;
  metrics: Metrics;
  /** What was traded: bars of the frame (backtest: `from`..`to`), or a replay / a live feed (paper, live: seconds of market time). */
  window: { kind: 'test' | 'all' | 'replay' | 'feed'; from: number; to: number; out_of_sample: boolean };
  orderQty: number;
  maxInventoryQty: number;
}

export interface RiskValue {
  role: 'risk';
  agent: string;
  status: 'ok' | 'breach';
  breaches: string[];
  /** PnL of the run the agent checked. */
  totalPnl: number;
}

export type AgentValue = DataValue | MlValue | ExecutionValue | RiskValue;

export type AgentResult = { ok: true; outputs: string[]; value: AgentValue } | { ok: false; error: string };
