// A ledger writer for the crash-safety test: random orders and fills, acknowledged on stdout once committed.
import { Rng } from '../../src/core/index.js';
import { Portfolio } from '../../src/portfolio/index.js';
import { Ledger } from '../../src/ledger/index.js';
import type { Side } from '../../src/market/index.js';

const [path, seedText, stepsText] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: paper-ledger-child <ledger> <seed> <steps>');
const seed = Number(seedText ?? 1);
const steps = Number(stepsText ?? 1e9);
const rng = new Rng(seed);
const ledger = new Ledger(path);
const SYMBOL = 'BTC/USDT';
const resumed = ledger.resume(SYMBOL);
ledger.startRun({ runId: `crash-${seed}-${process.pid}`, mode: 'paper', exchange: 'test', symbol: SYMBOL, config: { seed }, initialCash: 10_000 }, new Date(0));
const pf = new Portfolio(ledger.initialCash() ?? 10_000);
if (resumed) {
  Object.assign(pf, { position: resumed.position, cash: resumed.cash, avgCost: resumed.avgCost, realizedPnl: resumed.realizedPnl, fees: resumed.fees });
}
let id = resumed?.lastClientId ?? 0;
const open: { id: number; side: Side; price: number; left: number }[] = (resumed?.openOrders ?? []).map((o) => ({ id: o.clientId, side: o.side, price: o.price, left: o.remaining }));
let fills = resumed?.fills ?? 0;
process.stdout.write(`ready ${fills} ${pf.position}\n`);
for (let step = 0; step < steps; step++) {
  const ts = 1_700_000_000_000_000 + step * 1000;
  const r = rng.next();
  if (r < 0.3 || open.length === 0) {
    const side: Side = rng.next() < 0.5 ? 1 : -1;
    const o = { id: ++id, side, price: 100 + rng.int(100) / 100, left: 0.001 * (1 + rng.int(5)) };
    ledger.placed(ts, o.id, o.side, o.price, o.left);
    ledger.orderEvent(ts, o.id, 'accepted');
    open.push(o);
  } else if (r < 0.7) {
    const k = rng.int(open.length);
    const o = open[k]!;
    const qty = rng.next() < 0.5 ? o.left : Math.round(o.left * 500) / 1000;
    pf.apply(o.side, o.price, qty, qty * o.price * 0.0001);
    ledger.fill(ts, o.id, o.side, o.price, qty, qty * o.price * 0.0001, 'maker', pf);
    fills++;
    process.stdout.write(`fill ${fills} ${pf.position}\n`);
    o.left -= qty;
    if (o.left <= 1e-12) open.splice(k, 1);
  } else if (r < 0.85) {
    const k = rng.int(open.length);
    ledger.orderEvent(ts, open[k]!.id, 'canceled');
    open.splice(k, 1);
  } else {
    ledger.quote({ ts, mid: 100.5, bid: 100.4, ask: 100.6, position: pf.position, equity: pf.equity(100.5), tradingState: 'active' });
  }
}
ledger.endRun(new Date(0), 'completed');
ledger.close();
process.stdout.write('done\n');
