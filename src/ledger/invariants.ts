// Ledger invariants: the file is sound, positions and cash equal the sums of fills (a perpetual's: its fills replayed through the contract accounting), no order is overfilled.
import type Database from 'better-sqlite3';
import { INSTRUMENT_KINDS, type ContractSpec, type Side } from '../market/index.js';
import { Portfolio } from '../portfolio/index.js';

/** The instrument a symbol's latest run traded (its `runs.config`), and whether that config pays funding; spot when unsaid. */
function contractOf(db: Database.Database, symbol: string): { spec: ContractSpec; funding: boolean } {
  const row = db.prepare<[string], { config: string }>('SELECT config FROM runs WHERE symbol = ? ORDER BY started_at DESC, rowid DESC LIMIT 1').get(symbol);
  let market: Record<string, unknown> = {};
  try {
    const cfg = JSON.parse(row?.config ?? '{}') as { market?: Record<string, unknown> };
    market = cfg.market ?? {};
  } catch {
    // An unreadable config: judged as spot.
  }
  const kind = INSTRUMENT_KINDS.find((k) => k === market['instrument']) ?? 'spot';
  const size = Number(market['contract_size'] ?? 1);
  return { spec: { kind, contractSize: size > 0 ? size : 1 }, funding: market['funding'] !== undefined && market['funding'] !== null };
}

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
    const { spec, funding } = contractOf(db, s.symbol);
    if (spec.kind === 'spot') {
      if (!close(p.cash, init - s.flow)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash minus fill flows ${init - s.flow}`);
    } else {
      // No notional changes hands: the margin balance moves by the PnL the fills realised and their fees
      // (and funding, which the ledger's fills do not carry: the cash is then not judged).
      const pf = new Portfolio(init, spec);
      for (const f of db.prepare<[string], { side: Side; price: number; qty: number; fee: number }>('SELECT side, price, qty, fee FROM fills WHERE symbol = ? ORDER BY id').iterate(s.symbol)) pf.apply(f.side, f.price, f.qty, f.fee);
      const row = db.prepare<[string], { realized_pnl: number }>('SELECT realized_pnl FROM positions WHERE symbol = ?').get(s.symbol);
      if (row !== undefined && !close(row.realized_pnl, pf.realizedPnl)) problems.push(`${s.symbol}: realized PnL ${row.realized_pnl} != the fills' ${pf.realizedPnl} (${spec.kind})`);
      if (!funding && !close(p.cash, pf.cash)) problems.push(`${s.symbol}: cash ${p.cash} != initial cash plus the fills' realized PnL less fees ${pf.cash} (${spec.kind})`);
    }
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
