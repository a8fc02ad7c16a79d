// Position, cash and PnL decomposition of one instrument (spot, linear or inverse perpetual), updated fill by fill.
import type { Side } from '../market/index.js';
import { SPOT, contractPnl, notionalQuote, notionalSettle, settleToQuote, type ContractSpec } from '../market/index.js';

/**
 * Units: `position` in the instrument's quantity unit (base coin for spot, contracts for perpetuals);
 * `realizedPnl`, `fees`, `funding` and `balance` in the settlement currency (quote for spot and linear,
 * the base coin for inverse); `initialCash`, `cash`, `equity` and `turnover` in the quote currency.
 *
 * Spot: cash pays for what is bought (cash −= side·price·qty + fee) and
 *   cash + position·mark = initialCash + realized + unrealized − fees.
 * Perpetuals: no notional changes hands; the margin balance moves by realized PnL, fees and funding:
 *   equity = initialCash + toQuote(balance + unrealized, mark), balance = realized − fees + funding.
 *   Linear: toQuote is the identity. Inverse: PnL is earned in the base coin and valued at the mark
 *   (the capital counts in quote; a coin-margined account's collateral is itself long the coin, a
 *   price exposure this report leaves out).
 * Realized PnL uses the average entry of the open position (arithmetic in price for spot and linear,
 * harmonic for inverse — the price at which the contracts' coin value averages), gross of fees;
 * unrealized ("inventory") PnL is the open position marked at `mark`.
 */
export class Portfolio {
  position = 0; // signed, base units (spot) or contracts (perpetuals)
  cash: number; // quote currency: spot cash, or the margin balance valued at the last price
  avgCost = 0; // average entry price of the open position
  realizedPnl = 0; // gross of fees, settlement currency
  fees = 0; // paid (negative when rebates dominate), settlement currency
  funding = 0; // funding received (negative: paid), settlement currency
  balance = 0; // perpetuals: realized − fees + funding, settlement currency
  turnover = 0; // quote notional traded
  fills = 0;
  buyQty = 0;
  sellQty = 0;
  readonly perp: boolean;

  constructor(
    readonly initialCash: number,
    readonly spec: ContractSpec = SPOT,
  ) {
    this.cash = initialCash;
    this.perp = spec.kind !== 'spot';
  }

  /** A fill of `qty` at `price`; `fee` in the settlement currency. */
  apply(side: Side, price: number, qty: number, fee: number): void {
    // Spot here, perpetuals in `applyContract`: kept small enough for V8 to inline into the fill path.
    if (this.perp) return this.applyContract(side, price, qty, fee);
    const notional = price * qty;
    this.cash -= side * notional + fee;
    this.fees += fee;
    this.turnover += notional;
    this.fills++;
    if (side > 0) this.buyQty += qty;
    else this.sellQty += qty;
    const pos = this.position;
    const newPos = pos + side * qty;
    if (pos === 0 || Math.sign(pos) === side) {
      // Opening or adding: new average entry.
      this.avgCost = (this.avgCost * Math.abs(pos) + price * qty) / Math.abs(newPos);
      this.position = newPos;
      return;
    }
    // Reducing, closing or flipping.
    this.realizedPnl += Math.min(qty, Math.abs(pos)) * (price - this.avgCost) * Math.sign(pos);
    if (Math.abs(newPos) < 1e-12) {
      this.position = 0;
      this.avgCost = 0;
    } else {
      if (Math.sign(newPos) !== Math.sign(pos)) this.avgCost = price; // the flipped remainder opened at this fill's price
      this.position = newPos;
    }
  }

  /** `apply` for a perpetual (linear or inverse): PnL, fees and the margin balance in the settlement currency. */
  private applyContract(side: Side, price: number, qty: number, fee: number): void {
    const signed = side * qty;
    const spec = this.spec;
    const notional = notionalQuote(spec, price, qty);
    this.balance -= fee;
    this.fees += fee;
    this.turnover += notional;
    this.fills++;
    if (side > 0) this.buyQty += qty;
    else this.sellQty += qty;
    const pos = this.position;
    if (pos === 0 || Math.sign(pos) === side) {
      // Opening or adding: new average entry (inverse: harmonic).
      const newPos = pos + signed;
      const n = Math.abs(pos);
      this.avgCost =
        spec.kind === 'inverse_perp'
          ? Math.abs(newPos) / ((pos === 0 ? 0 : n / this.avgCost) + qty / price)
          : (this.avgCost * n + price * qty) / Math.abs(newPos);
      this.position = newPos;
      this.cash = this.initialCash + settleToQuote(spec, this.balance, price);
      return;
    }
    // Reducing, closing or flipping.
    const realized = contractPnl(spec, Math.min(qty, Math.abs(pos)) * Math.sign(pos), this.avgCost, price);
    this.realizedPnl += realized;
    this.balance += realized;
    const newPos = pos + signed;
    if (Math.abs(newPos) < 1e-12) {
      this.position = 0;
      this.avgCost = 0;
    } else if (Math.sign(newPos) !== Math.sign(pos)) {
      this.position = newPos;
      this.avgCost = price; // the flipped remainder opened at this fill's price
    } else {
      this.position = newPos;
    }
    this.cash = this.initialCash + settleToQuote(spec, this.balance, price);
  }

  /**
   * A funding payment at rate `rate` on the open position valued at `mark`. Longs pay shorts when the
   * rate is positive: the amount received is −rate × position's settlement notional (linear:
   * position × size × mark; inverse: position × size / mark). `position`: the one held at the funding
   * time where it differs from the booked one (a venue's fills not yet reported). Returns the amount
   * (settlement currency).
   */
  applyFunding(rate: number, mark: number, position = this.position): number {
    if (!this.perp || position === 0) return 0;
    const received = -rate * notionalSettle(this.spec, mark, position);
    this.receiveFunding(received, mark);
    return received;
  }

  /**
   * A funding payment of `amount` (settlement currency, negative: paid) as the exchange booked it (live:
   * its income history); `mark` values an inverse perpetual's balance in quote (the last mid; linear: unused).
   */
  receiveFunding(amount: number, mark: number): void {
    if (!this.perp) return;
    this.funding += amount;
    this.balance += amount;
    this.cash = this.initialCash + settleToQuote(this.spec, this.balance, mark);
  }

  /** Inventory PnL of the open position at `mark`, settlement currency. */
  unrealizedPnl(mark: number): number {
    if (this.position === 0) return 0;
    return this.perp ? contractPnl(this.spec, this.position, this.avgCost, mark) : this.position * (mark - this.avgCost);
  }

  /** Cash in quote currency at `mark` (perpetuals: the margin balance, inverse valued at the mark). */
  cashAt(mark: number): number {
    return this.perp ? this.initialCash + settleToQuote(this.spec, this.balance, mark) : this.cash;
  }

  /** Equity in quote currency at `mark`. */
  equity(mark: number): number {
    if (!this.perp) return this.cash + this.position * mark;
    return this.initialCash + settleToQuote(this.spec, this.balance + this.unrealizedPnl(mark), mark);
  }

  totalPnl(mark: number): number {
    return this.equity(mark) - this.initialCash;
  }

  /** An amount in the settlement currency, in quote at `mark`. */
  toQuote(amount: number, mark: number): number {
    return settleToQuote(this.spec, amount, mark);
  }
}
