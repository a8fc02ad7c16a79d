// Reconciliation of live state: open orders and position at the exchange against what the core and the ledger believe.
import type { Micros } from '../../core/index.js';
import { OrderState, type OpenOrders, type OrderEventHandler } from '../../orders/index.js';
import type { LiveAdapter, LiveLog } from './live-adapter.js';
import type { LiveOrder } from './live-types.js';
import type { ClientOrderIds } from './client-order-id.js';

export interface ReconcileConfig {
  /** Open orders at the exchange that we do not track: cancel them, or adopt them into the core. */
  unknownOrders: 'cancel' | 'adopt';
  /** Largest accepted difference between exchange and core position, base units. */
  positionTolerance: number;
}

export interface PositionBaseline {
  /** Base-asset holding at the exchange minus the core position when the baseline was taken. */
  offset: number;
}

export interface ReconcileReport {
  ts: Micros;
  reason: string;
  exchangeOpen: number;
  coreOpen: number;
  adopted: string[];
  canceledUnknown: string[];
  settled: number[];
  fillsRecovered: number;
  exchangeBase: number;
  corePosition: number;
  /** Set when the position differs beyond tolerance: a risk event. */
  mismatch: string | undefined;
}

/** What reconciliation reads and adjusts of the trading core. */
export interface ReconcileCore {
  readonly open: OpenOrders;
  readonly portfolio: { readonly position: number };
  readonly fills: { readonly length: number };
  nextId(): number;
}

export interface ReconcileContext {
  adapter: LiveAdapter;
  core: ReconcileCore;
  /** Where settlements are reported (the session: core, then journal). */
  handler: OrderEventHandler;
  ids: ClientOrderIds;
  base: string;
  /** Read after the fills of the round are booked (a fee in the base currency moves it as they are). */
  baseline: () => PositionBaseline | undefined;
  now: () => Micros;
  log?: LiveLog;
  /** Called for an adopted order so that the ledger records it. */
  onAdopt?: (clientId: number, o: LiveOrder) => void;
}

/**
 * Run on start, after a reconnect and periodically. It settles every order the core believes live
 * but the exchange no longer has (fetching the fills that happened meanwhile), adopts or cancels
 * orders the exchange has but we do not track, and compares positions. It never places an order.
 */
export async function reconcilePositions(ctx: ReconcileContext, cfg: Readonly<ReconcileConfig>, reason: string): Promise<ReconcileReport> {
  const { adapter, core, ids } = ctx;
  const sym = adapter.symbol;
  await adapter.idle();
  const fillsBefore = core.fills.length;
  const open = await adapter.retry('open orders', () => adapter.exchange.openOrders(sym));
  const openByCoid = new Map(open.map((o) => [o.clientOrderId ?? `#${o.id}`, o]));
  const adopted: string[] = [];
  const canceledUnknown: string[] = [];
  const settled: number[] = [];

  // Core orders the adapter does not track (resumed from the ledger after a restart).
  for (let i = core.open.count - 1; i >= 0; i--) {
    const clientId = core.open.clientId[i]!;
    if (adapter.orders.has(clientId)) continue;
    const coid = ids.of(clientId);
    const x = openByCoid.get(coid) ?? (await adapter.retry('fetch order', () => adapter.exchange.orderByClientId(sym, coid)));
    const remaining = core.open.remaining[i]!;
    if (x === undefined) {
      ctx.log?.('live_reconcile_missing', { clientId, reason: 'the exchange does not know the order' });
      ctx.handler.onCanceled(ctx.now(), clientId);
      settled.push(clientId);
      continue;
    }
    const t = adapter.adopt(clientId, coid, x.side, x.price, x.amount, Math.max(0, x.amount - remaining), x.id);
    if (x.status !== 'open' || x.filled > t.filled + 1e-12) await adapter.recoverFills(t, x);
    if (x.status !== 'open') settled.push(clientId);
  }

  // Orders the adapter tracks: those the exchange no longer lists are looked up and settled.
  for (const t of adapter.live()) {
    const x = openByCoid.get(t.clientOrderId);
    if (x !== undefined) {
      if (x.filled > t.filled + 1e-12) await adapter.recoverFills(t, x);
      else adapter.applyOrder(x);
      continue;
    }
    if (t.state === 'pending') continue; // its place call is still running
    const y = await adapter.refresh(t);
    if (y === undefined) {
      ctx.log?.('live_reconcile_missing', { clientId: t.clientId, reason: 'not at the exchange' });
      if (t.accepted) ctx.handler.onCanceled(ctx.now(), t.clientId);
      else ctx.handler.onRejected(ctx.now(), t.clientId, 'not found at the exchange');
      t.state = 'done';
    }
    settled.push(t.clientId);
  }

  // Orders at the exchange that nobody here tracks.
  for (const x of open) {
    const coid = x.clientOrderId;
    if (coid !== undefined && adapter.orders.get(ids.parse(coid) ?? -1)?.clientOrderId === coid) continue;
    if ([...adapter.orders.values()].some((t) => t.orderId === x.id)) continue;
    const label = coid ?? `#${x.id}`;
    if (cfg.unknownOrders === 'adopt' && coid !== undefined) {
      const clientId = core.nextId();
      core.open.add(clientId, x.side, x.price, x.amount - x.filled);
      core.open.setState(clientId, OrderState.Open);
      adapter.adopt(clientId, coid, x.side, x.price, x.amount, x.filled, x.id);
      ctx.onAdopt?.(clientId, x);
      adopted.push(label);
    } else {
      if (coid !== undefined) await adapter.retry('cancel unknown', () => adapter.exchange.cancel(sym, coid));
      canceledUnknown.push(label);
    }
  }

  const balances = await adapter.retry('balances', () => adapter.exchange.balances());
  const exchangeBase = balances[ctx.base]?.total ?? 0;
  const corePosition = core.portfolio.position;
  let mismatch: string | undefined;
  const baseline = ctx.baseline();
  if (baseline !== undefined) {
    const expected = baseline.offset + corePosition;
    const diff = exchangeBase - expected;
    if (Math.abs(diff) > cfg.positionTolerance)
      mismatch = `position mismatch: exchange holds ${fmt(exchangeBase)} ${ctx.base}, ledger expects ${fmt(expected)} (difference ${fmt(diff)}, tolerance ${cfg.positionTolerance})`;
  }
  const report: ReconcileReport = {
    ts: ctx.now(),
    reason,
    exchangeOpen: open.length,
    coreOpen: core.open.count,
    adopted,
    canceledUnknown,
    settled,
    fillsRecovered: core.fills.length - fillsBefore,
    exchangeBase,
    corePosition,
    mismatch,
  };
  ctx.log?.('live_reconcile', { ...report });
  return report;
}

function fmt(x: number): string {
  return String(Math.round(x * 1e8) / 1e8);
}
