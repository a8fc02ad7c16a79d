// Ledger invariants: the file is sound, positions and cash equal what the fills and funding payments say (spot: cash flows; linear perpetuals: realised PnL, fees and funding), no order is overfilled.
import type Database from 'better-sqlite3';

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Every broken invariant as one line; empty when the ledger is consistent. */
export function checkLedgerInvariants(db: Database.Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const initRow = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'initial_cash'").get();
  const initialCash = initRow === undefined ? 0 : Number(initRow.value);

  const sums = db
    .prepare<[], { symbol: string; pos: number; flow: number; fees: number; n: number; last: number }>(
      // Every symbol with fills or funding payments (a payment's row alone: no fills, nothing held by fills).
      `SELECT s.symbol AS symbol, ifnull(f.pos, 0) AS pos, ifnull(f.flow, 0) AS flow, ifnull(f.fees, 0) AS fees, ifnull(f.n, 0) AS n, ifnull(f.last, 0) AS last
       FROM (SELECT symbol FROM fills UNION SELECT symbol FROM funding) s
       LEFT JOIN (SELECT symbol, sum(side * qty) AS pos, sum(side * price * qty + fee) AS flow, sum(fee) AS fees, count(*) AS n, max(id) AS last FROM fills GROUP BY symbol) f
         ON f.symbol = s.symbol`,
    )
    .all();
  const funding = new Map(
    db
      .prepare<[], { symbol: string; amount: number; n: number }>('SELECT symbol, sum(amount) AS amount, count(*) AS n FROM funding GROUP BY symbol')
      .all()
      .map((f) => [f.symbol, f]),
  );
  const positions = new Map(
    db
      .prepare<[], { symbol: string; position: number; cash: number; funding: number; fill_count: number; last_fill_id: number }>(
        'SELECT symbol, position, cash, funding, fill_count, last_fill_id FROM positions',
      )
      .all()
      .map((p) => [p.symbol, p]),
  );
  for (const s of sums) {
    const p = positions.get(s.symbol);
    if (p === undefined) {
      problems.push(`${s.symbol}: ${s.n} fills and ${funding.get(s.symbol)?.n ?? 0} funding payments but no position row`);
      continue;
    }
    positions.delete(s.symbol);
    if (!close(p.position, s.pos)) problems.push(`${s.symbol}: position ${p.position} != sum of fills ${s.pos}`);
    const own = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(`initial_cash:${s.symbol}`);
    const init = own === undefined ? initialCash : Number(own.value);
    const terms = instrumentOf(db, s.symbol);
    const fund = funding.get(s.symbol);
    const paid = fund?.amount ?? 0;
    if (terms.kind === 'spot') {
      if (fund !== undefined) problems.push(`${s.symbol}: ${fund.n} funding payments on a spot market`);
      if (!close(p.cash, init - s.flow)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash minus fill flows ${init - s.flow}`);
    } else if (terms.kind === 'linear_perp') {
      // No notional changes hands: the margin balance moves by realised PnL (average entry), fees and funding.
      const want = init + linearRealised(db, s.symbol, terms.contractSize) - s.fees + paid;
      if (!close(p.cash, want)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash + realised PnL − fees of its fills + funding ${want}`);
    }
    if (!close(p.funding, paid)) problems.push(`${s.symbol}: funding ${p.funding} != sum of funding payments ${paid}`);
    if (terms.kind !== 'spot') problems.push(...simulatedFundingFaults(db, s.symbol, terms));
    // An inverse perpetual's balance is in the base coin, shown in quote at the last mark, which the ledger does not hold: its position and counts are checked, not its cash.
    if (p.fill_count !== s.n) problems.push(`${s.symbol}: fill_count ${p.fill_count} != ${s.n} fills`);
    if (p.last_fill_id !== s.last) problems.push(`${s.symbol}: last_fill_id ${p.last_fill_id} != last fill ${s.last}`);
  }
  for (const [symbol, p] of positions) if (p.fill_count !== 0) problems.push(`${symbol}: position row without fills`);

  const over = db
    .prepare<[], { client_id: number; qty: number; filled: number }>(
      'SELECT o.client_id, o.qty, sum(f.qty) AS filled FROM orders o JOIN fills f ON f.client_id = o.client_id GROUP BY o.client_id HAVING sum(f.qty) > o.qty * (1 + 1e-9)',
    )
    .all();
  for (const o of over) problems.push(`order ${o.client_id}: filled ${o.filled} > qty ${o.qty}`);
  return problems;
}

/**
 * A simulated payment is what its rate, position and mark say: −rate × position × contract size × mark
 * (linear), −rate × position × contract size / mark (inverse). The exchange's own are taken as paid.
 */
function simulatedFundingFaults(db: Database.Database, symbol: string, terms: { kind: string; contractSize: number }): string[] {
  const out: string[] = [];
  const rows = db
    .prepare<[string], { id: number; ts: number; rate: number | null; position: number | null; mark: number | null; amount: number }>(
      "SELECT id, ts, rate, position, mark, amount FROM funding WHERE symbol = ? AND source = 'sim' ORDER BY id",
    )
    .iterate(symbol);
  for (const f of rows) {
    if (f.rate === null || f.position === null || f.mark === null || !(f.mark > 0)) {
      out.push(`${symbol}: simulated funding payment ${f.id} at ${f.ts} without its rate, position or mark`);
      continue;
    }
    const notional = terms.kind === 'inverse_perp' ? (f.position * terms.contractSize) / f.mark : f.position * terms.contractSize * f.mark;
    const want = f.position === 0 ? 0 : -f.rate * notional;
    if (!close(f.amount, want)) out.push(`${symbol}: funding payment ${f.id} at ${f.ts}: amount ${f.amount} != −rate × notional ${want}`);
  }
  return out;
}

/** The instrument a symbol was traded as (its latest run's config; spot when the config does not say). */
function instrumentOf(db: Database.Database, symbol: string): { kind: string; contractSize: number } {
  const row = db.prepare<[string], { config: string }>('SELECT config FROM runs WHERE symbol = ? ORDER BY started_at DESC LIMIT 1').get(symbol);
  try {
    const m = (JSON.parse(row?.config ?? '{}') as { market?: { instrument?: unknown; contract_size?: unknown } }).market;
    const kind = typeof m?.instrument === 'string' ? m.instrument : 'spot';
    const size = typeof m?.contract_size === 'number' && m.contract_size > 0 ? m.contract_size : 1;
    return { kind, contractSize: size };
  } catch {
    return { kind: 'spot', contractSize: 1 };
  }
}

/** Realised PnL (quote) of a linear perpetual's fills in order: closing quantity × (price − average entry) × contract size. */
function linearRealised(db: Database.Database, symbol: string, contractSize: number): number {
  let pos = 0;
  let avg = 0;
  let realised = 0;
  for (const f of db.prepare<[string], { side: number; price: number; qty: number }>('SELECT side, price, qty FROM fills WHERE symbol = ? ORDER BY id').iterate(symbol)) {
    let q = f.qty;
    if (pos !== 0 && Math.sign(pos) !== f.side) {
      const c = Math.min(q, Math.abs(pos));
      realised += c * (f.price - avg) * Math.sign(pos) * contractSize;
      pos += f.side * c;
      q -= c;
      if (Math.abs(pos) < 1e-12) {
        pos = 0;
        avg = 0;
      }
    }
    if (q > 0) {
      avg = (avg * Math.abs(pos) + f.price * q) / (Math.abs(pos) + q);
      pos += f.side * q;
    }
  }
  return realised;
}
