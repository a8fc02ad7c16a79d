// The runtime: config → live guard → run id → the agent graph on worker threads → logs, artifacts and a summary.
import { availableParallelism } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { UserError, roundTo, checkCollectionFolder, ensureCollectionFolder, utcStamp, writeFileAtomic } from '../core/index.js';
import { DEFAULT_ARTIFACTS_DIR, RUN_ID, type Mode } from './config.js';
import type { AgentConfig } from './agents.js';
import { loadConfig, agentDataPath } from './load-config.js';
import { loadStrategyModule, resolveParams } from '../strategy/index.js';
import { liveGuard, scrubber, secretValues, type Env } from './live-guard.js';
import { RunLogger } from './logger.js';
import { agentSeed } from './seeds.js';
import { runGraph, type AgentOutcome } from './scheduler.js';
import { WorkerPool } from './worker-pool.js';
import type { AgentTask, AgentValue } from './agent-task.js';
import { jsonText } from './artifacts.js';

export interface RunOptions {
  configPath: string;
  /** Overrides the config's mode. */
  mode?: Mode;
  /** Worker threads at most (default: the machine's available parallelism). */
  maxWorkers?: number;
  /** Overrides the config's run_id. */
  runId?: string;
  /** Overrides the config's seed. */
  seed?: number;
  /**
   * Where the run writes instead of `paths.artifacts_dir` (a campaign's folder), relative to `cwd`: the
   * same rules (new, empty or marketmakerl's own).
   */
  artifactsDir?: string;
  cwd?: string;
  env?: Env;
  /** Clock of the default run id and of log timestamps. */
  now?: () => Date;
  /** Where log lines go (default stderr). */
  writeLog?: (line: string) => void;
}

export interface AgentSummary {
  agent: string;
  role: string;
  status: AgentOutcome['status'];
  outputs: string[];
  error?: string;
  reason?: string;
  risk_status?: 'ok' | 'breach';
  risk_breaches?: string[];
  /** Execution agents: the run's PnL (quote currency), return and final trading state. */
  total_pnl?: number;
  return_pct?: number;
  trading_state?: string;
}

export interface RunSummary {
  run_id: string;
  mode: Mode;
  status: 'ok' | 'failed';
  /** `breach` when any risk agent reported one, `ok` when every risk agent that ran passed, `n/a` when none ran. */
  risk_status: 'ok' | 'breach' | 'n/a';
  /** `agent: check` of every breach, in agent order. */
  risk_breaches: string[];
  /** The signal that stopped a paper or live run (its agents stopped, live orders cancelled and verified). */
  stopped_by?: string;
  /** PnL of every execution agent, quote currency (what the risk agents judged). */
  pnl: Record<string, number>;
  workers: number;
  successes: number;
  failures: number;
  skipped: number;
  total: number;
  artifacts_dir: string;
  log: string;
  /** This summary, as a file beside the artifacts. */
  summary_file: string;
  agents: AgentSummary[];
}

/**
 * Run a config. Bad config, a refused mode or a taken run id throw a UserError before anything is
 * written. Agent failures do not throw: they are logged and counted (`status: 'failed'`).
 */
export async function runRuntime(o: RunOptions): Promise<RunSummary> {
  const cwd = o.cwd ?? process.cwd();
  const env = o.env ?? process.env;
  const now = o.now ?? (() => new Date());
  if (o.maxWorkers !== undefined && !(Number.isInteger(o.maxWorkers) && o.maxWorkers >= 1)) {
    throw new UserError(`--max-workers: expected an integer >= 1, got '${o.maxWorkers}'`);
  }
  if (o.runId !== undefined && !RUN_ID.test(o.runId)) throw new UserError(`--run-id: expected letters, digits, '.', '_' or '-', got '${o.runId}'`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0)) throw new UserError(`--seed: expected an integer >= 0, got '${o.seed}'`);

  const cfg = loadConfig(o.configPath, cwd);
  const mode = o.mode ?? cfg.mode;
  liveGuard(mode, env);
  // The artifacts folder follows every output folder's rules: never a forbidden place, a file, or a
  // folder of someone else's; refused here, before any work.
  const artifactsDir = o.artifactsDir ?? cfg.paths.artifacts_dir;
  const artifactsFlag = o.artifactsDir !== undefined ? '--out' : 'paths.artifacts_dir';
  const artifactsOurs = o.artifactsDir === undefined && cfg.paths.artifacts_dir === DEFAULT_ARTIFACTS_DIR;
  checkCollectionFolder(artifactsDir, artifactsFlag, artifactsOurs, cwd);
  // A strategy module is loaded and checked here, before anything is written (a bad one: exit 2 naming
  // it); the agents then name it by its absolute path, which every worker thread loads again.
  for (const a of cfg.agents) {
    if (a.role !== 'execution' || a.params.trading.quoting.strategy === undefined) continue;
    const q = a.params.trading.quoting;
    const at = `agents.${a.name}: quoting.strategy`;
    const l = await loadStrategyModule(q.strategy!, at, cwd);
    resolveParams(l.definition, q.params, `agents.${a.name}: quoting.params`);
    a.params.trading = { ...a.params.trading, quoting: { ...q, strategy: l.path } };
  }

  const artifactsAbs = resolve(cwd, artifactsDir);
  ensureCollectionFolder(artifactsDir, artifactsFlag, 'runtime-artifacts', artifactsOurs, cwd);
  const runId = chooseRunId(o.runId ?? cfg.run_id, artifactsAbs, now());
  const seed = o.seed ?? cfg.seed;
  const workers = Math.min(o.maxWorkers ?? availableParallelism(), cfg.agents.length);
  const show = (p: string): string => {
    const r = relative(cwd, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
  const logFile = resolve(artifactsAbs, `${runId}_runtime_log.jsonl`);
  const secrets = secretValues(env);
  const scrub = scrubber(secrets);
  const logger = new RunLogger({
    runId,
    mode,
    level: cfg.logging.level,
    format: cfg.logging.format,
    write: o.writeLog ?? ((line) => process.stderr.write(line + '\n')),
    file: logFile,
    secrets,
    now,
  });

  const makeTask = (a: AgentConfig, inputs: AgentValue[]): AgentTask => ({
    runId,
    mode,
    artifactsDir: artifactsAbs,
    agent: a,
    seed: agentSeed(seed, a.name),
    market: cfg.market,
    ...(a.role === 'data' && a.params.source === 'file' && a.params.file !== undefined ? { dataFile: agentDataPath(cfg, a, cwd)! } : {}),
    ...(a.role === 'ml' && a.params.policy !== undefined ? { policyFile: resolve(cwd, a.params.policy) } : {}),
    ...(a.role === 'execution' && mode !== 'backtest' ? { venue: venueOf(env, mode) } : {}),
    inputs,
  });

  const pool = new WorkerPool(workers);
  // Paper and live agents trade until their duration ends: a signal asks them to stop (a live session
  // cancels every order and verifies) and the run ends with its summary; a backtest keeps the default.
  let signal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signal === undefined) logger.log({ event: 'runtime_signal', signal: sig, reason: 'stopping the agents: orders cancelled, summaries written' });
    signal ??= sig;
    pool.stopAll(sig);
  };
  const feedMode = mode !== 'backtest';
  if (feedMode) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let outcomes: AgentOutcome[];
  try {
    logger.log({ event: 'runtime_start', agents: cfg.agents.length, workers });
    outcomes = await runGraph(cfg.agents, workers, makeTask, (t) => pool.run(t), {
      started: (a) => logger.log({ event: 'agent_started', agent: a.name, role: a.role }),
      finished: (a, r) => {
        if (r.status === 'completed') logger.log({ event: 'agent_completed', agent: a.name, role: a.role, outputs: r.outputs.map(show), duration_ms: r.duration_ms ?? 0 });
        else if (r.status === 'failed') logger.log({ event: 'agent_failed', agent: a.name, role: a.role, error: r.error ?? 'unknown error', duration_ms: r.duration_ms ?? 0 });
      },
    });
  } finally {
    if (feedMode) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await pool.close();
  }
  const count = (s: AgentOutcome['status']): number => outcomes.filter((x) => x.status === s).length;
  const failures = count('failed');
  const successes = count('completed');
  const skipped = count('skipped');
  logger.log({ event: 'runtime_complete', failures, successes, skipped, total: outcomes.length });
  logger.close();

  const summaryFile = resolve(artifactsAbs, `${runId}_summary.json`);
  const risk = outcomes.filter((x) => x.value?.role === 'risk').map((x) => x.value as { agent: string; status: 'ok' | 'breach'; breaches: string[] });
  const summary: RunSummary = {
    run_id: runId,
    mode,
    status: failures === 0 ? 'ok' : 'failed',
    ...(signal !== undefined ? { stopped_by: signal } : {}),
    risk_status: risk.length === 0 ? 'n/a' : risk.some((r) => r.status === 'breach') ? 'breach' : 'ok',
    risk_breaches: risk.flatMap((r) => r.breaches.map((b) => `${r.agent}: ${b}`)),
    pnl: Object.fromEntries(outcomes.filter((x) => x.value?.role === 'execution').map((x) => [x.agent, roundTo((x.value as { metrics: { total_pnl: number } }).metrics.total_pnl, 6) ?? Number.NaN])),
    workers,
    successes,
    failures,
    skipped,
    total: outcomes.length,
    artifacts_dir: show(artifactsAbs),
    log: show(logFile),
    summary_file: show(summaryFile),
    agents: outcomes.map((x) => agentSummary(x, show, scrub)),
  };
  writeFileAtomic(summaryFile, jsonText(summary));
  return summary;
}

/** The venue settings an execution agent trading a feed takes from the run's environment (keys: live only). */
function venueOf(env: Env, mode: Mode): NonNullable<AgentTask['venue']> {
  const url = env['MARKETMAKERL_EXCHANGE_URL'];
  const v: NonNullable<AgentTask['venue']> = url !== undefined && url !== '' ? { exchangeUrl: url } : {};
  if (mode === 'live') {
    v.apiKey = env['EXCHANGE_API_KEY'] ?? '';
    v.secret = env['EXCHANGE_API_SECRET'] ?? '';
  }
  return v;
}

function agentSummary(x: AgentOutcome, show: (p: string) => string, scrub: (text: string) => string): AgentSummary {
  const s: AgentSummary = { agent: x.agent, role: x.role, status: x.status, outputs: x.outputs.map(show) };
  if (x.error !== undefined) s.error = scrub(x.error);
  if (x.reason !== undefined) s.reason = x.reason;
  if (x.value?.role === 'risk') {
    s.risk_status = x.value.status;
    s.risk_breaches = x.value.breaches;
  }
  if (x.value?.role === 'execution') {
    s.total_pnl = roundTo(x.value.metrics.total_pnl, 6) ?? Number.NaN;
    s.return_pct = roundTo(x.value.metrics.return_pct, 6) ?? Number.NaN;
    s.trading_state = x.value.metrics.risk.final_state;
  }
  return s;
}

/**
 * An explicit run id must be new in the artifacts dir (a run never overwrites another). The default,
 * run_<UTC YYYYMMDDTHHMMSSZ>, gets a _2, _3, ... suffix when two runs start in the same second.
 */
export function chooseRunId(explicit: string | undefined, artifactsDir: string, at: Date): string {
  const taken = (id: string): boolean => existsSync(artifactsDir) && readdirSync(artifactsDir).some((f) => f.startsWith(`${id}_`));
  if (explicit !== undefined) {
    if (taken(explicit)) throw new UserError(`run_id: '${explicit}' already has artifacts in ${artifactsDir}; choose another (runs never overwrite each other)`);
    return explicit;
  }
  const base = `run_${utcStamp(at)}`;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
}

