// A strategy from a user's module behind the Strategy port: a copy of the view in, a checked quote out, faults named.
import { UserError, closeNames } from '../core/index.js';
import { type Instrument, roundDown, roundUp } from '../market/index.js';
import type { ParamSpecs, StrategyContext, StrategyDefinition, UserStrategy } from './plugin-types.js';
import { type HedgeRequest, type MarketView, type QuoteLevel, type QuoteTarget, type SignalBars, type Strategy, clearTarget, emptyTarget, emptyView } from './strategy.js';

/** Deeper levels a user strategy may quote per side (besides level 0): 16 orders per side at most. */
export const MAX_LEVELS = 15;

/** A strategy failed while trading (threw, or answered an invalid quote). The session halts with its message. */
export class StrategyFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyFault';
  }
}

/** One line of a thrown value (no stack). */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 300);
}

/**
 * Check a module's export is a strategy definition: a name, a `create` function, numeric parameters
 * with their defaults inside their ranges. `file` prefixes every fault (one line, exit 2).
 */
export function checkDefinition(x: unknown, file: string): StrategyDefinition {
  const bad = (what: string): never => {
    throw new UserError(`${file}: ${what}`);
  };
  if (x === null || typeof x !== 'object') bad('expected a default export made with defineStrategy({ name, params, create })');
  const d = x as Record<string, unknown>;
  if (typeof d['create'] !== 'function') bad('the default export has no create(ctx) function (use defineStrategy({ name, params, create }))');
  if (typeof d['name'] !== 'string' || d['name'].length === 0) bad('the strategy needs a name (a non-empty string)');
  if (d['usesSignals'] !== undefined && typeof d['usesSignals'] !== 'boolean') bad('usesSignals: expected true or false');
  if (d['usesBook'] !== undefined && typeof d['usesBook'] !== 'boolean') bad('usesBook: expected true or false');
  const sb = d['signalBars'] as SignalBars | undefined;
  if (sb !== undefined && !(sb !== null && typeof sb === 'object' && sb.seconds > 0 && Number.isInteger(sb.window) && sb.window >= 3)) bad('signalBars: expected { seconds > 0, window ≥ 3 }');
  const params = d['params'];
  if (params !== undefined) {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) bad('params: expected a mapping of name → { default, min?, max? }');
    for (const [k, s] of Object.entries(params as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad(`params.${k}: a parameter name is letters, digits and _`);
      const p = s as Record<string, unknown> | null;
      if (p === null || typeof p !== 'object') bad(`params.${k}: expected { default, min?, max? }`);
      const num = (f: string): void => {
        const v = p![f];
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) bad(`params.${k}.${f}: expected a finite number, got ${JSON.stringify(v)}`);
      };
      if (p!['default'] === undefined) bad(`params.${k}.default: required`);
      for (const f of ['default', 'min', 'max']) num(f);
      if (p!['integer'] !== undefined && typeof p!['integer'] !== 'boolean') bad(`params.${k}.integer: expected true or false`);
      if (p!['sweep'] !== undefined && !(Array.isArray(p!['sweep']) && p!['sweep'].length > 0)) bad(`params.${k}.sweep: expected a non-empty list of numbers`);
      const spec = p as unknown as ParamSpecs[string];
      checkValue(spec, spec.default, `${file}: params.${k}.default`);
      for (const v of spec.sweep ?? []) checkValue(spec, v, `${file}: params.${k}.sweep`);
    }
  }
  return d as unknown as StrategyDefinition;
}

function checkValue(spec: ParamSpecs[string], v: unknown, at: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${at}: expected a finite number, got ${JSON.stringify(v)}`);
  if (spec.min !== undefined && v < spec.min) throw new UserError(`${at}: ${v} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && v > spec.max) throw new UserError(`${at}: ${v} is above the maximum ${spec.max}`);
  if (spec.integer === true && !Number.isInteger(v)) throw new UserError(`${at}: expected a whole number, got ${v}`);
}

/**
 * The declared parameters' values: defaults, with `given` on top (an unknown name or a value out of range:
 * exit 2 naming the field, `field` or `field(name)`).
 */
export function resolveParams(def: StrategyDefinition, given: Readonly<Record<string, number>> | undefined, field: string | ((name: string) => string)): Record<string, number> {
  const at = (k: string): string => (typeof field === 'string' ? `${field}.${k}` : field(k));
  const specs = def.params ?? {};
  const out: Record<string, number> = {};
  for (const [k, s] of Object.entries(specs)) out[k] = s.default;
  for (const [k, v] of Object.entries(given ?? {})) {
    const spec = specs[k];
    if (spec === undefined) {
      const names = Object.keys(specs);
      const near = closeNames(k, names, 1);
      const hint = near.length > 0 ? `; did you mean '${near[0]}'?` : names.length > 0 ? ` (it declares ${names.join(', ')})` : ' (it declares none)';
      throw new UserError(`${at(k)}: strategy '${def.name}' has no parameter '${k}'${hint}`);
    }
    checkValue(spec, v, at(k));
    out[k] = v;
  }
  return out;
}

/** A synthetic, warm view near `price` for the load-time check of a module's answers. */
function probeView(price: number, tick: number): MarketView {
  const v = emptyView();
  const mid = Math.round(price / tick) * tick;
  v.now = 1_700_000_000_000_000;
  v.start = v.now - 600_000_000;
  v.mid = mid;
  v.bestBid = mid - tick;
  v.bestAsk = mid + tick;
  v.sigma = price * 1e-4;
  v.intensityA = 1;
  v.intensityK = 1 / (price * 1e-4);
  v.trendStrength = 0;
  v.momentum = 0;
  v.meanReversion = 0;
  v.bookImbalance = 0;
  v.microprice = mid;
  v.tradeFlow = 0;
  v.cash = 100_000;
  v.equity = 100_000;
  v.warm = true;
  return v;
}

/**
 * A user's strategy behind the port. Each decision it gets a copy of the view (writing to it changes
 * nothing) and a cleared target; its answer is checked (numbers, positive prices, bid below ask,
 * non-negative quantities) and put on the market's grid (bid down, ask up to the tick, quantities down
 * to the lot) before reconcile sees it. A throw or an invalid answer is a `StrategyFault` naming the
 * file: the session halts with it. The strategy holds no reference to the core, the venue or the ledger.
 */
export class PluginStrategy implements Strategy {
  readonly name: string;
  readonly usesSignals: boolean;
  readonly usesBook: boolean;
  readonly signalBars?: SignalBars;
  private readonly inner: UserStrategy;
  private readonly copy: MarketView = emptyView();
  private readonly scratch: QuoteTarget = emptyTarget();
  private readonly tick: number;
  private readonly lot: number;
  /** The checked deeper levels handed to the core (objects reused across decisions). */
  private readonly bidsOut: QuoteLevel[] = [];
  private readonly asksOut: QuoteLevel[] = [];
  private readonly bidPool: QuoteLevel[] = [];
  private readonly askPool: QuoteLevel[] = [];
  /** The checked hedge request handed to the core (reused across decisions). */
  private readonly hedgeOut: HedgeRequest = { qty: 0, mode: undefined, price: undefined };

  /**
   * Builds the strategy twice: once to check its answer on a synthetic warm view at `refPrice` (a throw or
   * an invalid quote there is a bad module: exit 2 naming `file`), then the instance that trades.
   */
  constructor(
    readonly definition: StrategyDefinition,
    readonly context: StrategyContext,
    instrument: Instrument,
    readonly file: string,
    refPrice: number,
  ) {
    this.name = definition.name;
    this.usesSignals = definition.usesSignals === true;
    this.usesBook = definition.usesBook === true;
    if (definition.signalBars !== undefined) this.signalBars = definition.signalBars;
    this.tick = instrument.tickSize;
    this.lot = instrument.lotSize;
    const probe = this.build();
    try {
      this.ask(probe, probeView(refPrice, this.tick));
    } catch (e) {
      throw new UserError(`${file}: ${messageOf(e)} (checked on a synthetic market at ${refPrice})`);
    }
    this.inner = this.build();
  }

  private build(): UserStrategy {
    let s: unknown;
    try {
      s = this.definition.create(this.context as never);
    } catch (e) {
      throw new UserError(`${this.file}: create() threw: ${messageOf(e)}`);
    }
    if (s === null || typeof s !== 'object' || typeof (s as UserStrategy).decide !== 'function') throw new UserError(`${this.file}: create() must return an object with a decide(view, out) function`);
    return s as UserStrategy;
  }

  decide(view: Readonly<MarketView>, out: QuoteTarget): void {
    try {
      this.ask(this.inner, view);
    } catch (e) {
      clearTarget(out);
      throw new StrategyFault(`strategy ${this.file}: ${messageOf(e)}`);
    }
    const t = this.scratch;
    out.bidPrice = t.bidPrice;
    out.bidQty = t.bidQty;
    out.askPrice = t.askPrice;
    out.askQty = t.askQty;
    out.reservation = t.reservation;
    out.bids = t.bids;
    out.asks = t.asks;
    out.take = undefined;
    out.hedge = t.hedge;
  }

  /** Check `hedge` (orders on the hedge market) and copy it into `hedgeOut`; undefined when absent. */
  private hedgeOf(v: unknown): HedgeRequest | undefined {
    if (v === undefined) return undefined;
    const h = v as Partial<HedgeRequest> | null;
    if (h === null || typeof h !== 'object') throw new Error(`decide() set hedge to ${JSON.stringify(v)}; expected { qty, mode?, price? }`);
    if (typeof h.qty !== 'number' || !Number.isFinite(h.qty)) throw new Error(`decide() set hedge.qty to ${JSON.stringify(h.qty)}; expected a finite signed quantity (+ buys, − sells on the hedge market)`);
    if (h.mode !== undefined && h.mode !== 'taker' && h.mode !== 'passive') throw new Error(`decide() set hedge.mode to ${JSON.stringify(h.mode)}; expected 'taker' or 'passive'`);
    if (h.price !== undefined && !(typeof h.price === 'number' && h.price > 0 && h.price < Number.POSITIVE_INFINITY)) throw new Error(`decide() set hedge.price to ${JSON.stringify(h.price)}; expected a positive price`);
    const o = this.hedgeOut;
    o.qty = h.qty;
    o.mode = h.mode;
    o.price = h.price;
    return o;
  }

  /**
   * Check a side's deeper levels (a list of { price, qty }) and copy them, on the grid, into `into`
   * (objects reused across decisions). Returns `into`, or undefined when the list is absent or empty.
   */
  private levels(v: unknown, k: 'bids' | 'asks', into: QuoteLevel[]): QuoteLevel[] | undefined {
    into.length = 0;
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new Error(`decide() set ${k} to ${JSON.stringify(v)}; expected a list of { price, qty }`);
    if (v.length > MAX_LEVELS) throw new Error(`decide() set ${v.length} ${k}; at most ${MAX_LEVELS} beyond the first on a side`);
    const pool = k === 'bids' ? this.bidPool : this.askPool;
    for (let i = 0; i < v.length; i++) {
      const l = v[i] as Partial<QuoteLevel> | null;
      const price = l?.price;
      const qty = l?.qty;
      if (typeof price !== 'number' || typeof qty !== 'number') throw new Error(`decide() set ${k}[${i}] to ${JSON.stringify(l)}; expected { price, qty } numbers`);
      if (!(qty >= 0) || qty === Number.POSITIVE_INFINITY) throw new Error(`decide() set ${k}[${i}].qty to ${qty}; expected a quantity ≥ 0`);
      if (price === price && !(price > 0 && price < Number.POSITIVE_INFINITY)) throw new Error(`decide() set ${k}[${i}].price to ${price}; expected a positive price (or NaN for none)`);
      const q = roundDown(qty, this.lot);
      const px = k === 'bids' ? roundDown(price, this.tick) : roundUp(price, this.tick);
      if (!(px === px && q > 0)) continue;
      let o = pool[into.length];
      if (o === undefined) pool.push((o = { price: 0, qty: 0 }));
      o.price = px;
      o.qty = q;
      into.push(o);
    }
    return into.length > 0 ? into : undefined;
  }

  /** Ask `s` for its quote on a copy of `view`; the checked answer is left in `scratch`. Throws on an invalid one. */
  private ask(s: UserStrategy, view: Readonly<MarketView>): void {
    Object.assign(this.copy, view);
    const t = this.scratch;
    clearTarget(t);
    s.decide(this.copy, t);
    const num = (k: keyof QuoteTarget): number => {
      const v = t[k];
      if (typeof v !== 'number') throw new Error(`decide() set ${k} to ${JSON.stringify(v)}; expected a number`);
      return v;
    };
    let bid = num('bidPrice');
    let ask = num('askPrice');
    let bq = num('bidQty');
    let aq = num('askQty');
    num('reservation');
    t.hedge = this.hedgeOf(t.hedge);
    for (const [k, q] of [['bidQty', bq], ['askQty', aq]] as const) {
      if (!(q >= 0) || q === Number.POSITIVE_INFINITY) throw new Error(`decide() set ${k} to ${q}; expected a quantity ≥ 0`);
    }
    for (const [k, p] of [['bidPrice', bid], ['askPrice', ask]] as const) {
      if (p === p && !(p > 0 && p < Number.POSITIVE_INFINITY)) throw new Error(`decide() set ${k} to ${p}; expected a positive price (or NaN for none)`);
    }
    if (bid === bid && bq > 0) bq = roundDown(bq, this.lot);
    if (ask === ask && aq > 0) aq = roundDown(aq, this.lot);
    bid = roundDown(bid, this.tick);
    ask = roundUp(ask, this.tick);
    if (bid === bid && ask === ask && bq > 0 && aq > 0 && !(bid < ask)) throw new Error(`decide() quoted bid ${t.bidPrice} at or above ask ${t.askPrice}`);
    t.bidPrice = bq > 0 ? bid : Number.NaN;
    t.bidQty = bid === bid ? bq : 0;
    t.askPrice = aq > 0 ? ask : Number.NaN;
    t.askQty = ask === ask ? aq : 0;
    if (t.bids !== undefined || t.asks !== undefined) {
      // A ladder: every bid level strictly below every ask level (we never quote against ourselves).
      t.bids = this.levels(t.bids, 'bids', this.bidsOut);
      t.asks = this.levels(t.asks, 'asks', this.asksOut);
      let hiBid = t.bidPrice === t.bidPrice ? t.bidPrice : Number.NEGATIVE_INFINITY;
      let loAsk = t.askPrice === t.askPrice ? t.askPrice : Number.POSITIVE_INFINITY;
      for (const l of t.bids ?? []) if (l.price > hiBid) hiBid = l.price;
      for (const l of t.asks ?? []) if (l.price < loAsk) loAsk = l.price;
      if (!(hiBid < loAsk)) throw new Error(`decide() quoted a bid level at ${hiBid}, at or above an ask level at ${loAsk}`);
    }
  }
}
