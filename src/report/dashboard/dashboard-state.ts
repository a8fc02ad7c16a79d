// What the dashboard page shows: chart points, fills, the latest figures and risk events; as JSON messages.

/** One chart point: time in seconds (lightweight-charts' UTCTimestamp), prices or null. */
export interface ChartPoint {
  t: number;
  mid: number | null;
  bid: number | null;
  ask: number | null;
}

export interface ChartFill {
  t: number;
  side: number;
  price: number;
  qty: number;
}

export interface RiskLine {
  t: number;
  kind: string;
  reason: string;
  state: string;
}

/** The latest figures of the panel. */
export interface DashboardStats {
  source: string;
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
  updated_utc: string;
  [extra: string]: unknown;
}

/** A full state (first message and /api/state) or an update (new points, fills and risk lines, latest stats). */
export interface DashboardMessage {
  type: 'snapshot' | 'update';
  stats: DashboardStats;
  points: ChartPoint[];
  fills: ChartFill[];
  risk: RiskLine[];
}

/** Bounded history with a cursor of what was already sent. */
export class DashboardState {
  readonly points: ChartPoint[] = [];
  readonly fills: ChartFill[] = [];
  readonly risk: RiskLine[] = [];
  stats: DashboardStats;
  private sentPoints = 0;
  private sentFills = 0;
  private sentRisk = 0;

  constructor(
    source: string,
    title: string,
    private readonly maxPoints = 20_000,
  ) {
    this.stats = { source, title, trading_state: 'unknown', inventory: 0, cash: null, equity: null, realized_pnl: null, unrealized_pnl: null, open_orders: 0, fills: 0, mid: null, updated_utc: new Date(0).toISOString() };
  }

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

  addRisk(r: RiskLine): void {
    this.risk.push(r);
    if (this.risk.length > 200) {
      this.risk.shift();
      this.sentRisk = Math.max(0, this.sentRisk - 1);
    }
  }

  snapshot(): DashboardMessage {
    return { type: 'snapshot', stats: this.stats, points: this.points.slice(), fills: this.fills.slice(), risk: this.risk.slice(-50) };
  }

  /** What is new since the last call, or undefined when nothing is. */
  update(): DashboardMessage | undefined {
    const m: DashboardMessage = {
      type: 'update',
      stats: this.stats,
      points: this.points.slice(this.sentPoints),
      fills: this.fills.slice(this.sentFills),
      risk: this.risk.slice(this.sentRisk),
    };
    this.sentPoints = this.points.length;
    this.sentFills = this.fills.length;
    this.sentRisk = this.risk.length;
    return m;
  }
}

export const numOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
