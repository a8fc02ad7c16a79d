// The one config file with flags on top: every command reads the same file, each flag overrides one field.
import { UserError, parseStrict, readConfigMapping } from '../core/index.js';
import { parseQueueModel } from '../sim/index.js';
import { ConfigFileSchema, tradingOf, type ConfigFile } from '../runtime/config.js';
import type { TradingConfig } from '../engine/index.js';

/**
 * A flag (commander's camelCase key) → the config paths it sets, and its name for messages; `section`:
 * the flag tunes a section the config must have (it cannot make one alone).
 */
export type FlagTable = Readonly<Record<string, { path: string | readonly string[]; flag: string; section?: string }>>;

const f = (path: string | readonly string[], flag: string, section?: string) => ({ path, flag, ...(section !== undefined ? { section } : {}) });

/** Quoting, sizing, fees and the market: the flags shared by backtest, analyze and realtime. */
export const COMMON_FLAGS: FlagTable = {
  seed: f('seed', '--seed'),
  capital: f('capital', '--capital'),
  model: f('quoting.model', '--model'),
  policy: f('quoting.policy_path', '--policy'),
  strategy: f('quoting.strategy', '--strategy'),
  gamma: f('quoting.gamma', '--gamma'),
  k: f('quoting.k', '--k'),
  A: f('quoting.A', '--A'),
  calibrate: f('quoting.calibrate', '--no-calibrate'),
  horizon: f('quoting.horizon', '--horizon'),
  horizonSeconds: f('quoting.horizon_seconds', '--horizon-seconds'),
  orderQty: f('quoting.order_qty', '--order-qty'),
  maxInventory: f('quoting.max_inventory_qty', '--max-inventory'),
  minSpreadTicks: f('quoting.min_spread_ticks', '--min-spread-ticks'),
  requoteTicks: f('quoting.requote_ticks', '--requote-ticks'),
  makerFeeBps: f('sim.maker_fee_bps', '--maker-fee-bps'),
  takerFeeBps: f('sim.taker_fee_bps', '--taker-fee-bps'),
  tickSize: f('market.tick_size', '--tick-size'),
};

/** The simulated venue and the decision timer (tick backtest, paper). */
export const VENUE_FLAGS: FlagTable = {
  queue: f('sim.queue', '--queue'),
  feedLatencyMs: f('sim.feed_latency_ms', '--feed-latency-ms'),
  orderLatencyMs: f(['sim.entry_latency_ms', 'sim.response_latency_ms'], '--order-latency-ms'),
  orderLatencyFile: f('sim.latency_file', '--order-latency-file'),
  partialFills: f('sim.partial_fills', '--partial-fills'),
  postOnly: f('sim.post_only', '--no-post-only'),
  decisionIntervalMs: f('loop.decision_interval_ms', '--decision-interval-ms'),
  sampleIntervalMs: f('loop.sample_interval_ms', '--sample-interval-ms'),
};

/** With `hedge:` in the config (several markets): how the hedge market trades. */
export const HEDGE_FLAGS: FlagTable = {
  hedgeMode: f('hedge.mode', '--hedge-mode', 'hedge'),
};

export interface ConfigWithFlags {
  file: ConfigFile;
  trading: TradingConfig;
  /** Field path → the flag that set it (messages name the flag). */
  flagOf: (path: string) => string | undefined;
  /** What the fields came from, for messages about the file. */
  source: string;
}

function setPath(obj: Record<string, unknown>, path: string, v: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    const cur = o[k];
    // A section given as something else than a mapping is left for the schema to refuse.
    if (cur !== undefined && (cur === null || typeof cur !== 'object' || Array.isArray(cur))) return;
    o[k] = cur === undefined ? {} : { ...(cur as Record<string, unknown>) };
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = v;
}

/**
 * Read `--config FILE` (every field optional), put the flags that were given on top, and validate the
 * whole file strictly: an unknown key anywhere is exit 2 with its path and a suggestion, whatever
 * command reads it, so a typo never falls back to a default.
 */
export function readConfigWithFlags(configPath: string | undefined, flags: Readonly<Record<string, unknown>>, tables: readonly FlagTable[], extra: Readonly<Record<string, { path: string; flag: string; value: unknown }>> = {}): ConfigWithFlags {
  const doc: Record<string, unknown> = configPath === undefined ? {} : readConfigMapping(configPath);
  if (configPath !== undefined) refuseAgentsOnly(configPath, doc);
  const byPath = new Map<string, string>();
  // Without a file every field is the flags' or a default: a fault names the flag that would set it.
  const known = new Map<string, string>();
  for (const table of tables) for (const spec of Object.values(table)) for (const p of typeof spec.path === 'string' ? [spec.path] : spec.path) known.set(p, spec.flag);
  for (const e of Object.values(extra)) known.set(e.path, e.flag);
  for (const table of tables) {
    for (const [key, spec] of Object.entries(table)) {
      const v = flags[key];
      // commander gives a `--no-x` flag the value true when it is absent: only its false is the user's.
      if (v === undefined || (spec.flag.startsWith('--no-') && v !== false)) continue;
      if (spec.section !== undefined && doc[spec.section] === undefined) {
        refuse(spec.flag, `applies to a config with a ${spec.section}: section; ${configPath === undefined ? 'no --config was given' : `--config ${configPath} has none`}`);
      }
      for (const p of typeof spec.path === 'string' ? [spec.path] : spec.path) {
        setPath(doc, p, v);
        byPath.set(p, spec.flag);
      }
    }
  }
  // `--param name=value` sets one of a strategy module's parameters, on top of the file's others.
  const params = flags['param'];
  if (params !== null && typeof params === 'object') {
    for (const [k, v] of Object.entries(params as Record<string, number>)) {
      setPath(doc, `quoting.params.${k}`, v);
      byPath.set(`quoting.params.${k}`, `--param ${k}`);
    }
  }
  for (const e of Object.values(extra)) {
    if (e.value === undefined) continue;
    setPath(doc, e.path, e.value);
    byPath.set(e.path, e.flag);
  }
  const source = configPath === undefined ? 'config' : `--config ${configPath}`;
  const flagOf = (p: string): string | undefined => byPath.get(p) ?? (configPath === undefined ? known.get(p) : undefined);
  const file = parseStrict(ConfigFileSchema, doc, { source, flagOf });
  parseQueueModel(file.sim.queue, flagOf('sim.queue') ?? `${source}: sim.queue`);
  return { file, trading: tradingOf(file), flagOf, source };
}

/**
 * A runtime pipeline whose agents carry the trading parameters (`agents:` with params, and no `quoting:`
 * section) read by a command other than `run`: that command reads the trading sections only, so it would
 * trade defaults on whatever data it finds, silently. Refused (one line, exit 2).
 */
function refuseAgentsOnly(configPath: string, doc: Readonly<Record<string, unknown>>): void {
  const agents = doc['agents'];
  if (!Array.isArray(agents) || doc['quoting'] !== undefined) return;
  const inline = agents.some((a) => a !== null && typeof a === 'object' && Object.keys(((a as Record<string, unknown>)['params'] ?? {}) as object).length > 0);
  if (!inline) return;
  throw new UserError(
    `--config ${configPath}: its trading parameters are in agents: (a pipeline for \`marketmakerl run\`) and it has no quoting: section; this command reads the trading sections (data:, quoting:, risk:, sim:), not the agents' params: run it with \`marketmakerl run --config ${configPath}\`, or give it those sections`,
  );
}

/** Refuse a flag that the command reads from elsewhere (one line, exit 2). */
export function refuse(flag: string, why: string): never {
  throw new UserError(`${flag}: ${why}`);
}

/** The quoting each market of a config trades: the top-level section with a market's own fields over it. */
function quotingsOf(t: TradingConfig): TradingConfig['quoting'][] {
  const markets = t.markets as readonly { quoting?: Partial<TradingConfig['quoting']> }[] | undefined;
  return markets === undefined ? [t.quoting] : markets.map((m) => ({ ...t.quoting, ...m.quoting }));
}

/** Why `--param` without a strategy module is refused. */
export const PARAM_WITHOUT_MODULE = "sets a strategy module's declared parameter; give the module (--strategy FILE or quoting.strategy), the built-in models have none";

/**
 * `--param` without a strategy module, `--model` where a strategy module quotes instead, and `--policy` where no market quotes with model rl:
 * neither could act on the run (one line, exit 2).
 */
export function checkModelFlags(flags: Readonly<Record<string, unknown>>, c: ConfigWithFlags): void {
  const qs = quotingsOf(c.trading);
  const module = flags['strategy'] !== undefined ? 'a strategy module (--strategy)' : `the strategy module that ${c.source} names (quoting.strategy)`;
  if (flags['param'] !== undefined && qs.every((q) => q.strategy === undefined)) refuse('--param', PARAM_WITHOUT_MODULE);
  if (flags['model'] !== undefined && qs.every((q) => q.strategy !== undefined)) refuse('--model', `${module} quotes instead of the built-in model; ${flags['strategy'] !== undefined ? 'give one of them' : 'drop --model, or the strategy from the file'}`);
  if (flags['policy'] !== undefined && !qs.some((q) => q.strategy === undefined && q.model === 'rl')) {
    const q = qs[0]!;
    refuse('--policy', q.strategy !== undefined ? `${module} quotes instead of a model; a policy retunes model rl only` : `applies to --model rl only (a policy retunes AS or GLFT as it quotes); this run quotes with ${q.model}`);
  }
}

/** Commander's key → a flag's name: flags that apply to one kind of run only. */
export type FlagNames = Readonly<Record<string, string>>;

/** The names of a flag table's flags. */
export function flagNames(table: FlagTable): FlagNames {
  return Object.fromEntries(Object.entries(table).map(([k, spec]) => [k, spec.flag]));
}

/**
 * Whether a flag was given on the command line: commander sets a `--no-x` flag to true when it is absent;
 * a switch passed as false (a program calling a command) is one not given.
 */
export function wasGiven(flags: Readonly<Record<string, unknown>>, key: string, flag: string): boolean {
  const v = flags[key];
  return flag.startsWith('--no-') ? v === false : v !== undefined && v !== false;
}

/**
 * A flag that cannot have any effect on the run the other flags (and the config) chose is refused, not
 * ignored: the first of `names` given, with why it does not apply (one line, exit 2). Config keys of other
 * modes are not refused (one file runs in every mode); only what was typed on the command line is.
 */
export function refuseGiven(flags: Readonly<Record<string, unknown>>, names: FlagNames, why: string): void {
  for (const [key, flag] of Object.entries(names)) if (wasGiven(flags, key, flag)) refuse(flag, why);
}
