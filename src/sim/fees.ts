// Fee models: maker / taker rates in basis points of notional; a negative maker rate is a rebate.
import type { Liquidity } from '../orders/index.js';

export interface FeeModel {
  fee(price: number, qty: number, liquidity: Liquidity): number;
}

export class BpsFees implements FeeModel {
  constructor(
    readonly makerBps: number,
    readonly takerBps: number,
  ) {}
  fee(price: number, qty: number, liquidity: Liquidity): number {
    return (price * qty * (liquidity === 'maker' ? this.makerBps : this.takerBps)) / 10_000;
  }
}
