// The live-exchange port: what live trading needs from an exchange, in our types (ccxt's loose objects end at its implementation).
import type { FaultClass, Micros } from '../../core/index.js';
import type { Side } from '../../market/index.js';
import type { Liquidity } from '../../orders/index.js';

export type LiveOrderStatus = 'open' | 'closed' | 'canceled' | 'rejected' | 'expired';

export interface LiveOrder {
  /** The exchange's order id. */
  id: string;
  clientOrderId: string | undefined;
  side: Side;
  price: number;
  amount: number;
  filled: number;
  status: LiveOrderStatus;
}

export interface LiveTrade {
  /** The exchange's trade id (unique per symbol): fills are de-duplicated on it. */
  id: string;
  orderId: string;
  side: Side;
  price: number;
  qty: number;
  /** Fee in the quote currency (negative: rebate); a base-currency fee valued at the fill price. */
  fee: number;
  /** The part of the fee charged in the base currency, base units: it reduces the holding, not the position. */
  feeBase: number;
  liquidity: Liquidity;
  /** Exchange time, µs. */
  ts: Micros;
}

export interface LiveMarket {
  symbol: string;
  base: string;
  quote: string;
  active: boolean;
  tickSize: number;
  lotSize: number;
  minQty: number;
  minNotional: number;
}

export interface LiveBalance {
  free: number;
  used: number;
  total: number;
}

export interface LiveCapabilities {
  postOnly: boolean;
  cancelAll: boolean;
  fetchOrder: boolean;
  /** Every order since a time, closed ones included (Binance allOrders). */
  fetchOrders: boolean;
  fetchOpenOrders: boolean;
  fetchMyTrades: boolean;
  watchOrders: boolean;
  watchMyTrades: boolean;
  /** Immediate-or-cancel limit orders (ccxt `features`: createOrder timeInForce IOC); absent: none. */
  ioc?: boolean;
}

/** A classified fault of a call: `transient` may be retried, `rejected` is the venue's no, `fatal` stops. */
export class VenueFault extends Error {
  constructor(
    readonly kind: FaultClass,
    message: string,
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'VenueFault';
  }
}

/**
 * Every method either resolves with parsed values or throws a `VenueFault`. Lookups of an order that
 * the exchange does not know resolve with undefined rather than throwing.
 */
/** The account's settings and position on a perpetual (what the preflight of a contract market checks). */
export interface LivePerpAccount {
  /** Hedge mode (long and short positions apart); our position is one net number, so it must be one-way. */
  hedged: boolean | undefined;
  /** The symbol's margin mode as the exchange reports its position ('cross' | 'isolated'). */
  marginMode: string | undefined;
  /** Net position, contracts (positive long). */
  position: number;
  leverage: number | undefined;
}

/** A funding payment the exchange made on the account's position (Binance: an income record of type FUNDING_FEE). */
export interface LiveFunding {
  /** The exchange's id of the payment (Binance: tranId). */
  id: string;
  /** Exchange time, µs. */
  ts: Micros;
  /** Received (negative: paid), in `asset` (the settlement currency). */
  amount: number;
  asset: string;
}

export interface LiveExchange {
  readonly id: string;
  readonly capabilities: LiveCapabilities;
  market(symbol: string): Promise<LiveMarket>;
  /** Best bid and ask now. */
  bidAsk(symbol: string): Promise<{ bid: number; ask: number }>;
  balances(): Promise<Record<string, LiveBalance>>;
  createPostOnly(symbol: string, side: Side, qty: number, price: number, clientOrderId: string): Promise<LiveOrder>;
  /**
   * An immediate-or-cancel limit order (only when `capabilities.ioc`): it takes what the book holds up to
   * `price` at once and the exchange expires the rest. The answer is the order as it ended: `closed`
   * when filled whole, else `expired` (or `canceled`) with what filled; it never rests.
   */
  createIoc?(symbol: string, side: Side, qty: number, price: number, clientOrderId: string): Promise<LiveOrder>;
  /** Cancel by client order id; undefined when the exchange no longer has it open. */
  cancel(symbol: string, clientOrderId: string): Promise<LiveOrder | undefined>;
  cancelAll(symbol: string): Promise<void>;
  orderByClientId(symbol: string, clientOrderId: string): Promise<LiveOrder | undefined>;
  /** Look an order up by the exchange's id; undefined when the exchange does not know it. */
  orderById(symbol: string, orderId: string): Promise<LiveOrder | undefined>;
  /** Our orders on `symbol` created since `sinceMs`, open and closed (only when `capabilities.fetchOrders`). */
  ordersSince(symbol: string, sinceMs: number): Promise<LiveOrder[]>;
  openOrders(symbol: string): Promise<LiveOrder[]>;
  /** Our trades on `symbol` since `sinceMs` (exchange time, ms), oldest first. */
  myTrades(symbol: string, sinceMs: number | undefined): Promise<LiveTrade[]>;
  /** Resolve with the next order updates (private websocket). Only when `capabilities.watchOrders`. */
  watchOrders(symbol: string): Promise<LiveOrder[]>;
  /** Resolve with the next own trades (private websocket). Only when `capabilities.watchMyTrades`. */
  watchMyTrades(symbol: string): Promise<LiveTrade[]>;
  /**
   * Whether the private websocket is open now: false while a reconnect's socket is still connecting (a
   * connect can hang for the client's whole connection timeout before it fails). Absent or undefined:
   * the client cannot tell. A stream back after a drop counts as back only once this is not false.
   */
  privateStreamOpen?(): boolean | undefined;
  /** Position mode, margin mode and net position of a perpetual (ccxt fetchPositionMode, fetchPositions); absent on spot-only exchanges. */
  perpAccount?(symbol: string): Promise<LivePerpAccount>;
  /** The account's funding payments on a perpetual since `sinceMs` (exchange time, ms, inclusive), oldest first (ccxt fetchFundingHistory). */
  fundingPayments?(symbol: string, sinceMs: number): Promise<LiveFunding[]>;
  close(): Promise<void>;
}
