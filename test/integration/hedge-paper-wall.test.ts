// Hedged quoting paper-traded on the wall clock (config/examples/hedged.yaml, both captures replayed at pace): the perpetual trades
// against the spot inventory by immediate-or-cancel orders through its own session, and the book's net exposure stays under the spot leg's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkLedgerInvariants } from '../../src/ledger/index.js';
import { realtimeCommand } from '../../src/cli/commands/realtime.js';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'hedged.yaml');

interface Line {
  [k: string]: unknown;
}

test('wall-clock paper of the hedged example: the hedge market takes liquidity against the spot inventory, and the net exposure stays below the spot leg alone', async () => {
  const spot = ensureSharedSpot0808Arrow();
  const usdm = ensureSharedUsdmArrow();
  const dir = mkdtempSync(join(tmpdir(), 'mm-hedged-wall-'));
  try {
    const ledgerPath = join(dir, 'ledger.sqlite');
    // Both recordings on one paced clock (650 s of market at 25×); the run ends when the feeds do.
    await realtimeCommand({ config: EXAMPLE, replay: [spot, usdm], speed: 25, pollSeconds: 0.5, iterations: '100000', ledger: ledgerPath, outDir: dir, haltFile: join(dir, 'HALT'), quiet: true });
    const file = readdirSync(dir).find((n) => n.endsWith('_markets.jsonl'))!;
    const lines = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line);
    const summary = lines.find((l) => l['summary'] === true) as { ended_by: string; markets: { market: string; fills: number; inventory: number; trading_state: string }[] };
    assert.equal(summary.ended_by, 'feed ended');
    const [s, u] = summary.markets;
    assert.equal(s!.market, 'spot');
    assert.ok(s!.fills > 0, `the spot market quoted and filled: ${JSON.stringify(summary.markets)}`);
    assert.ok(u!.fills > 0, `the perpetual hedged: ${JSON.stringify(summary.markets)}`);

    // Per iteration, the spot inventory and the net of both legs (one contract = 1 BTC): the hedge cuts the largest exposure.
    const at = new Map<number, { spot?: number; usdm?: number }>();
    for (const l of lines) {
      if (typeof l['iteration'] !== 'number' || l['book'] === true) continue;
      const e = at.get(l['iteration']) ?? {};
      e[l['market'] as 'spot' | 'usdm'] = Number(l['inventory']);
      at.set(l['iteration'], e);
    }
    let maxSpot = 0;
    let maxNet = 0;
    for (const e of at.values()) {
      if (e.spot === undefined || e.usdm === undefined) continue;
      maxSpot = Math.max(maxSpot, Math.abs(e.spot));
      maxNet = Math.max(maxNet, Math.abs(e.spot + e.usdm));
    }
    assert.ok(maxSpot >= 0.004, `the spot leg carried inventory worth hedging: max |inventory| ${maxSpot}`);
    assert.ok(maxNet < maxSpot / 2, `net exposure max ${maxNet} against spot alone ${maxSpot}`);

    const db = new Database(ledgerPath, { readonly: true });
    try {
      // Every perpetual fill took liquidity (the hedge is immediate-or-cancel) and paid the taker fee of 5 bps.
      const perp = db.prepare<[], { liquidity: string; fee: number; price: number; qty: number }>("SELECT liquidity, fee, price, qty FROM fills WHERE run_id LIKE '%_usdm'").all();
      assert.equal(perp.length, u!.fills);
      for (const f of perp) {
        assert.equal(f.liquidity, 'taker');
        assert.ok(Math.abs(f.fee - f.price * f.qty * 5e-4) < 1e-6, `taker fee: ${JSON.stringify(f)}`);
      }
      const open = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM orders WHERE status IN ('open', 'pending-new', 'pending-cancel')").get();
      assert.equal(open?.n, 0, 'the end cancels every order of both markets');
      assert.deepEqual(checkLedgerInvariants(db), []);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
