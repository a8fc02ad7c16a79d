// The order path of sessions that keep a journal (paper, live): commands journaled on their way out, answers after the core.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity, OrderEventHandler, OrderSink } from '../orders/index.js';
import { DurableJournal } from './durable-journal.js';
import type { PaperJournal } from './paper-journal.js';
import type { TradingCore } from './trading-core.js';

const durables = new WeakMap<PaperJournal, DurableJournal>();

/** The one `DurableJournal` over `journal` (sink and answers share it, so held writes keep their order). */
export function durableJournal(journal: PaperJournal): DurableJournal {
  if (journal instanceof DurableJournal) return journal;
  let d = durables.get(journal);
  if (d === undefined) durables.set(journal, (d = new DurableJournal(journal)));
  return d;
}

/**
 * Approved commands (the core's gate sits before this sink) are journaled, then sent to `venue`: after a
 * crash, the journal knows every order that may have reached the venue. An order the journal cannot
 * record is not sent: it comes back denied through `refused` ("ledger unwritable"). `onPlace` counts.
 */
export function journaledSink(journal: PaperJournal, venue: OrderSink, onPlace?: () => void, refused?: Pick<OrderEventHandler, 'onDenied'>): OrderSink {
  const j = durableJournal(journal);
  const journaled = (ts: Micros, id: number, side: Side, price: number, qty: number): boolean => {
    try {
      j.placed(ts, id, side, price, qty);
    } catch (e) {
      if (refused === undefined) throw e;
      refused.onDenied(ts, id, e instanceof Error ? e.message : String(e));
      return false;
    }
    onPlace?.();
    return true;
  };
  const sink: OrderSink = {
    place: (ts, id, side, price, qty) => {
      if (journaled(ts, id, side, price, qty)) venue.place(ts, id, side, price, qty);
    },
    cancel: (ts, id) => {
      j.orderEvent(ts, id, 'cancel-requested');
      venue.cancel(ts, id);
    },
  };
  // An immediate-or-cancel order is journaled as any order (its fills and its end follow as answers).
  if (venue.take !== undefined) sink.take = (ts, id, side, price, qty) => {
    if (journaled(ts, id, side, price, qty)) venue.take!(ts, id, side, price, qty);
  };
  return sink;
}

/**
 * The venue's answers: to the core first (its state is what the next decision sees), then the journal.
 * A fill re-marks the view at the last known mid so equity follows at once. Denials are journaled by the
 * session (they come from the gate through `TradingCore.onOrderEvent`, not from the venue). The journal
 * is durable: a write the ledger refuses is held and retried, never dropped.
 */
export class JournaledOrderEvents implements OrderEventHandler {
  private readonly journal: DurableJournal;

  constructor(
    private readonly core: TradingCore,
    journal: PaperJournal,
    private readonly onFilled?: () => void,
  ) {
    this.journal = durableJournal(journal);
  }

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

/**
 * Live: a fill is booked at the exchange's time; the local time it reached us is journaled beside it (an
 * order event `fill-received`, after the fill), so the response latency can be measured from the ledger
 * (`calibrate-sim`). Every other answer passes through unchanged.
 */
export function stampFillReceipts(inner: OrderEventHandler, journal: PaperJournal, clock: () => Micros): OrderEventHandler {
  const j = durableJournal(journal);
  return {
    onAccepted: (ts, id) => inner.onAccepted(ts, id),
    onRejected: (ts, id, reason) => inner.onRejected(ts, id, reason),
    onDenied: (ts, id, reason) => inner.onDenied(ts, id, reason),
    onCanceled: (ts, id) => inner.onCanceled(ts, id),
    onFill: (ts, id, side, price, qty, fee, liquidity) => {
      inner.onFill(ts, id, side, price, qty, fee, liquidity);
      j.orderEvent(clock(), id, 'fill-received');
    },
  };
}
