// Order commands and order events: the vocabulary between strategy, risk gate and venue.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';

export type Liquidity = 'maker' | 'taker';

/** Where commands go. Implemented by venues (simulated or real), the risk gate, and recorders. Never blocks. */
export interface OrderSink {
  /** Post a limit order; `clientId` is ours, unique per run, and identifies the order everywhere. */
  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void;
  /** Ask to cancel an order; the venue answers with `onCanceled` (or a fill that raced it). */
  cancel(ts: Micros, clientId: number): void;
  /**
   * Optional: move a resting (acknowledged) order to a new price and quantity in one step, keeping its
   * client id — a cancel-replace. Venues without it get a cancel and a place from `reconcile`.
   * An amended order loses its queue priority, as on every exchange.
   */
  amend?(ts: Micros, clientId: number, side: Side, price: number, qty: number): void;
  /**
   * Optional: an immediate-or-cancel limit order — it takes what the book shows from the touch up to
   * `price` when it arrives (as taker), and the rest is cancelled (`onCanceled` after its fills). Venues
   * without it refuse such orders at the gate.
   */
  take?(ts: Micros, clientId: number, side: Side, price: number, qty: number): void;
}

/** What venues report back. The trading core implements it. */
export interface OrderEventHandler {
  onAccepted(ts: Micros, clientId: number): void;
  /** The venue refused the order (post-only would cross, min notional, ...). */
  onRejected(ts: Micros, clientId: number, reason: string): void;
  /** Our own risk gate refused the command before it left. */
  onDenied(ts: Micros, clientId: number, reason: string): void;
  onCanceled(ts: Micros, clientId: number): void;
  /** A (partial) fill; `fee` in quote currency, negative for a rebate. */
  onFill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity): void;
}

// Object forms, for logs, tests, the ledger and the live adapter.
export type OrderCommand =
  | { readonly type: 'place'; readonly ts: Micros; readonly clientId: number; readonly side: Side; readonly price: number; readonly qty: number }
  | { readonly type: 'cancel'; readonly ts: Micros; readonly clientId: number }
  | { readonly type: 'amend'; readonly ts: Micros; readonly clientId: number; readonly side: Side; readonly price: number; readonly qty: number };

export type OrderEvent =
  | { readonly type: 'accepted'; readonly ts: Micros; readonly clientId: number }
  | { readonly type: 'rejected'; readonly ts: Micros; readonly clientId: number; readonly reason: string }
  | { readonly type: 'denied'; readonly ts: Micros; readonly clientId: number; readonly reason: string }
  | { readonly type: 'canceled'; readonly ts: Micros; readonly clientId: number }
  | {
      readonly type: 'filled';
      readonly ts: Micros;
      readonly clientId: number;
      readonly side: Side;
      readonly price: number;
      readonly qty: number;
      readonly fee: number;
      readonly liquidity: Liquidity;
    };

/** An OrderSink that records commands as objects (tests, parity checks, logs). */
export class CommandLog implements OrderSink {
  readonly commands: OrderCommand[] = [];
  constructor(private readonly next?: OrderSink) {}
  place(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    this.commands.push({ type: 'place', ts, clientId, side, price, qty });
    this.next?.place(ts, clientId, side, price, qty);
  }
  cancel(ts: Micros, clientId: number): void {
    this.commands.push({ type: 'cancel', ts, clientId });
    this.next?.cancel(ts, clientId);
  }
}
