// The journal port of the realtime loop: where orders, fills, quotes and risk events are recorded (the SQLite ledger implements it).
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';
import type { RiskMarks, RiskTransition } from '../risk/index.js';
import type { TradingState } from '../strategy/index.js';
import type { OrderAudit, VenueFill } from '../sim/index.js';

/** `fill-received`: live only, the local time a fill reached us (the fill itself carries the exchange's time). */
export type JournalOrderEvent = 'accepted' | 'rejected' | 'denied' | 'canceled' | 'cancel-requested' | 'resumed' | 'fill-received';

/** Position and cash after a fill, as the portfolio holds them. */
export interface PositionState {
  position: number;
  cash: number;
  avgCost: number;
  realizedPnl: number;
  fees: number;
  /** Funding received so far (negative: paid), settlement currency (perpetuals; absent: 0). */
  funding?: number;
}

/**
 * A funding payment of a perpetual: simulated (paper: the schedule's rate on the venue's position at its
 * mid, `source` 'sim') or paid by the exchange (live: read from its income history, `source` 'exchange',
 * with the exchange's id). `rate`, `position`, `mark`: NaN when the exchange does not say.
 */
export interface FundingEntry {
  ts: Micros;
  rate: number;
  position: number;
  mark: number;
  /** Received (negative: paid), settlement currency. */
  amount: number;
  source: 'sim' | 'exchange';
  /** The exchange's id of the payment (Binance: tranId); with `ts`, what makes it once in the ledger. */
  exchangeId?: string;
}

/** One decision's quote and state, for charts. */
export interface QuoteRow {
  ts: Micros;
  mid: number;
  bid: number;
  ask: number;
  position: number;
  equity: number;
  tradingState: TradingState;
}

/** An open order carried over from an earlier run. */
export interface ResumedOrder {
  clientId: number;
  side: Side;
  price: number;
  remaining: number;
  /** The order's original quantity (live: fills before the restart are told apart from new ones). */
  qty?: number;
  /** When it was journaled, before it was sent, µs (live: the start of its settle window). */
  createdTs?: Micros;
  /** Its cancel was asked for but not confirmed (only with `resume(symbol, { canceling: true })`). */
  canceling?: boolean;
}

/** What a restart continues from. */
export interface ResumeState extends PositionState {
  fills: number;
  lastClientId: number;
  openOrders: ResumedOrder[];
  riskMarks: RiskMarks | undefined;
  /** Live: the newest exchange funding payment the ledger holds (its time and the ids at that time), or the ledger's first start when it holds none. */
  exchangeFunding?: { since: Micros; ids: string[] };
}

/**
 * Every call is one durable step: once it returns, a crash of the process does not lose it (the
 * ledger commits each call as one transaction). A fill and the position it produces commit together.
 */
export interface PaperJournal {
  placed(ts: Micros, clientId: number, side: Side, price: number, qty: number): void;
  orderEvent(ts: Micros, clientId: number, type: JournalOrderEvent, reason?: string): void;
  fill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, after: Readonly<PositionState>): void;
  quote(row: Readonly<QuoteRow>): void;
  risk(t: Readonly<RiskTransition>): void;
  riskMarks(marks: Readonly<RiskMarks>): void;
  /** A feed or loop event that is not a state change (reconnect, resync, gap, backoff, clock skew). */
  note(ts: Micros, kind: string, reason: string): void;
  /** A funding payment and the cash it leaves (`after`), committed together; one with the same time and exchange id as a recorded one is ignored. */
  funding?(f: Readonly<FundingEntry>, after: Readonly<PositionState>): void;
  /** The simulated venue's audit trail of a paper run, at its stop (the ledger's `venue_orders`, `venue_fills`). */
  venueAudit?(audit: OrderAudit, fills: readonly VenueFill[]): void;
}
