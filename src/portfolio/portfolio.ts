// Position, cash and PnL decomposition of one instrument, updated fill by fill.
import type { Side } from '../market/index.js';

/**
 * Accounting identity (checked by tests): cash + position·mark = initialCash + realized + unrealized − fees,
 * where realized PnL uses the average cost of the open position (gross of fees) and unrealized
 * ("inventory") PnL is position·(mark − averageCost).
 */
export class Portfolio {
  position = 0; // base units, signed
  cash: number; // quote currency
  avgCost = 0; // average entry price of the open position
  realizedPnl = 0; // gross of fees
  fees = 0; // paid (negative when rebates dominate)
  turnover = 0; // quote notional traded
  fills = 0;
  buyQty = 0;
  sellQty = 0;

  constructor(readonly initialCash: number) {
    this.cash = initialCash;
  }

  apply(side: Side, price: number, qty: number, fee: number): void {
    const signed = side * qty;
    const notional = price * qty;
    this.cash -= side * notional + fee;
    this.fees += fee;
    this.turnover += notional;
    this.fills++;
    if (side > 0) this.buyQty += qty;
    else this.sellQty += qty;
    const pos = this.position;
    if (pos === 0 || Math.sign(pos) === side) {
      // Opening or adding: new average cost.
      const newPos = pos + signed;
      this.avgCost = (this.avgCost * Math.abs(pos) + notional) / Math.abs(newPos);
      this.position = newPos;
      return;
    }
    // Reducing, closing or flipping.
    const closing = Math.min(qty, Math.abs(pos));
    this.realizedPnl += closing * (price - this.avgCost) * Math.sign(pos);
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
  }

  unrealizedPnl(mark: number): number {
    return this.position === 0 ? 0 : this.position * (mark - this.avgCost);
  }

  equity(mark: number): number {
    return this.cash + this.position * mark;
  }

  totalPnl(mark: number): number {
    return this.equity(mark) - this.initialCash;
  }
}
