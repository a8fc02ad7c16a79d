// The dashboard's Prometheus exposition (prom-client): PnL, inventory, trading state, orders, fills, decision latency, feed health.
import { Counter, Gauge, Registry } from 'prom-client';
import type { DashboardStats } from './dashboard-state.js';

const STATES = ['active', 'reducing', 'halted'] as const;

/**
 * One registry per dashboard (no process-wide default registry: two dashboards in one process, as in the
 * tests, keep their own series). Gauges are read from the latest stats when Prometheus scrapes; counters
 * follow the session's running totals (a total that goes down, after a restart, is taken as a new start).
 */
export class DashboardMetrics {
  readonly registry = new Registry();
  private readonly seen = { fills: 0, commands: 0, denials: 0, reconnects: 0, gaps: 0 };
  private readonly counters: Record<keyof DashboardMetrics['seen'], Counter>;

  constructor(private readonly stats: () => DashboardStats) {
    const r = [this.registry];
    const g = (name: string, help: string, read: (s: DashboardStats) => number | null | undefined): void => {
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          const v = read(stats());
          if (v !== null && v !== undefined && Number.isFinite(v)) this.set(v);
          else this.reset();
        },
      });
    };
    g('marketmakerl_pnl', 'total PnL: realized + unrealized − fees, quote currency', (s) => (s.realized_pnl ?? 0) + (s.unrealized_pnl ?? 0) - (num(s['fees']) ?? 0));
    g('marketmakerl_realized_pnl', 'realized PnL (average cost, gross of fees), quote currency', (s) => s.realized_pnl);
    g('marketmakerl_unrealized_pnl', 'unrealized PnL of the position at the mid, quote currency', (s) => s.unrealized_pnl);
    g('marketmakerl_equity', 'cash + position × mid, quote currency', (s) => s.equity);
    g('marketmakerl_inventory', 'position, base units', (s) => s.inventory);
    g('marketmakerl_mid_price', 'mid price', (s) => s.mid);
    g('marketmakerl_open_orders', 'orders resting at the venue', (s) => s.open_orders);
    g('marketmakerl_feed_connected', '1 while the market feed is connected', (s) => (s['connected'] === undefined ? null : s['connected'] ? 1 : 0));
    g('marketmakerl_clock_skew_seconds', 'local receive time − exchange time of the last row', (s) => scaled(s['clock_skew_ms'], 1e-3));
    new Gauge({
      name: 'marketmakerl_trading_state',
      help: '1 for the current trading state (active, reducing, halted), 0 for the others',
      labelNames: ['state'],
      registers: r,
      collect() {
        const now = stats().trading_state;
        for (const s of STATES) this.set({ state: s }, now === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'marketmakerl_decision_latency_seconds',
      help: 'time from a market row to the decision on it, over the last iteration',
      labelNames: ['quantile'],
      registers: r,
      collect() {
        const s = stats();
        this.reset();
        for (const [q, k] of [['0.5', 'decision_latency_p50_us'], ['0.99', 'decision_latency_p99_us']] as const) {
          const v = scaled(s[k], 1e-6);
          if (v !== null) this.set({ quantile: q }, v);
        }
      },
    });
    const c = (name: string, help: string): Counter => new Counter({ name, help, registers: r });
    this.counters = {
      fills: c('marketmakerl_fills_total', 'fills of our orders'),
      commands: c('marketmakerl_order_commands_total', 'orders placed, canceled or amended (sent to the venue; a place refused before it left is a denial)'),
      denials: c('marketmakerl_orders_denied_total', 'orders refused before they left: by the pre-trade risk gate, or a ledger that could not record them'),
      reconnects: c('marketmakerl_feed_reconnects_total', 'market feed reconnections'),
      gaps: c('marketmakerl_feed_gaps_total', 'sequence gaps detected in the market feed'),
    };
  }

  /** Bring the counters up to the running totals of `s` (call on every stats update). */
  observe(s: DashboardStats): void {
    const totals: Record<keyof DashboardMetrics['seen'], number | null> = {
      fills: s.fills,
      commands: num(s['commands_total']),
      denials: num(s['denials_total']),
      reconnects: num(s['reconnects']),
      gaps: num(s['gaps']),
    };
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) {
      const v = totals[k];
      if (v === null) continue;
      const d = v >= this.seen[k] ? v - this.seen[k] : v;
      if (d > 0) this.counters[k].inc(d);
      this.seen[k] = v;
    }
  }

  text(): Promise<string> {
    this.observe(this.stats());
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const scaled = (v: unknown, f: number): number | null => (typeof v === 'number' && Number.isFinite(v) ? v * f : null);
