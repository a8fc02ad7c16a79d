// The LatencyModel port: how long an order takes to reach the venue, and the venue's answer to come back.
import type { Micros } from '../../core/index.js';

/**
 * Entry latency: local send time → venue arrival. Response latency: venue event time → local arrival.
 * Both in µs, ≥ 0. Messages on one connection keep their order (the venue and the driver enforce FIFO),
 * so a variable latency can delay a message but never overtake an earlier one.
 */
export interface LatencyModel {
  readonly name: string;
  entry(localTs: Micros): Micros;
  response(exchangeTs: Micros): Micros;
}
