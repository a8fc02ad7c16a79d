// What the dashboard page shows: chart points, fills, the latest figures and risk events; as JSON messages.

/**
 * One chart point: time in seconds of the data's own clock (lightweight-charts' UTCTimestamp), prices or
 * null (null bid/ask: no order rests on that side, the page clears the line), inventory, PnL and state.
 */
export interface ChartPoint {
  t: number;
  mid: number | null;
  bid: number | null;
  ask: number | null;
  inv?: number | null;
  /** PnL so far (equity − initial capital), quote currency. */
  pnl?: number | null;
  /** Trading state at the point: active, reducing, halted (absent: unknown). */
  state?: string;
}

export interface ChartFill {
  t: number;
  side: number;
  price: number;
  qty: number;
  fee?: number;
  liquidity?: string;
}

export interface RiskLine {
  t: number;
  kind: string;
  reason: string;
  state: string;
}

/** What the dashboard shows: a loop trading now (paper or live), a ledger, a finished backtest run, the runtime's output. */
export type SourceKind = 'live paper' | 'live' | 'ledger' | 'finished run' | 'runtime output';

/** The latest figures of the panel. */
export interface DashboardStats {
  /** One line naming the source (exchange, market, run id, status). */
  source: string;
  source_kind: SourceKind;
  title: string;
  trading_state: string;
  inventory: number;
  cash: number | null;
  equity: number | null;
  realized_pnl: number | null;
  unrealized_pnl: number | null;
  open_orders: number;
  fills: number;
  mid: number | null;
  /** Total PnL: realized + unrealized − fees (or equity − initial capital). */
  pnl: number | null;
  fees: number | null;
  /** Decimals of the instrument's tick and lot: prices and sizes are shown at them. */
  price_decimals: number;
  qty_decimals: number;
  /** Time of the latest data (the data's own clock), ISO-8601 UTC. */
  updated_utc: string;
  [extra: string]: unknown;
}

/** One market's chart of a loop over several markets: its points and fills (the page draws one small chart each). */
export interface MarketChart {
  name: string;
  points: ChartPoint[];
  fills: ChartFill[];
  /** Decimals of the market's tick and lot: its chart's prices and sizes are shown at them. */
  price_decimals: number;
  qty_decimals: number;
}

/** A full state (first message and /api/state) or an update (new points, fills and risk lines, latest stats). */
export interface DashboardMessage {
  type: 'snapshot' | 'update';
  stats: DashboardStats;
  points: ChartPoint[];
  fills: ChartFill[];
  risk: RiskLine[];
  /** Several markets: every market's chart (a snapshot: all of it; an update: what is new), in the markets' order. */
  charts?: MarketChart[];
}

/** A bounded series of chart points and fills with a cursor of what was already sent. */
export class ChartSeries {
  readonly points: ChartPoint[] = [];
  readonly fills: ChartFill[] = [];
  private sentPoints = 0;
  private sentFills = 0;
  priceDecimals = 2;
  qtyDecimals = 5;

  constructor(private readonly maxPoints = 20_000) {}

  addPoint(p: ChartPoint): void {
    const last = this.points[this.points.length - 1];
    // The chart wants strictly increasing times: a point in the same second replaces the previous one.
    if (last !== undefined && p.t <= last.t) {
      p = { ...p, t: last.t };
      this.points[this.points.length - 1] = p;
      if (this.sentPoints === this.points.length) this.sentPoints--;
      return;
    }
    this.points.push(p);
    if (this.points.length > this.maxPoints) {
      this.points.splice(0, this.points.length - this.maxPoints);
      this.sentPoints = Math.min(this.sentPoints, this.points.length);
    }
  }

  addFill(f: ChartFill): void {
    this.fills.push(f);
    if (this.fills.length > this.maxPoints) {
      this.fills.shift();
      this.sentFills = Math.max(0, this.sentFills - 1);
    }
  }

  /** Everything held. */
  all(): { points: ChartPoint[]; fills: ChartFill[] } {
    return { points: this.points.slice(), fills: this.fills.slice() };
  }

  /** What is new since the last call. */
  fresh(): { points: ChartPoint[]; fills: ChartFill[] } {
    const m = { points: this.points.slice(this.sentPoints), fills: this.fills.slice(this.sentFills) };
    this.sentPoints = this.points.length;
    this.sentFills = this.fills.length;
    return m;
  }
}

/** Bounded history with a cursor of what was already sent. */
export class DashboardState {
  readonly risk: RiskLine[] = [];
  stats: DashboardStats;
  /** The one chart of a single market. */
  private readonly main: ChartSeries;
  /** Several markets: one chart each, in the markets' order. */
  private readonly charts = new Map<string, ChartSeries>();
  private sentRisk = 0;

  /** `source`: 'live' (a loop trading now), 'ledger' or 'runs'; the kind is refined by whoever feeds the state. */
  constructor(
    source: string,
    title: string,
    private readonly maxPoints = 20_000,
  ) {
    this.main = new ChartSeries(maxPoints);
    this.stats = {
      source,
      source_kind: kindOf(source, title),
      title,
      trading_state: 'unknown',
      inventory: 0,
      cash: null,
      equity: null,
      realized_pnl: null,
      unrealized_pnl: null,
      open_orders: 0,
      fills: 0,
      mid: null,
      pnl: null,
      fees: null,
      price_decimals: 2,
      qty_decimals: 5,
      updated_utc: '',
    };
  }

  get points(): readonly ChartPoint[] {
    return this.main.points;
  }

  get fills(): readonly ChartFill[] {
    return this.main.fills;
  }

  addPoint(p: ChartPoint): void {
    this.main.addPoint(p);
  }

  addFill(f: ChartFill): void {
    this.main.addFill(f);
  }

  /** A market's own chart (created at its first use; the page draws them in this order). */
  chart(market: string): ChartSeries {
    let c = this.charts.get(market);
    if (c === undefined) {
      c = new ChartSeries(this.maxPoints);
      this.charts.set(market, c);
    }
    return c;
  }

  addRisk(r: RiskLine): void {
    this.risk.push(r);
    if (this.risk.length > 200) {
      this.risk.shift();
      this.sentRisk = Math.max(0, this.sentRisk - 1);
    }
  }

  private chartsOf(pick: (c: ChartSeries) => { points: ChartPoint[]; fills: ChartFill[] }): { charts?: MarketChart[] } {
    if (this.charts.size === 0) return {};
    return { charts: [...this.charts].map(([name, c]) => ({ name, ...pick(c), price_decimals: c.priceDecimals, qty_decimals: c.qtyDecimals })) };
  }

  snapshot(): DashboardMessage {
    return { type: 'snapshot', stats: this.stats, ...this.main.all(), risk: this.risk.slice(-50), ...this.chartsOf((c) => c.all()) };
  }

  /** What is new since the last call, or undefined when nothing is. */
  update(): DashboardMessage | undefined {
    const m: DashboardMessage = { type: 'update', stats: this.stats, ...this.main.fresh(), risk: this.risk.slice(this.sentRisk), ...this.chartsOf((c) => c.fresh()) };
    this.sentRisk = this.risk.length;
    return m;
  }
}

/** The header's kind from the constructor's source word ('live' with a title ending in ' live' trades real orders). */
function kindOf(source: string, title: string): SourceKind {
  if (source === 'ledger') return 'ledger';
  if (source === 'runs') return 'finished run';
  return / live$/.test(title) ? 'live' : 'live paper';
}

export const numOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
