// `realtime --mode live` of a hedged config in a child process against the fake exchange (the real ccxt client): Binance spot BTC/USDT quoted,
// its inventory hedged on the USD-M BTCUSDT perpetual of the same fake account by immediate-or-cancel orders (or, passive, post-only at the touch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { FakeAccount, startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { FLAT_PERP } from './live-perp-helpers.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'realtime', '--mode', 'live', '--confirm-live'];
const env = (): NodeJS.ProcessEnv => ({ ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET });
const BAND = 0.002;

function config(mode: 'taker' | 'passive', band = BAND): string {
  return `capital: 20000
features: { sigma_sample_ms: 100 }
quoting: { gamma: 0.01, k: 2, calibrate: false, horizon_seconds: 2, order_qty: 0.001, max_inventory_qty: 0.008 }
risk: { max_orders_per_window: 1000, stale_after_ms: 5000, max_order_notional: 2000 }
loop: { decision_interval_ms: 100 }
live: { reconcile_every_s: 1, request_timeout_ms: 2000, unknown_orders: cancel, margin_mode: cross }
hedge: { market: usdm, quoted: spot, mode: ${mode}, band: ${band}, ratio: 1 }
markets:
  - { name: spot, exchange: binance, symbol: BTC/USDT }
  - { name: usdm, exchange: binanceusdm, symbol: BTC/USDT:USDT, instrument: linear_perp, contract_size: 1, quoting: { max_inventory_qty: 0.02 }, risk: { max_order_qty: 0.02 } }
`;
}

async function startFake(): Promise<{ fake: FakePrivateExchange; spot: FakeAccount }> {
  const spot = new FakeAccount(undefined, { BTC: 0.5, USDT: 50_000 });
  spot.setMarket(60_000, 60_000.5);
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET, account: spot, perp: FLAT_PERP });
  fake.perp!.setMarket(60_010, 60_010.1);
  return { fake, spot };
}

/**
 * The CLI in a child process. With `until`: the run is bounded by its iterations only as a backstop; the
 * test stops it (SIGINT: the session's own stop, orders cancelled and verified) once `until` has held on
 * three polls in a row, so a loaded machine that is slow to reach the state waits for it instead of failing.
 */
async function runCli(args: string[], until?: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string; stopped: boolean }> {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, env: env() });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let held = 0;
  const watch =
    until === undefined
      ? undefined
      : setInterval(() => {
          held = until() ? held + 1 : 0;
          if (held >= 3 && !stopped) {
            stopped = true;
            child.kill('SIGINT');
          }
        }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (watch !== undefined) clearInterval(watch);
  return { code, stdout, stderr, stopped };
}

/** The spot inventory the fake account holds beyond its starting 0.5 BTC. */
const spotHeld = (spot: FakeAccount): number => spot.balance('BTC').free + spot.balance('BTC').locked - 0.5;

/**
 * A run's end: stopped by the test once the state was reached (SIGINT, exit 130), cancel-all verified.
 * `state`: what the test sees at the exchange, told when the state was never reached.
 */
function assertStopped(r: { code: number | null; stdout: string; stderr: string; stopped: boolean }, state: () => string = () => ''): void {
  assert.ok(r.stopped, `the run ended before the state was reached (exit ${r.code}); ${state()}; ${r.stdout.slice(-3000)} ${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /stopped by SIGINT: every order of every market cancelled, verified with the exchange/);
}

interface Summary {
  summary: true;
  markets: { market: string; fills: number; position: number; cancelVerified: boolean; mismatches: number; fatal?: string }[];
  pnl_split: { quoting: number; hedging: number; basis: number; fees: number; funding: number; total: number };
  hedge: { quoted: string; market: string; mode: string; triggers: number; orders: number; fills: number; taker_fills: number; net_inventory: { max_abs: number; last: number }; quoted_alone: { inventory: { max_abs: number } } };
}

/**
 * Trades reach our spot bids until the spot inventory is `target` (the hedge must follow), while both
 * markets' touches move; `onTick` lets a test act on the perpetual too. Returns a stop function.
 */
function driveMarkets(fake: FakePrivateExchange, spot: FakeAccount, target: number, onTick?: (k: number) => void): () => void {
  let k = 0;
  const p = fake.perp!;
  const timer = setInterval(() => {
    k++;
    const d = (k % 5) * 0.5;
    spot.setMarket(60_000 + d, 60_000.5 + d);
    // The perpetual's touch shows 0.002 BTC a side: a larger hedge takes part of it and expires the rest (then hedges again).
    p.setMarket(60_010 + d, 60_010.1 + d, 0.002, 0.002);
    const held = spot.balance('BTC').free + spot.balance('BTC').locked - 0.5;
    if (k % 6 === 0 && held < target - 1e-9) {
      const bid = spot.openOrders().find((o) => o.side === 'BUY' && o.clientOrderId.startsWith('mm'));
      if (bid !== undefined) spot.marketTrade('SELL', bid.price, Math.min(bid.origQty - bid.executedQty, Math.round((target - held) * 1e5) / 1e5));
    }
    onTick?.(k);
  }, 50);
  return () => clearInterval(timer);
}

function linesOf(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('live hedged market making: spot fills push the inventory past the band, the perpetual hedges by IOC orders through its own session; ledger, reconciliation and the PnL split hold', { timeout: 240_000 }, async (t) => {
  const { fake, spot } = await startFake();
  const p = fake.perp!;
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-hedge-'));
  writeFileSync(join(dir, 'live.yaml'), config('taker'));
  const stop = driveMarkets(fake, spot, 0.007);
  try {
    // Until the spot inventory is complete, hedged within the band, after a hedge that took part of the touch.
    const hedged = (): boolean =>
      Math.abs(spotHeld(spot) - 0.007) < 1e-9 &&
      Math.abs(p.position + 0.007) <= BAND + 1e-9 &&
      [...p.orders.values()].some((o) => o.status === 'EXPIRED' && o.executedQty > 0) &&
      p.openOrders().length === 0;
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '900', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT')], hedged);
    stop();
    assertStopped(r);
    const lines = linesOf(r.stdout);
    const pre = lines.filter((l) => l['event'] === 'live_preflight');
    assert.deepEqual(
      pre.map((l) => [l['market'], l['ok']]),
      [
        ['spot', true],
        ['usdm', true],
      ],
      'both markets preflighted',
    );
    const summary = lines.at(-1) as unknown as Summary;
    assert.equal(summary.summary, true);
    const [s, u] = summary.markets;
    for (const m of summary.markets) {
      assert.equal(m.fatal, undefined, JSON.stringify(m));
      assert.equal(m.cancelVerified, true);
      assert.equal(m.mismatches, 0, `${m.market}: the exchange holds what the ledger says`);
    }
    assert.ok(s!.fills > 0 && u!.fills > 0, `both markets filled: ${JSON.stringify(summary.markets)}`);
    // The hedge followed: the spot inventory reached 0.007 and the perpetual's short ended within the band of −1 × it.
    assert.ok(Math.abs(s!.position - 0.007) < 1e-9, `spot inventory ${s!.position}`);
    assert.ok(Math.abs(u!.position + s!.position) <= BAND + 1e-9, `perp ${u!.position} vs spot ${s!.position}`);
    assert.ok(Math.abs(p.position - u!.position) < 1e-9, `the exchange's perpetual position ${p.position} = the ledger's ${u!.position}`);
    // Every hedge order was an IOC with our client order id; none rests; none was sent twice.
    const creates = fake.requests.filter((x) => x.method === 'POST' && x.path === '/fapi/v1/order');
    assert.ok(creates.length >= 2, `${creates.length} hedge orders`);
    for (const c of creates) {
      assert.equal(c.params['timeInForce'], 'IOC');
      assert.match(c.params['newClientOrderId'] ?? '', /^mm[0-9a-z]{8}-\d+$/);
    }
    assert.ok([...p.orders.values()].some((o) => o.status === 'EXPIRED' && o.executedQty > 0), 'some hedge took part of the touch and expired the rest');
    assert.equal(p.openOrders().length + spot.openOrders().length, 0, 'nothing left resting');
    for (const a of [spot, p]) assert.ok([...a.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');

    // The split: quoting + hedging + basis + fees + funding = total; fees paid; the hedge's record.
    const sp = summary.pnl_split;
    assert.ok(Math.abs(sp.quoting + sp.hedging + sp.basis + sp.fees + sp.funding - sp.total) < 1e-6, JSON.stringify(sp));
    assert.ok(sp.fees < 0 && sp.hedging !== 0, JSON.stringify(sp));
    const h = summary.hedge;
    t.diagnostic(`spot ${s!.fills} fills, inventory ${s!.position}; hedge ${creates.length} IOC orders, ${u!.fills} fills, position ${u!.position}; net max ${h.net_inventory.max_abs} vs spot alone ${h.quoted_alone.inventory.max_abs}; split ${JSON.stringify(sp)}`);
    assert.deepEqual([h.quoted, h.market, h.mode], ['spot', 'usdm', 'taker']);
    assert.equal(h.fills, u!.fills);
    assert.equal(h.taker_fills, h.fills, 'every hedge fill took liquidity');
    assert.ok(h.net_inventory.max_abs < h.quoted_alone.inventory.max_abs, `net ${h.net_inventory.max_abs} vs spot alone ${h.quoted_alone.inventory.max_abs}`);

    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      const fills = db.prepare<[], { symbol: string; run_id: string; liquidity: string; n: number }>('SELECT symbol, run_id, liquidity, count(*) AS n FROM fills GROUP BY symbol, run_id, liquidity ORDER BY symbol').all();
      assert.deepEqual(
        fills.map((f) => [f.symbol, f.run_id.replace(/^.*_/, ''), f.liquidity, f.n]),
        [
          ['BTC/USDT', 'spot', 'maker', s!.fills],
          ['BTC/USDT:USDT', 'usdm', 'taker', u!.fills],
        ],
        'each fill journaled once, with its market',
      );
      assert.equal(p.trades.length, u!.fills, 'every hedge trade at the exchange is in the ledger');
      const open = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM orders WHERE status IN ('open', 'pending-new', 'pending-cancel')").get();
      assert.equal(open?.n, 0, 'no order left open in our books');
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
    const texts = [r.stdout, r.stderr, ...[dir, join(dir, 'out')].flatMap((d) => readdirSync(d).filter((f) => f !== 'out').map((f) => readFileSync(join(d, f)).toString('latin1')))];
    for (const t of texts) assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), 'a secret leaked');
  } finally {
    stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live passive hedge: post-only orders resting at the perpetual\'s touch, moved or cancelled as the touch and the deviation change, filled as maker; the short follows the spot inventory', { timeout: 240_000 }, async () => {
  const { fake, spot } = await startFake();
  const p = fake.perp!;
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-hedge-passive-'));
  writeFileSync(join(dir, 'live.yaml'), config('passive'));
  // Now and then a market order reaches whatever rests on the perpetual. Until the hedge has cancelled an order
  // once, an order is left to rest a second first: its touch moves under it meanwhile, so the strategy must move
  // it (a hedge filled within a poll or two of its placing might otherwise never need a cancel, and the state
  // below would never be reached).
  const firstSeen = new Map<string, number>();
  const cancelled = (): boolean => fake.requests.some((x) => x.method === 'DELETE' && x.path === '/fapi/v1/order');
  const stop = driveMarkets(fake, spot, 0.007, (k) => {
    if (k % 10 !== 0) return;
    const o = p.openOrders().find((x) => x.clientOrderId.startsWith('mm'));
    if (o === undefined) return;
    const first = firstSeen.get(o.clientOrderId) ?? k;
    firstSeen.set(o.clientOrderId, first);
    if (!cancelled() && k - first < 20) return;
    p.marketTrade(o.side === 'BUY' ? 'SELL' : 'BUY', o.price, o.origQty - o.executedQty);
  });
  try {
    // Until the spot inventory is complete and the short follows it within the band, after the strategy moved or cancelled a resting hedge.
    const hedged = (): boolean =>
      Math.abs(spotHeld(spot) - 0.007) < 1e-9 &&
      p.position !== 0 &&
      Math.abs(p.position + 0.007) <= BAND + 1e-9 &&
      cancelled();
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '900', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--quiet'], hedged);
    stop();
    assertStopped(r, () => {
      const summary = readdirSync(join(dir, 'out')).find((n) => n.endsWith('_markets_live.jsonl'));
      const perpOrders = fake.requests.filter((x) => x.path === '/fapi/v1/order').map((x) => x.method);
      return `spot held ${spotHeld(spot)}, perpetual position ${p.position}, its order requests ${JSON.stringify(perpOrders.slice(-40))} (${perpOrders.length}), open ${p.openOrders().length}; summary ${summary === undefined ? 'none' : readFileSync(join(dir, 'out', summary), 'utf8').slice(-3000)}`;
    });
    const summary = linesOf(readFileSync(join(dir, 'out', readdirSync(join(dir, 'out')).find((n) => n.endsWith('_markets_live.jsonl'))!), 'utf8')).at(-1) as unknown as Summary;
    const [s, u] = summary.markets;
    for (const m of summary.markets) assert.deepEqual([m.fatal, m.cancelVerified, m.mismatches], [undefined, true, 0], JSON.stringify(m));
    assert.ok(Math.abs(s!.position - 0.007) < 1e-9, `spot inventory ${s!.position}`);
    assert.ok(u!.fills > 0 && Math.abs(u!.position + s!.position) <= BAND + 1e-9, `perp ${u!.position} vs spot ${s!.position}`);
    assert.equal(summary.hedge.mode, 'passive');
    assert.equal(summary.hedge.taker_fills, 0, 'a passive hedge never takes');
    const creates = fake.requests.filter((x) => x.method === 'POST' && x.path === '/fapi/v1/order');
    for (const c of creates) assert.equal(c.params['timeInForce'], 'GTX', 'post-only at the touch');
    assert.equal(p.openOrders().length, 0, 'nothing left resting');
    assert.ok([...p.createdByClientId.values()].every((n) => n === 1), 'no client order id sent twice');
    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    try {
      const liq = db.prepare<[], { liquidity: string }>("SELECT DISTINCT liquidity FROM fills WHERE symbol = 'BTC/USDT:USDT'").all();
      assert.deepEqual(liq.map((x) => x.liquidity), ['maker']);
      // The strategy's own cancels (the touch moved, or the deviation came back inside the band), before the end's cancel-all.
      const moved = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM order_events WHERE run_id LIKE '%_usdm' AND type = 'cancel-requested' AND reason IS NULL").get();
      assert.ok((moved?.n ?? 0) > 0, 'resting hedges were cancelled by the strategy while trading');
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
  } finally {
    stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("live hedge: the hedge market is preflighted like the others — a band whose smallest hedge order is below the perpetual's minimum notional is refused in one line before any order", async () => {
  const { fake, spot } = await startFake();
  const dir = mkdtempSync(join(tmpdir(), 'mm-live-hedge-refused-'));
  // 0.001 BTC × 60,010 = 60 USDT, below the USD-M minimum notional of 100.
  writeFileSync(join(dir, 'live.yaml'), config('taker', 0.001));
  try {
    const r = await runCli(['--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '5', '--config', join(dir, 'live.yaml'), '--ledger', join(dir, 'ledger.sqlite'), '--out-dir', join(dir, 'out'), '--halt-file', join(dir, 'HALT'), '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /^error: markets\[usdm\] \(BTC\/USDT:USDT\): live preflight refused: smallest hedge order notional 60\.01 USDT \(qty 0\.001 × bid 60010\) is below the market's minimum notional 100$/);
    assert.equal(spot.createdByClientId.size + fake.perp!.createdByClientId.size, 0, 'no order on either market');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
