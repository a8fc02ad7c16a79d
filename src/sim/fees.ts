// Fee models: maker / taker rates in basis points of notional; a negative maker rate is a rebate.
import type { Liquidity } from '../orders/index.js';
import { notionalSettle, type ContractSpec } from '../market/index.js';

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

/**
 * Maker / taker rates of a perpetual, on the notional in its settlement currency: price × qty × size in
 * quote (linear), qty × size / price in the base coin (inverse) — the fee is paid in that currency.
 */
export class ContractFees implements FeeModel {
  constructor(
    readonly spec: ContractSpec,
    readonly makerBps: number,
    readonly takerBps: number,
  ) {}
  fee(price: number, qty: number, liquidity: Liquidity): number {
    return (notionalSettle(this.spec, price, qty) * (liquidity === 'maker' ? this.makerBps : this.takerBps)) / 10_000;
  }
}

/** The fee model of an instrument: spot's notional is price × qty (quote), a perpetual's its settlement notional. */
export function feesFor(spec: ContractSpec, makerBps: number, takerBps: number): FeeModel {
  return spec.kind === 'spot' ? new BpsFees(makerBps, takerBps) : new ContractFees(spec, makerBps, takerBps);
}
