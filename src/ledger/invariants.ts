// Ledger invariants: the file is sound, positions and cash equal the sums of fills, no order is overfilled.
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
    .prepare<[], { symbol: string; pos: number; flow: number; n: number; last: number }>(
      'SELECT symbol, sum(side * qty) AS pos, sum(side * price * qty + fee) AS flow, count(*) AS n, max(id) AS last FROM fills GROUP BY symbol',
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
    if (!close(p.cash, init - s.flow)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash minus fill flows ${init - s.flow}`);
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
