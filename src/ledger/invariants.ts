// Ledger invariants: the file is sound, positions and cash equal what the fills say (spot: cash flows; linear perpetuals: realised PnL and fees), no order is overfilled.
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
      'SELECT symbol, sum(side * qty) AS pos, sum(side * price * qty + fee) AS flow, sum(fee) AS fees, count(*) AS n, max(id) AS last FROM fills GROUP BY symbol',
    )
    .all();
  const positions = new Map(
    db
      .prepare<[], { symbol: string; position: number; cash: number; fill_count: number; last_fill_id: number }>(
        'SELECT symbol, position, cash, fill_count, last_fill_id FROM positions',
      )
      .all()
      .map((p) => [p.symbol, p]),
  );
  for (const s of sums) {
    const p = positions.get(s.symbol);
    if (p === undefined) {
      problems.push(`${s.symbol}: ${s.n} fills but no position row`);
      continue;
    }
    positions.delete(s.symbol);
    if (!close(p.position, s.pos)) problems.push(`${s.symbol}: position ${p.position} != sum of fills ${s.pos}`);
    const own = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(`initial_cash:${s.symbol}`);
    const init = own === undefined ? initialCash : Number(own.value);
    const terms = instrumentOf(db, s.symbol);
    if (terms.kind === 'spot') {
      if (!close(p.cash, init - s.flow)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash minus fill flows ${init - s.flow}`);
    } else if (terms.kind === 'linear_perp') {
      // No notional changes hands: the margin balance moves by realised PnL (average entry) and fees.
      const want = init + linearRealised(db, s.symbol, terms.contractSize) - s.fees;
      if (!close(p.cash, want)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash + realised PnL − fees of its fills ${want}`);
    }
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
