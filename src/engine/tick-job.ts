// A tick backtest as one job: the one trading config and an event file in, results out. Used by the CLI, the paper replay, tests and bench.
import { UserError, MICROS_PER_MS, type StrictParseOptions } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { eventBatchesOf } from '../data/index.js';
import type { Strategy } from '../strategy/index.js';
import type { RlPolicy } from '../models/index.js';
import { TickBacktest, type TickBacktestOptions, type TickBacktestResult } from './tick-backtest.js';
import { TickSharedPass } from './tick-shared-pass.js';
import type { SessionPorts } from './trading-session.js';
import { fundingOf, venueOptionsFor } from './venue-options.js';
import type { TradingConfig } from './trading-config.js';
import { checkGateAdmitsQuotes, resolveTrading, resolvedRecord, strategyFor, type ResolvedTrading } from './trading-resolve.js';
import type { JobOptions } from './backtest-job.js';

export interface TickJobResult extends TickBacktestResult {
  resolved: Record<string, unknown>;
}

/**
 * First traded or quoted price of a batch (sets the default order size), and whether its local clock is causal
 * (its first 10,000 rows: none received before its publication time).
 */
export function peekEvents(b: EventColumns | undefined): { price: number; causal: boolean } {
  if (b === undefined) return { price: Number.NaN, causal: true };
  // Runs once per job, mostly before V8 optimises it: the columns are read into locals, each loop stops when it can.
  const n = Math.min(b.length, 10_000);
  const px = b.price;
  const local = b.tsLocal;
  const exchange = b.tsExchange;
  const delay = b.publishDelay;
  let price = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (px[i]! > 0) {
      price = px[i]!;
      break;
    }
  }
  let causal = true;
  for (let i = 0; i < n; i++) {
    // Received before it was published: the local clock runs behind the venue's.
    if (local[i]! < exchange[i]! + delay[i]!) {
      causal = false;
      break;
    }
  }
  return { price, causal };
}

/** Feed latency of a run: the config's, else the file's own local times when causal, else 5 ms. */
export function feedLatencyOf(cfg: TradingConfig, causal: boolean): { ms: number | undefined; source: string } {
  if (cfg.sim.feed_latency_ms !== undefined) return { ms: cfg.sim.feed_latency_ms, source: 'config' };
  if (causal) return { ms: undefined, source: 'file' };
  return { ms: 5, source: "default (the file's local clock runs behind exchange time)" };
}

/** The tick driver's options of a resolved config at a feed latency (undefined: the file's local times). */
export function tickOptionsFor(r: ResolvedTrading, feedMs: number | undefined, opts: StrictParseOptions = {}): TickBacktestOptions {
  const name = (p: string): string => opts.flagOf?.(p) ?? (opts.source ? `${opts.source}: ${p}` : p);
  if (!(r.session.decisionIntervalMicros > 0)) throw new UserError(`${name('loop.decision_interval_ms')}: a replay decides on a timer; expected a positive interval, got 0`);
  return {
    session: r.session,
    ...venueOptionsFor(r, opts),
    feedLatencyMicros: feedMs === undefined ? undefined : feedMs * MICROS_PER_MS,
    decisionIntervalMicros: r.session.decisionIntervalMicros,
    sampleIntervalMicros: r.config.loop.sample_interval_ms * MICROS_PER_MS,
    markoutSeconds: r.config.metrics.markout_seconds,
    ...(r.config.market.funding ? { funding: fundingOf(r.config.market.funding, name('market.funding.path')) } : {}),
  };
}

export interface TickJobOptions extends JobOptions {
  /** A strategy of the caller's (tests); the config still sets sizes, limits, latencies and the venue. */
  strategy?: Strategy;
  /** Model rl: the policy itself (a worker's task carries it), instead of reading `quoting.policy_path`. */
  policy?: RlPolicy;
  /** A journal and observers for the session (the paper replay on the event clock). */
  ports?: Readonly<Omit<SessionPorts, 'venue'>>;
  /** Called with the driver before it runs (parity tests attach command logs). */
  onDriver?: (d: TickBacktest) => void;
  /** Resolve sizes and limits at this price instead of the stream's first (a session's own, to replay it). */
  refPrice?: number;
}

/**
 * Run a config over a stream of batches (default: the config's event file, streamed). Pure of I/O
 * beyond reading the file and the journal: the same config and file give the same result.
 */
export function runTickJob(cfg: TradingConfig, batches?: Iterable<EventColumns>, o: TickJobOptions = {}): TickJobResult {
  const { head, rest } = openEvents(cfg, batches, o);
  const job = prepareTickJob(cfg, head, o);
  const driver = new TickBacktest(job.strategy, job.opts, o.ports);
  o.onDriver?.(driver);
  return { ...driver.run(rest), resolved: job.resolved };
}

/**
 * Several configs over one pass of the events (`TickSharedPass`): each result equals its own
 * `runTickJob` on the same stream. The configs must share the market's tick size (one replayed book).
 */
export function runTickJobsShared(cfgs: readonly TradingConfig[], batches: Iterable<EventColumns>, each: readonly TickJobOptions[] = []): TickJobResult[] {
  if (cfgs.length === 0) return [];
  const { head, rest } = openEvents(cfgs[0]!, batches, each[0] ?? {});
  const jobs = cfgs.map((c, k) => prepareTickJob(c, head, each[k] ?? {}));
  const pass = new TickSharedPass(jobs.map((j, k) => ({ strategy: j.strategy, opts: j.opts, ...(each[k]?.ports ? { ports: each[k]!.ports! } : {}) })));
  pass.drivers.forEach((d, k) => each[k]?.onDriver?.(d));
  return pass.run(rest).map((r, k) => ({ ...r, resolved: jobs[k]!.resolved }));
}

/** The config's event stream (or `batches`), its first batch read and checked, and the whole stream again. */
export function openEvents(cfg: TradingConfig, batches: Iterable<EventColumns> | undefined, o: TickJobOptions): { head: EventColumns; rest: Iterable<EventColumns> } {
  const name = (p: string): string => o.flagOf?.(p) ?? (o.source ? `${o.source}: ${p}` : p);
  const path = cfg.data.events;
  if (batches === undefined && path === undefined) throw new UserError(`${name('data.events')}: a tick backtest needs an event file (--events FILE)`);
  let source: Iterable<EventColumns>;
  try {
    source = batches ?? eventBatchesOf(path!);
  } catch (e) {
    throw e instanceof UserError ? new UserError(`${name('data.events')}: ${e.message}`) : e;
  }
  const it = source[Symbol.iterator]();
  const first = it.next();
  const head = first.done ? undefined : first.value;
  const what = path ?? 'the event stream';
  if (!head || head.length === 0) throw new UserError(`${name('data.events')}: ${what} holds no events`);
  const rest: Iterable<EventColumns> = {
    *[Symbol.iterator]() {
      yield head;
      for (let x = it.next(); !x.done; x = it.next()) yield x.value;
    },
  };
  return { head, rest };
}

/** A config resolved against the stream's first batch: the driver's options, the strategy and the resolved record. */
export function prepareTickJob(cfg: TradingConfig, head: EventColumns, o: TickJobOptions): { opts: TickBacktestOptions; strategy: Strategy; resolved: Record<string, unknown> } {
  const name = (p: string): string => o.flagOf?.(p) ?? (o.source ? `${o.source}: ${p}` : p);
  const what = cfg.data.events ?? 'the event stream';
  const peek = peekEvents(head);
  const causal = peek.causal;
  const price = o.refPrice ?? peek.price;
  if (!(price > 0)) throw new UserError(`${name('data.events')}: ${what} has no prices in its first rows`);
  const feed = feedLatencyOf(cfg, causal);
  const r = resolveTrading(cfg, price, o);
  if (o.checkGate === true) checkGateAdmitsQuotes(r, price, o);
  const opts = tickOptionsFor(r, feed.ms, o);
  const strategy = o.strategy ?? strategyFor(r, o, o.policy);
  const resolved = {
    ...resolvedRecord(r),
    feed_latency_ms: feed.ms ?? null,
    feed_latency_source: feed.source,
    order_latency: opts.latency.name,
    engine: 'tick',
  };
  return { opts, strategy, resolved };
}
