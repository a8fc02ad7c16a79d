// The fake Binance account: balances, our orders, their matching against injected market trades, my trades.

export type FakeSide = 'BUY' | 'SELL';
export type FakeStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export interface FakeMarketRules {
  symbol: string; // exchange form, BTCUSDT
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  minNotional: number;
  makerFee: number; // fraction of notional
  /** Fee of an order that takes (immediate-or-cancel), fraction of notional (default: the maker fee). */
  takerFee?: number;
  /** Charge a buy's fee in the base asset (Binance without BNB); otherwise every fee is in the quote asset. */
  buyFeeInBase?: boolean;
}

export const BTCUSDT_RULES: FakeMarketRules = {
  symbol: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: 0.01,
  stepSize: 0.00001,
  minQty: 0.00001,
  minNotional: 5,
  makerFee: 0.001,
};

export interface FakeOrder {
  orderId: number;
  clientOrderId: string;
  side: FakeSide;
  type: string;
  price: number;
  origQty: number;
  executedQty: number;
  cumQuote: number;
  status: FakeStatus;
  time: number;
  updateTime: number;
  /** Futures: the order's time in force (GTX: post-only) and whether it may only reduce the position. */
  timeInForce?: string;
  reduceOnly?: boolean;
}

export interface FakeTrade {
  id: number;
  orderId: number;
  clientOrderId: string;
  side: FakeSide;
  price: number;
  qty: number;
  commission: number;
  commissionAsset: string;
  time: number;
  /** Futures: the profit this fill realised on the position, quote asset (before the commission). */
  realizedPnl?: number;
  /** The order rested and was reached (maker), or it took the touch (an immediate-or-cancel order: taker). */
  maker: boolean;
}

/** One user-data event: the order after the change, and the trade when it was a fill. */
export interface ExecutionEvent {
  order: FakeOrder;
  execType: 'NEW' | 'CANCELED' | 'TRADE' | 'REJECTED' | 'EXPIRED';
  trade?: FakeTrade;
}

export type ApiError = { status: number; code: number; msg: string };

export interface CreateRequest {
  side: FakeSide;
  type: string;
  price: number;
  quantity: number;
  clientOrderId: string | undefined;
  /** GTC, GTX (futures post-only: rejected when it would take) or IOC (takes the touch up to its price, the rest expires). */
  timeInForce?: string;
  reduceOnly?: boolean;
}

interface Balance {
  free: number;
  locked: number;
}

export const round = (x: number): number => Math.round(x * 1e10) / 1e10;

export const ETHUSDT_RULES: FakeMarketRules = {
  symbol: 'ETHUSDT',
  base: 'ETH',
  quote: 'USDT',
  tickSize: 0.01,
  stepSize: 0.0001,
  minQty: 0.0001,
  minNotional: 5,
  makerFee: 0.001,
};

export class FakeAccount {
  readonly balances: Map<string, Balance>;
  readonly orders = new Map<number, FakeOrder>();
  readonly trades: FakeTrade[] = [];
  /** Every market trade, ours or not (the public tape). */
  readonly tape: { id: number; price: number; qty: number; time: number; buyerMaker: boolean }[] = [];
  /** How many orders were ever created under each client order id (a duplicate would show 2). */
  readonly createdByClientId = new Map<string, number>();
  bestBid = 100_000;
  bestAsk = 100_000.01;
  /** What the touch shows (base units): an immediate-or-cancel order takes up to this much, then the rest expires. */
  bidQty = 1;
  askQty = 1;
  protected nextOrderId = 1_000;
  protected nextTradeId = 50_000;
  private readonly listeners = new Set<(e: ExecutionEvent) => void>();

  constructor(
    readonly rules: FakeMarketRules = BTCUSDT_RULES,
    balances: Readonly<Record<string, number>> = { BTC: 0.5, USDT: 50_000 },
    /** Another market's account whose balances this one shares (one exchange account, several symbols). */
    sharing?: FakeAccount,
  ) {
    this.balances = sharing?.balances ?? new Map();
    if (sharing === undefined) for (const [asset, free] of Object.entries(balances)) this.balances.set(asset, { free, locked: 0 });
    else for (const [asset, free] of Object.entries(balances)) if (!this.balances.has(asset)) this.balances.set(asset, { free, locked: 0 });
    // Ids of different symbols never collide (Binance's are per symbol; distinct ones keep test output readable).
    if (sharing !== undefined) {
      this.nextOrderId = sharing.nextOrderId + 1_000_000;
      this.nextTradeId = sharing.nextTradeId + 1_000_000;
    }
  }

  onExecution(fn: (e: ExecutionEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A new touch: its prices and the quantity each side shows (taken by immediate-or-cancel orders until the next touch). */
  setMarket(bid: number, ask: number, bidQty = 1, askQty = 1): void {
    this.bestBid = bid;
    this.bestAsk = ask;
    this.bidQty = bidQty;
    this.askQty = askQty;
  }

  balance(asset: string): Balance {
    let b = this.balances.get(asset);
    if (b === undefined) this.balances.set(asset, (b = { free: 0, locked: 0 }));
    return b;
  }

  openOrders(): FakeOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED');
  }

  /** The latest order with this client order id (older than `minAgeMs`: what a lagging lookup sees). */
  findByClientId(clientOrderId: string, minAgeMs = 0): FakeOrder | undefined {
    let found: FakeOrder | undefined;
    const now = Date.now();
    for (const o of this.orders.values()) if (o.clientOrderId === clientOrderId && now - o.time >= minAgeMs) found = o;
    return found;
  }

  create(r: CreateRequest): FakeOrder | ApiError {
    const refused = this.duplicate(r) ?? this.validate(r) ?? this.reserve(r);
    if (refused !== undefined) return refused;
    const o = this.insert(r);
    if (r.timeInForce === 'IOC') this.takeTouch(o);
    return o;
  }

  /**
   * Immediate-or-cancel: the order takes what the touch shows on the other side, at the touch's price,
   * when its limit reaches it (taker fee), and the rest expires (Binance: status EXPIRED with its
   * executedQty; FILLED when it took everything). It never rests.
   */
  protected takeTouch(o: FakeOrder): void {
    const buy = o.side === 'BUY';
    const px = buy ? this.bestAsk : this.bestBid;
    const shown = buy ? this.askQty : this.bidQty;
    const reaches = buy ? o.price >= px : o.price <= px;
    const q = reaches ? round(Math.min(o.origQty, shown)) : 0;
    if (q > 0) {
      if (buy) this.askQty = round(this.askQty - q);
      else this.bidQty = round(this.bidQty - q);
      this.fill(o, q, px, false);
    }
    if (o.status === 'FILLED') return;
    this.release(o);
    o.status = 'EXPIRED';
    o.updateTime = Date.now();
    this.emit({ order: o, execType: 'EXPIRED' });
  }

  /** Binance refuses a client order id that an open order of the symbol already has. */
  protected duplicate(r: CreateRequest): ApiError | undefined {
    if (r.clientOrderId === undefined) return undefined;
    const prior = this.findByClientId(r.clientOrderId);
    return prior !== undefined && (prior.status === 'NEW' || prior.status === 'PARTIALLY_FILLED') ? { status: 400, code: -2010, msg: 'Duplicate order sent.' } : undefined;
  }

  /** Whether a limit order at this price would take liquidity now. */
  protected crosses(side: FakeSide, price: number): boolean {
    return side === 'BUY' ? price >= this.bestAsk : price <= this.bestBid;
  }

  /** The spot filters and the maker-only rule. */
  protected validate(r: CreateRequest): ApiError | undefined {
    const rules = this.rules;
    if (!(r.price > 0) || !(r.quantity > 0)) return { status: 400, code: -1013, msg: 'Invalid quantity.' };
    if (Math.abs(r.price / rules.tickSize - Math.round(r.price / rules.tickSize)) > 1e-6)
      return { status: 400, code: -1013, msg: 'Filter failure: PRICE_FILTER' };
    if (r.quantity < rules.minQty || Math.abs(r.quantity / rules.stepSize - Math.round(r.quantity / rules.stepSize)) > 1e-6)
      return { status: 400, code: -1013, msg: 'Filter failure: LOT_SIZE' };
    if (r.price * r.quantity < rules.minNotional) return { status: 400, code: -1013, msg: 'Filter failure: NOTIONAL' };
    const crosses = this.crosses(r.side, r.price);
    if (r.type === 'LIMIT_MAKER' && crosses) return { status: 400, code: -2010, msg: 'Order would immediately match and take.' };
    if (r.timeInForce !== undefined && !['GTC', 'IOC', 'FOK'].includes(r.timeInForce)) return { status: 400, code: -1115, msg: 'Invalid timeInForce.' };
    if (crosses && r.timeInForce !== 'IOC') return { status: 400, code: -1013, msg: 'only maker orders and immediate-or-cancel orders are supported by this fake' };
    return undefined;
  }

  /** Spot: what the order may spend is locked (quote for a bid, base for an ask). */
  protected reserve(r: CreateRequest): ApiError | undefined {
    const rules = this.rules;
    const [asset, need] = r.side === 'BUY' ? [rules.quote, r.price * r.quantity] : [rules.base, r.quantity];
    const b = this.balance(asset);
    if (b.free + 1e-12 < need) return { status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.' };
    b.free = round(b.free - need);
    b.locked = round(b.locked + need);
    return undefined;
  }

  /** The order rests in the book. */
  protected insert(r: CreateRequest): FakeOrder {
    const now = Date.now();
    const order: FakeOrder = {
      orderId: this.nextOrderId++,
      clientOrderId: r.clientOrderId ?? `fake${this.nextOrderId}`,
      side: r.side,
      type: r.type,
      price: r.price,
      origQty: r.quantity,
      executedQty: 0,
      cumQuote: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      ...(r.timeInForce !== undefined ? { timeInForce: r.timeInForce } : {}),
      ...(r.reduceOnly !== undefined ? { reduceOnly: r.reduceOnly } : {}),
    };
    this.orders.set(order.orderId, order);
    this.createdByClientId.set(order.clientOrderId, (this.createdByClientId.get(order.clientOrderId) ?? 0) + 1);
    this.emit({ order, execType: 'NEW' });
    return order;
  }

  cancel(clientOrderId: string | undefined, orderId: number | undefined): FakeOrder | ApiError {
    const o = orderId !== undefined ? this.orders.get(orderId) : clientOrderId !== undefined ? this.findByClientId(clientOrderId) : undefined;
    if (o === undefined || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) return { status: 400, code: -2011, msg: 'Unknown order sent.' };
    this.release(o);
    o.status = 'CANCELED';
    o.updateTime = Date.now();
    this.emit({ order: o, execType: 'CANCELED' });
    return o;
  }

  cancelAll(): FakeOrder[] {
    const out: FakeOrder[] = [];
    for (const o of this.openOrders()) {
      const r = this.cancel(undefined, o.orderId);
      if ('orderId' in r) out.push(r);
    }
    return out;
  }

  /**
   * A market trade by an aggressor on `aggressor` side at `price` for `qty`: it fills our resting
   * orders on the other side whose price it reaches (best price first), at their own price, as maker.
   */
  marketTrade(aggressor: FakeSide, price: number, qty: number): FakeTrade[] {
    this.tape.push({ id: this.tape.length + 1, price, qty, time: Date.now(), buyerMaker: aggressor === 'SELL' });
    const hit = this.openOrders()
      .filter((o) => (aggressor === 'SELL' ? o.side === 'BUY' && o.price >= price : o.side === 'SELL' && o.price <= price))
      .sort((a, b) => (aggressor === 'SELL' ? b.price - a.price : a.price - b.price) || a.time - b.time);
    const fills: FakeTrade[] = [];
    let left = qty;
    for (const o of hit) {
      if (left <= 1e-12) break;
      const q = round(Math.min(left, o.origQty - o.executedQty));
      left = round(left - q);
      fills.push(this.fill(o, q));
    }
    return fills;
  }

  private fill(o: FakeOrder, qty: number, price = o.price, maker = true): FakeTrade {
    const { commission, commissionAsset, realizedPnl } = this.settle(o, qty, price, maker);
    const notional = price * qty;
    o.executedQty = round(o.executedQty + qty);
    o.cumQuote = round(o.cumQuote + notional);
    o.status = o.executedQty >= o.origQty - 1e-12 ? 'FILLED' : 'PARTIALLY_FILLED';
    const now = Date.now();
    o.updateTime = now;
    const trade: FakeTrade = {
      id: this.nextTradeId++,
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      side: o.side,
      price,
      qty,
      commission,
      commissionAsset,
      time: now,
      ...(realizedPnl !== undefined ? { realizedPnl } : {}),
      maker,
    };
    this.trades.push(trade);
    this.emit({ order: o, execType: 'TRADE', trade });
    return trade;
  }

  /** Spot: the bought asset is credited, the paid one leaves its lock (a buy below its limit gets the difference back), the fee is charged. */
  protected settle(o: FakeOrder, qty: number, price: number, maker: boolean): { commission: number; commissionAsset: string; realizedPnl?: number } {
    const r = this.rules;
    const notional = price * qty;
    const rate = maker ? r.makerFee : (r.takerFee ?? r.makerFee);
    const feeInBase = o.side === 'BUY' && r.buyFeeInBase === true;
    const commission = feeInBase ? round(qty * rate) : round(notional * rate);
    const commissionAsset = feeInBase ? r.base : r.quote;
    const base = this.balance(r.base);
    const quote = this.balance(r.quote);
    if (o.side === 'BUY') {
      quote.locked = round(quote.locked - o.price * qty);
      quote.free = round(quote.free + (o.price - price) * qty);
      base.free = round(base.free + qty);
    } else {
      base.locked = round(base.locked - qty);
      quote.free = round(quote.free + notional);
    }
    const payer = this.balance(commissionAsset);
    payer.free = round(payer.free - commission);
    return { commission, commissionAsset };
  }

  protected release(o: FakeOrder): void {
    const r = this.rules;
    const left = o.origQty - o.executedQty;
    if (o.side === 'BUY') {
      const q = this.balance(r.quote);
      q.locked = round(q.locked - left * o.price);
      q.free = round(q.free + left * o.price);
    } else {
      const b = this.balance(r.base);
      b.locked = round(b.locked - left);
      b.free = round(b.free + left);
    }
  }

  protected emit(e: ExecutionEvent): void {
    for (const fn of this.listeners) fn(e);
  }
}
