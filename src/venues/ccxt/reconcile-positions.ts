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
  /** The holding was read with no fill of ours in flight, so it was compared (else: no verdict this time). */
  holdingCompared: boolean;
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
  /** The holding compared with the ledger when it is not the base asset's balance (a perpetual: its net position, contracts). */
  holding?: () => Promise<number>;
  /** Called for an adopted order so that the ledger records it. */
  onAdopt?: (clientId: number, o: LiveOrder) => void;
  /** What the ledger knows of resumed orders the adapter does not track yet: original quantity and send time. */
  resumed?: (clientId: number) => { qty: number; createdMs: number } | undefined;
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

  // Core orders the adapter does not track (resumed from the ledger after a restart): tracked again, and
  // those the exchange does not list open are looked up by the duplicate-order protocol's rules.
  for (let i = core.open.count - 1; i >= 0; i--) {
    const clientId = core.open.clientId[i]!;
    if (adapter.orders.has(clientId)) continue;
    const coid = ids.of(clientId);
    const remaining = core.open.remaining[i]!;
    const known = ctx.resumed?.(clientId);
    const qty = known?.qty ?? remaining;
    const x = openByCoid.get(coid);
    const amount = x?.amount ?? qty;
    const t = adapter.adopt(clientId, coid, core.open.side[i]! > 0 ? 1 : -1, core.open.price[i]!, amount, Math.max(0, amount - remaining), x?.id, known?.createdMs);
    if (x !== undefined) {
      if (x.filled > t.filled + 1e-12) await adapter.recoverFills(t, x);
      continue;
    }
    const a = await adapter.resolve(t, 'resumed from the ledger, not open at the exchange');
    if (a.kind === 'absent') ctx.log?.('live_reconcile_missing', { clientId, reason: 'the exchange does not know the order' });
    if (t.state === 'done') settled.push(clientId);
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
    if (t.state !== 'uncertain' && adapter.nowMs() - t.sentMs < adapter.settleMs) continue; // too young for the listing to be trusted
    const a = await adapter.resolve(t, 'reconcile: not listed open');
    if (a.kind === 'absent') ctx.log?.('live_reconcile_missing', { clientId: t.clientId, reason: 'not at the exchange' });
    if (t.state === 'done') settled.push(t.clientId);
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

  // The holding is compared on a quiet reading only: a fill booked while the balance was asked for, or
  // one the exchange already lists that the core has not been told of, would show as a false mismatch.
  // Fills in flight are applied and the balance is read again.
  let exchangeBase = 0;
  let corePosition = core.portfolio.position;
  let quiet = false;
  for (let round = 0; round < QUIET_ROUNDS && !quiet; round++) {
    if (round > 0) await adapter.idle(); // a create in flight gets its exchange id: its fills become nameable
    const booked = core.fills.length;
    corePosition = core.portfolio.position;
    const holding = ctx.holding;
    if (holding !== undefined) exchangeBase = await adapter.retry('positions', holding);
    else {
      const balances = await adapter.retry('balances', () => adapter.exchange.balances());
      exchangeBase = balances[ctx.base]?.total ?? 0;
    }
    const inFlight = await adapter.fillsInFlight();
    quiet = inFlight === 0 && core.fills.length === booked;
  }
  if (!quiet) ctx.log?.('live_reconcile_busy', { reason: `fills kept arriving over ${QUIET_ROUNDS} readings of the balance: holding not compared this time` });
  let mismatch: string | undefined;
  const baseline = ctx.baseline();
  if (baseline !== undefined && quiet) {
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
    holdingCompared: quiet,
    mismatch,
  };
  ctx.log?.('live_reconcile', { ...report });
  return report;
}

/** Readings of the balance before a reconciliation gives up comparing the holding (fills kept arriving). */
const QUIET_ROUNDS = 4;

function fmt(x: number): string {
  return String(Math.round(x * 1e8) / 1e8);
}
