// The runtime's modes on an exchange feed: `run --mode live` (guard, preflight, real orders, verified cancel-all) and `run --mode paper` with feed exchange, against the fake exchange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { MetricsSchema } from '../../src/engine/index.js';
import { startFakePrivateExchange, type FakePrivateExchange } from '../fake-exchange/private/index.js';
import { FakeBinance } from '../fake-exchange/fake-binance.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';
import { pipeline, runIn, smallConfig, tmp, writeConfig } from './runtime-helpers.js';

/** A small market that moves every 50 ms, so that σ warms up within a second and quotes go out. */
function moving(fake: FakePrivateExchange): () => void {
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const bid = 100_000 + (k % 7) * 0.5;
    fake.account.setMarket(bid, bid + 0.5);
  }, 50);
  return () => clearInterval(timer);
}

function config(dir: string, loop: Record<string, unknown> = { market_data: 'rest', poll_ms: 200 }, risk: Record<string, unknown> = {}): string {
  const agents = pipeline('');
  agents[1] = { ...agents[1]!, params: { gamma: 0.0001, horizon_seconds: 60 } };
  agents[2] = { ...agents[2]!, params: { duration: '3s', feed: 'exchange' } };
  // The execution agent trades market.exchange through ccxt (the fake's REST endpoints, or its websockets).
  return writeConfig(dir, {
    ...smallConfig(agents),
    market: { exchange: 'binance', symbol: 'BTC/USDT' },
    capital: 10_000,
    quoting: { order_qty: 0.001, max_inventory_qty: 0.01 },
    features: { sigma_sample_ms: 100, sigma_window: 10 },
    loop,
    live: { reconcile_every_s: 1, request_timeout_ms: 2_000 },
    risk,
  });
}

const count = (led: Ledger, sql: string): number => (led.db.prepare(sql).get() as { n: number }).n;

test('run --mode live: the live guard, the preflight, orders through ccxt to the fake exchange, a verified cancel-all, ledger, metrics and a risk verdict', async () => {
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  const stop = moving(fake);
  try {
    const dir = tmp('live');
    const env = { PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET, MARKETMAKERL_EXCHANGE_URL: fake.restUrl.replace(/\/api\/v3$/, '') };
    // An order rate tight enough that the gate denies some places: they are orders denied, not placed.
    const { summary } = await runIn(dir, { configPath: config(dir, undefined, { max_orders_per_window: 2, order_rate_window_ms: 2_000 }), runId: 'l', mode: 'live', env });
    assert.deepEqual(
      summary.agents.map((a) => [a.agent, a.status, a.error]),
      [['data', 'completed', undefined], ['model', 'completed', undefined], ['exec', 'completed', undefined], ['risk', 'completed', undefined]],
    );
    const out = join(dir, 'out');
    const metrics = MetricsSchema.parse(JSON.parse(readFileSync(join(out, 'l_exec_metrics.json'), 'utf8')));
    assert.ok(metrics.orders_placed > 0, 'quotes went out');
    assert.ok(['active', 'reducing', 'halted'].includes(metrics.risk.final_state));
    assert.equal(summary.pnl['exec'], Math.round(metrics.total_pnl * 1e6) / 1e6, 'the summary states the PnL');
    assert.equal(fake.account.openOrders().length, 0, 'the verified cancel-all left nothing resting');
    // The preflight asked for the account before the first order.
    const firstOrder = fake.requests.findIndex((r) => r.method === 'POST' && r.path === 'order');
    const account = fake.requests.findIndex((r) => r.path === 'account');
    assert.ok(firstOrder > 0, 'orders reached the exchange');
    assert.ok(account >= 0 && account < firstOrder, 'the preflight (account) before the first order');
    const ledger = new Ledger(join(out, 'l_exec_ledger.sqlite'));
    try {
      assert.deepEqual(checkLedgerInvariants(ledger.db), []);
      assert.equal(count(ledger, "SELECT count(*) AS n FROM runs WHERE mode = 'live'"), 1);
      assert.ok(metrics.orders_denied > 0, `the order rate denied some places (${JSON.stringify(metrics.risk.denials_by_rule)})`);
      assert.equal(count(ledger, 'SELECT count(*) AS n FROM orders'), metrics.orders_placed, 'orders_placed: the orders sent to the exchange, each in the ledger');
      assert.equal(count(ledger, "SELECT count(*) AS n FROM order_events WHERE type = 'denied'"), metrics.orders_denied, 'orders_denied: each denial journaled');
      assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.path === 'order').length, metrics.orders_placed, 'the exchange was sent orders_placed orders');
    } finally {
      ledger.close();
    }
    const report = JSON.parse(readFileSync(join(out, 'l_risk_risk_report.json'), 'utf8')) as { mode: string; total_pnl: number };
    assert.deepEqual([report.mode, report.total_pnl], ['live', metrics.total_pnl]);
    const texts = [JSON.stringify(summary), ...['l_exec_metrics.json', 'l_exec_live_config.json', 'l_runtime_log.jsonl'].map((f) => readFileSync(join(out, f), 'utf8'))];
    for (const t of texts) assert.ok(!t.includes(TEST_KEY) && !t.includes(TEST_SECRET), 'a secret leaked');
  } finally {
    stop();
    await fake.close();
  }
});

test('run --mode paper with feed exchange: a paper session on the live market (websockets) for its duration, the ledger, metrics and trace', async () => {
  const fake = new FakeBinance({ stepMs: 5 });
  const url = await fake.start();
  try {
    const dir = tmp('paper-feed');
    const path = config(dir, { market_data: 'auto' });
    const { summary } = await runIn(dir, { configPath: path, runId: 'p', mode: 'paper', env: { MARKETMAKERL_EXCHANGE_URL: url } });
    assert.deepEqual(
      summary.agents.map((a) => [a.agent, a.status, a.error]),
      [['data', 'completed', undefined], ['model', 'completed', undefined], ['exec', 'completed', undefined], ['risk', 'completed', undefined]],
    );
    const out = join(dir, 'out');
    const metrics = MetricsSchema.parse(JSON.parse(readFileSync(join(out, 'p_exec_metrics.json'), 'utf8')));
    assert.ok(metrics.orders_placed > 0, 'paper quotes were placed on the simulated venue');
    assert.ok(metrics.samples >= 2, `samples ${metrics.samples}`);
    assert.equal(summary.pnl['exec'], Math.round(metrics.total_pnl * 1e6) / 1e6, 'the summary states the PnL');
    assert.match(readFileSync(join(out, 'p_exec_trace.csv'), 'utf8').split('\n')[0]!, /,trading_state$/);
    const ledger = new Ledger(join(out, 'p_exec_ledger.sqlite'));
    try {
      assert.deepEqual(checkLedgerInvariants(ledger.db), []);
      assert.equal(count(ledger, "SELECT count(*) AS n FROM runs WHERE mode = 'paper'"), 1);
      assert.equal(count(ledger, "SELECT count(*) AS n FROM orders WHERE status IN ('open', 'pending-new')"), 0, 'the end of the run cancels every paper order');
    } finally {
      ledger.close();
    }
  } finally {
    await fake.stop();
  }
});
