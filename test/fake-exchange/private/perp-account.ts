// The fake Binance USD-M account on the BTCUSDT perpetual: the spot account's order book and matching, with linear-contract margin accounting.
import { FakeAccount, round, type ApiError, type CreateRequest, type FakeMarketRules, type FakeOrder, type FakeSide } from './account.js';

/** BTCUSDT perpetual filters as Binance USD-M lists them (tick 0.1, lot 0.001, minimum notional 100 USDT); maker fee 0.02 %. */
export const BTCUSDT_PERP_RULES: FakeMarketRules = {
  symbol: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: 0.1,
  stepSize: 0.001,
  minQty: 0.001,
  minNotional: 100,
  makerFee: 0.0002,
  takerFee: 0.0005,
};

/** One record of the account's income history (Binance's GET /fapi/v1/income shape, numbers as strings). */
export interface FakeIncome {
  symbol: string;
  incomeType: 'FUNDING_FEE';
  income: string;
  asset: string;
  info: string;
  time: number;
  tranId: number;
  tradeId: string;
}

/** A USD-M account's settings and starting state, as a test sets them. */
export interface FakePerp {
  /** Net position, contracts of 1 BTC (positive long). */
  positionAmt: number;
  entryPrice: number;
  /** The mark price (default: the middle of the fake's best bid and ask). */
  markPrice?: number;
  marginType: 'cross' | 'isolated';
  /** Hedge mode (Binance's dualSidePosition). */
  dualSide: boolean;
  leverage: number;
  /** USDT wallet balance (default 50,000). */
  wallet?: number;
}

/**
 * One-way (or hedge, refused on orders without a position side) USD-M account on one linear perpetual.
 * Orders rest and fill through `FakeAccount` (its book, its matching of market trades); what differs is
 * the money: no asset changes hands. A fill moves the position and its average entry price; the part
 * that reduces the position realises (exit − entry) × contracts × side of the position into the USDT
 * wallet; the commission (notional × maker fee) leaves the wallet. Margin balance = wallet + unrealised
 * PnL at the mark; available = margin balance − the position's initial margin (notional at the mark /
 * leverage) − open orders' initial margin (the larger side's notional beyond what would reduce the
 * position, / leverage). An order whose margin the available balance cannot carry is refused (-2019).
 */
export class FakePerpAccount extends FakeAccount {
  position: number;
  entryPrice: number;
  wallet: number;
  readonly initialWallet: number;
  /** Sum of realised PnL, of commissions and of funding received (negative: paid) since the start, USDT. */
  realizedPnl = 0;
  commissions = 0;
  funding = 0;
  /** The income history: funding payments, oldest first. */
  readonly income: FakeIncome[] = [];
  private nextTranId = 7_700_000_000;
  markOverride: number | undefined;
  marginType: 'cross' | 'isolated';
  dualSide: boolean;
  leverage: number;

  constructor(settings: Readonly<FakePerp>, rules: FakeMarketRules = BTCUSDT_PERP_RULES) {
    super(rules, {});
    // Ids apart from the spot account's (Binance numbers each market on its own; distinct ones read better).
    this.nextOrderId = 8_000_000;
    this.nextTradeId = 9_000_000;
    this.setMarket(100_000, 100_000.1);
    this.position = settings.positionAmt;
    this.entryPrice = settings.positionAmt === 0 ? 0 : settings.entryPrice;
    this.wallet = settings.wallet ?? 50_000;
    this.initialWallet = this.wallet;
    this.markOverride = settings.markPrice;
    this.marginType = settings.marginType;
    this.dualSide = settings.dualSide;
    this.leverage = settings.leverage;
  }

  get markPrice(): number {
    return this.markOverride ?? (this.bestBid + this.bestAsk) / 2;
  }

  get unrealizedPnl(): number {
    return this.position === 0 ? 0 : this.position * (this.markPrice - this.entryPrice);
  }

  get positionInitialMargin(): number {
    return (Math.abs(this.position) * this.markPrice) / this.leverage;
  }

  /** Open orders' initial margin, with `extra` as if it rested too. */
  openOrderInitialMargin(extra?: { side: FakeSide; price: number; qty: number }): number {
    const legs = this.openOrders().map((o) => ({ side: o.side, price: o.price, qty: o.origQty - o.executedQty }));
    if (extra !== undefined) legs.push(extra);
    const sideMargin = (side: FakeSide): number => {
      const mine = legs.filter((l) => l.side === side);
      const qty = mine.reduce((s, l) => s + l.qty, 0);
      if (!(qty > 0)) return 0;
      const notional = mine.reduce((s, l) => s + l.qty * l.price, 0);
      const reducing = side === 'BUY' ? Math.max(0, -this.position) : Math.max(0, this.position);
      return (notional * (Math.max(0, qty - reducing) / qty)) / this.leverage;
    };
    return Math.max(sideMargin('BUY'), sideMargin('SELL'));
  }

  get marginBalance(): number {
    return this.wallet + this.unrealizedPnl;
  }

  get availableBalance(): number {
    return Math.max(0, this.marginBalance - this.positionInitialMargin - this.openOrderInitialMargin());
  }

  /**
   * A funding time at `timeMs` (default now): the position pays rate × position × mark to the other side
   * (a long pays when the rate is positive), from or into the wallet, recorded in the income history
   * with its own tranId. Flat: nothing is paid and nothing recorded (as Binance).
   */
  payFunding(rate: number, timeMs = Date.now()): FakeIncome | undefined {
    if (this.position === 0) return undefined;
    const amount = Math.round(-rate * this.position * this.markPrice * 1e8) / 1e8; // Binance's income: 8 decimals
    this.wallet = round(this.wallet + amount);
    this.funding = round(this.funding + amount);
    const r: FakeIncome = { symbol: this.rules.symbol, incomeType: 'FUNDING_FEE', income: amount.toFixed(8), asset: this.rules.quote, info: 'FUNDING_FEE', time: timeMs, tranId: this.nextTranId++, tradeId: '' };
    this.income.push(r);
    return r;
  }

  /** Binance USD-M's checks of a new order, in its order and with its codes. */
  protected override validate(r: CreateRequest): ApiError | undefined {
    const rules = this.rules;
    if (r.type !== 'LIMIT') return { status: 400, code: -1116, msg: 'Invalid orderType.' };
    if (r.timeInForce === undefined) return { status: 400, code: -1102, msg: "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed." };
    if (r.timeInForce !== 'GTC' && r.timeInForce !== 'GTX' && r.timeInForce !== 'IOC') return { status: 400, code: -1115, msg: 'Invalid timeInForce.' };
    if (this.dualSide) return { status: 400, code: -4061, msg: "Order's position side does not match user's setting." };
    if (!(r.quantity > 0)) return { status: 400, code: -4003, msg: 'Quantity less than or equal to zero.' };
    if (!(r.price > 0)) return { status: 400, code: -4001, msg: 'Price less than 0.' };
    if (Math.abs(r.price / rules.tickSize - Math.round(r.price / rules.tickSize)) > 1e-6) return { status: 400, code: -4014, msg: 'Price not increased by tick size.' };
    if (Math.abs(r.quantity / rules.stepSize - Math.round(r.quantity / rules.stepSize)) > 1e-6) return { status: 400, code: -1111, msg: 'Precision is over the maximum defined for this asset.' };
    if (r.quantity < rules.minQty - 1e-12) return { status: 400, code: -4004, msg: 'Quantity less than min quantity.' };
    if (r.reduceOnly === true) {
      // It must shrink the position, with every other reduce-only order of its side.
      const s = r.side === 'BUY' ? 1 : -1;
      const pending = this.openOrders()
        .filter((o) => o.reduceOnly === true && o.side === r.side)
        .reduce((q, o) => q + o.origQty - o.executedQty, 0);
      if (this.position === 0 || Math.sign(this.position) === s || pending + r.quantity > Math.abs(this.position) + 1e-12) return { status: 400, code: -2022, msg: 'ReduceOnly Order is rejected.' };
    } else if (r.price * r.quantity < rules.minNotional - 1e-9)
      return { status: 400, code: -4164, msg: `Order's notional must be no smaller than ${rules.minNotional} (unless you choose reduce only).` };
    if (this.crosses(r.side, r.price) && r.timeInForce !== 'IOC') {
      if (r.timeInForce === 'GTX')
        return { status: 400, code: -5022, msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history' };
      return { status: 400, code: -1013, msg: 'only maker orders are supported by this fake' };
    }
    return undefined;
  }

  /** Nothing is locked: the order's margin must fit the available balance. */
  protected override reserve(r: CreateRequest): ApiError | undefined {
    if (r.reduceOnly === true) return undefined;
    const need = this.openOrderInitialMargin({ side: r.side, price: r.price, qty: r.quantity });
    if (this.marginBalance - this.positionInitialMargin - need < -1e-9) return { status: 400, code: -2019, msg: 'Margin is insufficient.' };
    return undefined;
  }

  protected override release(_o: FakeOrder): void {
    // Open orders hold no balance: their margin is computed from the book.
  }

  /** Linear contracts: the position and its entry move, the reduced part realises PnL, the commission leaves the wallet. */
  protected override settle(o: FakeOrder, qty: number, price: number, maker: boolean): { commission: number; commissionAsset: string; realizedPnl: number } {
    const s = o.side === 'BUY' ? 1 : -1;
    const commission = round(price * qty * (maker ? this.rules.makerFee : (this.rules.takerFee ?? this.rules.makerFee)));
    let realized = 0;
    const pos = this.position;
    if (pos === 0 || Math.sign(pos) === s) {
      const n = Math.abs(pos);
      this.entryPrice = (n * this.entryPrice + qty * price) / (n + qty);
      this.position = round(pos + s * qty);
    } else {
      const closing = Math.min(qty, Math.abs(pos));
      realized = round(closing * (price - this.entryPrice) * Math.sign(pos));
      this.position = round(pos + s * closing);
      const rest = round(qty - closing);
      if (this.position === 0) this.entryPrice = 0;
      if (rest > 0) {
        this.position = round(s * rest);
        this.entryPrice = price;
      }
    }
    this.wallet = round(this.wallet + realized - commission);
    this.realizedPnl = round(this.realizedPnl + realized);
    this.commissions = round(this.commissions + commission);
    return { commission, commissionAsset: this.rules.quote, realizedPnl: realized };
  }
}
