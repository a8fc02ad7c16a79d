// The order path of sessions that keep a journal (paper, live): commands journaled on their way out, answers after the core.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity, OrderEventHandler, OrderSink } from '../orders/index.js';
import type { PaperJournal } from './paper-journal.js';
import type { TradingCore } from './trading-core.js';

/**
 * Approved commands (the core's gate sits before this sink) are journaled, then sent to `venue`: after a
 * crash, the journal knows every order that may have reached the venue. `onPlace` counts or observes.
 */
export function journaledSink(journal: PaperJournal, venue: OrderSink, onPlace?: () => void): OrderSink {
  return {
    place: (ts, id, side, price, qty) => {
      onPlace?.();
      journal.placed(ts, id, side, price, qty);
      venue.place(ts, id, side, price, qty);
    },
    cancel: (ts, id) => {
      journal.orderEvent(ts, id, 'cancel-requested');
      venue.cancel(ts, id);
    },
  };
}

/**
 * The venue's answers: to the core first (its state is what the next decision sees), then the journal.
 * A fill re-marks the view at the last known mid so equity follows at once. Denials are journaled by the
 * session (they come from the gate through `TradingCore.onOrderEvent`, not from the venue).
 */
export class JournaledOrderEvents implements OrderEventHandler {
  constructor(
    private readonly core: TradingCore,
    private readonly journal: PaperJournal,
    private readonly onFilled?: () => void,
  ) {}

  onAccepted(ts: Micros, clientId: number): void {
    this.core.onAccepted(ts, clientId);
    this.journal.orderEvent(ts, clientId, 'accepted');
  }

  onRejected(ts: Micros, clientId: number, reason: string): void {
    this.core.onRejected(ts, clientId, reason);
    this.journal.orderEvent(ts, clientId, 'rejected', reason);
  }

  onDenied(ts: Micros, clientId: number, reason: string): void {
    this.core.onDenied(ts, clientId, reason);
  }

  onCanceled(ts: Micros, clientId: number): void {
    this.core.onCanceled(ts, clientId);
    this.journal.orderEvent(ts, clientId, 'canceled');
  }

  onFill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity): void {
    const core = this.core;
    core.onFill(ts, clientId, side, price, qty, fee, liquidity);
    this.onFilled?.();
    this.journal.fill(ts, clientId, side, price, qty, fee, liquidity, core.portfolio);
    const mid = core.view.mid;
    if (mid > 0) core.mark(mid);
  }
}
