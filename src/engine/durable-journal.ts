// A journal that never drops what it was given: failed writes are held in memory, in order, and retried.
import type { Micros } from '../core/index.js';
import type { Side } from '../market/index.js';
import type { Liquidity } from '../orders/index.js';
import type { RiskMarks, RiskTransition } from '../risk/index.js';
import type { FundingEntry, JournalOrderEvent, PaperJournal, PositionState, QuoteRow } from './paper-journal.js';

/** An order could not be journaled, so it must not be sent (after a crash nobody would know it exists). */
export class JournalUnavailable extends Error {
  constructor(reason: string) {
    super(`ledger unwritable: ${reason}`);
    this.name = 'JournalUnavailable';
  }
}

export interface DurableJournalOptions {
  /** Wall clock, ms (how long the ledger has been failing). */
  nowMs?: () => number;
  /** The ledger became unwritable (`failing` true) or writable again. */
  onChange?: (failing: boolean, reason: string) => void;
}

/**
 * Wraps the ledger. A write that throws (the file locked, the disk full, an I/O error) is kept with every
 * write after it, in order, and retried by `flush()` (and before each new write): a fill reported by the
 * venue is held in memory until it is on disk, never dropped. `placed` is the exception: an order that
 * cannot be journaled is refused (`JournalUnavailable`), since only the ledger knows, after a crash, that
 * it may rest at the venue. Quote rows and risk marks are snapshots for charts and resume: while failing,
 * the next one replaces them.
 */
export class DurableJournal implements PaperJournal {
  private readonly held: (() => void)[] = [];
  private failingSinceMs: number | undefined;
  private lastError = '';
  private readonly nowMs: () => number;

  constructor(
    readonly inner: PaperJournal,
    private readonly o: DurableJournalOptions = {},
  ) {
    this.nowMs = o.nowMs ?? Date.now;
  }

  /** Writes waiting for the ledger. */
  get pending(): number {
    return this.held.length;
  }

  /** Since when (ms) the ledger has been unwritable; undefined while it is fine. */
  get failingSince(): number | undefined {
    return this.failingSinceMs;
  }

  get reason(): string {
    return this.lastError;
  }

  /**
   * Write what is held, in order; true when nothing is left. The ledger counts as writable again only
   * after a write succeeds (an empty flush proves nothing: quote rows, not held, may still be failing).
   */
  flush(): boolean {
    while (this.held.length > 0) {
      try {
        this.held[0]!();
      } catch (e) {
        this.fail(e);
        return false;
      }
      this.held.shift();
      this.ok();
    }
    return true;
  }

  placed(ts: Micros, clientId: number, side: Side, price: number, qty: number): void {
    if (!this.flush()) throw new JournalUnavailable(this.lastError);
    try {
      this.inner.placed(ts, clientId, side, price, qty);
      this.ok();
    } catch (e) {
      this.fail(e);
      throw new JournalUnavailable(this.lastError);
    }
  }

  orderEvent(ts: Micros, clientId: number, type: JournalOrderEvent, reason?: string): void {
    this.write(() => this.inner.orderEvent(ts, clientId, type, reason));
  }

  fill(ts: Micros, clientId: number, side: Side, price: number, qty: number, fee: number, liquidity: Liquidity, after: Readonly<PositionState>): void {
    // The position as it is now: a held fill is written later, when the portfolio has moved on.
    const at = positionCopy(after);
    this.write(() => this.inner.fill(ts, clientId, side, price, qty, fee, liquidity, at));
  }

  funding(f: Readonly<FundingEntry>, after: Readonly<PositionState>): void {
    const inner = this.inner;
    if (inner.funding === undefined) return;
    const copy = { ...f };
    const at = positionCopy(after);
    this.write(() => inner.funding!(copy, at));
  }

  quote(row: Readonly<QuoteRow>): void {
    if (this.flush()) this.tryOnce(() => this.inner.quote(row));
  }

  risk(t: Readonly<RiskTransition>): void {
    const copy = { ...t };
    this.write(() => this.inner.risk(copy));
  }

  riskMarks(marks: Readonly<RiskMarks>): void {
    if (this.flush()) this.tryOnce(() => this.inner.riskMarks(marks));
  }

  note(ts: Micros, kind: string, reason: string): void {
    this.write(() => this.inner.note(ts, kind, reason));
  }

  private write(fn: () => void): void {
    this.held.push(fn);
    this.flush();
  }

  private tryOnce(fn: () => void): void {
    try {
      fn();
      this.ok();
    } catch (e) {
      this.fail(e);
    }
  }

  private ok(): void {
    if (this.failingSinceMs === undefined) return;
    this.failingSinceMs = undefined;
    this.o.onChange?.(false, this.lastError);
  }

  private fail(e: unknown): void {
    this.lastError = e instanceof Error ? e.message : String(e);
    if (this.failingSinceMs === undefined) {
      this.failingSinceMs = this.nowMs();
      this.o.onChange?.(true, this.lastError);
    }
  }
}

/** The position as it is now (a held write is made later, when the portfolio has moved on). */
function positionCopy(p: Readonly<PositionState>): PositionState {
  return { position: p.position, cash: p.cash, avgCost: p.avgCost, realizedPnl: p.realizedPnl, fees: p.fees, funding: p.funding ?? 0 };
}
