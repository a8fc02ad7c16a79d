// What a strategy module defines: its declared parameters, and a factory from a context to a decide function.
import type { MarketView, QuoteTarget, SignalBars } from './strategy.js';

/** One declared parameter: a number with its default and range (what the config's `quoting.params` may set and `analyze` may sweep). */
export interface ParamSpec {
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  /** Only whole numbers. */
  readonly integer?: boolean;
  readonly description?: string;
  /** The levels `analyze` tries (default: the default alone, i.e. not swept). */
  readonly sweep?: readonly number[];
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The resolved values of declared parameters (defaults, with the config's `quoting.params` on top). */
export type ParamValues<S extends ParamSpecs> = { readonly [K in keyof S]: number };

/**
 * What a strategy is built with, once per run: its parameters, the market's steps and the sizes and model
 * fields of the `quoting:` section as resolved at the first price. Nothing here reaches the venue or the
 * ledger; the strategy's only way to act is the quote it writes in `decide`.
 */
export interface StrategyContext<P = Readonly<Record<string, number>>> {
  readonly params: P;
  readonly symbol: string;
  readonly tickSize: number;
  readonly lotSize: number;
  /** Base quantity of one quote (`quoting.order_qty`, default 1% of capital at the first price). */
  readonly orderQty: number;
  /** |position| the session allows (`quoting.max_inventory_qty`, default 10 orders); the gate enforces it. */
  readonly maxInventoryQty: number;
  readonly minSpreadTicks: number;
  /** The model fields of `quoting:` (γ, k, A, calibration, horizon), for strategies built on AS or GLFT. */
  readonly quoting: {
    readonly gamma: number;
    readonly k: number;
    readonly A: number;
    readonly calibrate: boolean;
    readonly horizonSeconds: number;
  };
}

/**
 * The running strategy: `decide(view, out)` writes the quote that should rest now into `out` (already
 * cleared: NaN prices, zero quantities = nothing resting). Synchronous and deterministic: time is
 * `view.now`; no I/O, no wall clock, no Math.random.
 */
export interface UserStrategy {
  decide(view: Readonly<MarketView>, out: QuoteTarget): void;
}

/** A strategy module's default export (see `defineStrategy` in src/sdk). */
export interface StrategyDefinition<S extends ParamSpecs = ParamSpecs> {
  /** Shown in run folders and logs. */
  readonly name: string;
  readonly description?: string;
  readonly params?: S;
  /** True if `decide` reads the trend / momentum / mean-reversion signals (otherwise they stay NaN). */
  readonly usesSignals?: boolean;
  readonly signalBars?: SignalBars;
  /** True if `decide` reads `bookImbalance` or `microprice` (the tick backtest then keeps a book at local time). */
  readonly usesBook?: boolean;
  /** Called once per run (and once more to check the module before it trades): must not keep global state. */
  create(ctx: StrategyContext<ParamValues<S>>): UserStrategy;
}
