// The perpetual example on the shared USD-M capture: contracts and USDT, and the one funding time it crosses paid on the venue's position then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseTradingConfig, runTickJob } from '../../src/engine/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

test('config/examples/btcusdt-perp.yaml: funding at 2024-08-09 00:00 UTC on the position of the fills at or before it, in the PnL split', () => {
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'config', 'examples', 'btcusdt-perp.yaml'), 'utf8')) as { data: { events: string } };
  doc.data.events = join(REPO_ROOT, doc.data.events); // relative to the repository root
  const cfg = parseTradingConfig(doc);
  const r = runTickJob(cfg);
  const m = r.metrics;
  assert.equal(m.instrument, 'linear_perp');
  assert.ok(m.fills > 50, `fills ${m.fills}`);
  assert.equal(m.funding_payments, 1);
  const [p] = r.funding!;
  assert.equal(p!.ts, Date.UTC(2024, 7, 9) * 1000);
  // The position from the fills themselves: those the venue executed at or before the funding time.
  const f = r.core.fills;
  let pos = 0;
  for (let i = 0; i < f.length; i++) if (r.stats.exchangeTs[i]! <= p!.ts) pos += f.side[i]! * f.qty[i]!;
  assert.ok(Math.abs(p!.position - pos) < 1e-9, `funding on ${p!.position}, fills say ${pos}`);
  assert.ok(p!.mark > 61_000 && p!.mark < 62_500, 'the venue mid of the perpetual then');
  assert.ok(Math.abs(p!.amount - -0.0001 * pos * p!.mark) < 1e-9, 'longs pay, shorts receive');
  assert.ok(Math.abs(m.pnl_funding - p!.amount) < 1e-12);
  assert.ok(Math.abs(m.pnl_spread_capture + m.pnl_inventory - m.pnl_fees + m.pnl_funding - m.total_pnl) < 1e-6, 'PnL split adds up');
  // Fees: maker 2 bp of price × contracts × 1 BTC.
  let fees = 0;
  for (let i = 0; i < f.length; i++) fees += f.price[i]! * f.qty[i]! * 2e-4;
  assert.ok(Math.abs(m.pnl_fees - fees) < 1e-6);
  console.log(`# perp: fills ${m.fills}, capture ${m.pnl_spread_capture.toFixed(2)}, inventory ${m.pnl_inventory.toFixed(2)}, fees ${m.pnl_fees.toFixed(2)}, funding ${m.pnl_funding.toFixed(4)} on ${p!.position.toFixed(3)} BTC, total ${m.total_pnl.toFixed(2)} USDT`);
});
