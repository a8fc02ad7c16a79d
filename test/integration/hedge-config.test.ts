// hedge: refused where it cannot apply (one line naming the field), and a strategy module sending the hedge's orders itself (out.hedge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/index.js';
import { TradingConfigSchema, hedgePlan, hedgeRecord, loadStrategyOf, marketConfigs, runTickMarketsJob } from '../../src/engine/index.js';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const MARKETS = [
  { name: 'spot', symbol: 'BTC/USDT' },
  { name: 'usdm', symbol: 'BTC/USDT:USDT', instrument: 'linear_perp', tick_size: 0.1, lot_size: 0.001 },
];

function refused(input: Record<string, unknown>, message: RegExp): void {
  const cfg = TradingConfigSchema.parse(input);
  assert.throws(() => hedgePlan(cfg, marketConfigs(cfg)), (e: unknown) => e instanceof UserError && message.test(e.message) && !e.message.includes('\n'));
}

test('hedge: is checked against the markets, each fault one line naming its field', () => {
  assert.throws(() => TradingConfigSchema.parse({ markets: MARKETS, hedge: { market: 'usdm', band: 0.01, bnad: 1 } }), /bnad/);
  assert.throws(() => TradingConfigSchema.parse({ markets: MARKETS, hedge: { market: 'usdm' } }), /band/);
  assert.throws(() => TradingConfigSchema.parse({ markets: MARKETS, hedge: { market: 'usdm', band: 0.01, mode: 'market' } }), /mode/);
  const one = TradingConfigSchema.parse({ hedge: { market: 'usdm', band: 0.01 } });
  assert.throws(() => marketConfigs(one), /hedge: hedges one market of markets: on another; this config trades one market/);
  refused({ markets: MARKETS, hedge: { market: 'perp', band: 0.01 } }, /^config: hedge\.market: no market named 'perp' in markets: \(spot, usdm\)$/);
  refused({ markets: MARKETS, hedge: { market: 'usdm', quoted: 'usdm', band: 0.01 } }, /hedge\.quoted: 'usdm' is the hedge market itself/);
  // An inverse perpetual hedges too (its contracts' base coin is size / price each).
  const inv = TradingConfigSchema.parse({ markets: [MARKETS[0]!, { ...MARKETS[1]!, instrument: 'inverse_perp', contract_size: 100 }], hedge: { market: 'usdm', band: 0.01 } });
  assert.equal(hedgePlan(inv, marketConfigs(inv))!.hedgeIndex, 1);
  const ok = TradingConfigSchema.parse({ markets: MARKETS, hedge: { market: 'usdm', band: 0.01 } });
  const plan = hedgePlan(ok, marketConfigs(ok))!;
  assert.deepEqual([plan.quotedIndex, plan.hedgeIndex, plan.mode, plan.ratio, plan.slippage_ticks], [0, 1, 'taker', 1, 0]);
});

async function sdkRun(strategy: string) {
  const cfg = TradingConfigSchema.parse({
    capital: 20_000,
    quoting: { strategy, order_qty: 0.001, max_inventory_qty: 0.01 },
    sim: { feed_latency_ms: 5, entry_latency_ms: 5, response_latency_ms: 5, maker_fee_bps: 0 },
    risk: { warn_fraction: 1, max_drawdown: 50 },
    hedge: { market: 'usdm', band: 0.002 },
    markets: [
      { ...MARKETS[0]!, events: ensureSharedSpot0808Arrow() },
      { ...MARKETS[1]!, events: ensureSharedUsdmArrow(), quoting: { max_inventory_qty: 0.02 }, risk: { max_order_qty: 0.02 }, sim: { taker_fee_bps: 5, entry_latency_ms: 8, response_latency_ms: 8 } },
    ],
  });
  const ms = marketConfigs(cfg);
  for (const m of ms) await loadStrategyOf(m.config);
  const r = runTickMarketsJob(ms, {}, {}, undefined, [], hedgePlan(cfg, ms));
  return { r, rec: hedgeRecord(r) };
}

test('a strategy module hedges itself with out.hedge (examples/strategies/hedged-touch.ts): its orders go through the hedge market\'s gate and venue', async () => {
  const { r, rec } = await sdkRun(join(REPO_ROOT, 'examples', 'strategies', 'hedged-touch.ts'));
  const [a, b] = r.markets;
  assert.ok(a!.metrics.fills > 100, 'the module quotes spot');
  assert.equal(a!.metrics.risk.final_state, 'active');
  const h = rec.hedge as { triggers: number; orders: number; net_inventory: { max_abs: number }; quoted_alone: { inventory: { max_abs: number } } };
  assert.ok(h.triggers > 5 && h.orders === b!.exchange.audit.length && b!.metrics.fills > 5, `hedge orders ${h.orders}`);
  assert.equal(b!.metrics.taker_fills, b!.metrics.fills, 'taker hedges');
  // Every hedge order arrives 8 ms after it was sent, on the decision grid; the net stays near the band.
  const au = b!.exchange.audit;
  for (let i = 0; i < au.length; i++) assert.equal(au.arrived[i]! - au.sent[i]!, 8_000);
  assert.ok(h.net_inventory.max_abs < h.quoted_alone.inventory.max_abs, `net ${h.net_inventory.max_abs} vs spot ${h.quoted_alone.inventory.max_abs}`);
  const s = rec.pnl_split;
  assert.ok(Math.abs(s.quoting + s.hedging + s.basis + s.fees + s.funding - s.total) < 1e-9);
});

test('an invalid out.hedge is a strategy fault: the quoted market halts (strategy-error), no hedge order leaves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-hedge-sdk-'));
  try {
    const file = join(dir, 'bad-hedge.ts');
    writeFileSync(file, 'import { defineStrategy } from "marketmakerl/sdk";\nexport default defineStrategy({ name: "bad-hedge", create() { return { decide(v, o) { if (v.hedgePosition === v.hedgePosition) o.hedge = { qty: Number.NaN }; } }; } });\n');
    const { r } = await sdkRun(file);
    const a = r.markets[0]!;
    assert.equal(a.metrics.risk.final_state, 'halted');
    assert.ok(a.metrics.risk.transitions.some((t: { condition: string; reason: string }) => t.condition === 'strategy-error' && /hedge\.qty/.test(t.reason)));
    assert.equal(r.markets[1]!.exchange.audit.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
