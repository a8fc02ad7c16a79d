// The USD-M book at its transaction times: the hedge of a hedged run takes the perpetual's book as the raw capture
// shows it when its order arrives (rebuilt here from the raw lines by the futures rules, every depth message and
// bookTicker at its T, without the project's code), and verify-fills holds a taker fill to that book.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { verifyFills } from '../../src/verify/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow, sharedUsdmFiles } from '../fixtures/usdm-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'usdm-book-time-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Row { T: number; seq: number; kind: 'depth' | 'bbo' | 'snap'; d: Record<string, unknown> }

/** Every book message of the raw USD-M lines with its transaction time T (ms), in T order (then line order). */
function bookRows(files: readonly string[]): Row[] {
  const rows: Row[] = [];
  let seq = 0;
  for (const f of files) {
    for (const line of gunzipSync(readFileSync(f)).toString('utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp < 0) continue;
      const body = line.slice(sp + 1);
      if (body.includes('"e":"trade"')) continue;
      const m = JSON.parse(body) as Record<string, unknown>;
      const d = (m['data'] ?? m) as Record<string, unknown>;
      const T = (d['T'] ?? d['E']) as number;
      const kind = d['e'] === 'depthUpdate' ? 'depth' : d['e'] === 'bookTicker' ? 'bbo' : 'snap';
      rows.push({ T, seq: seq++, kind, d });
    }
  }
  return rows.sort((a, b) => a.T - b.T || a.seq - b.seq);
}

/** The touch (best bid, best ask) just before exchange time `at` (ms) for each of `times`: the newest of the depth book and the bookTicker by update id. */
function touchesAt(rows: readonly Row[], times: readonly number[]): Map<number, { bid: number; ask: number }> {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let lastU = -1;
  let bbo: { u: number; bid: number; ask: number } | undefined;
  const out = new Map<number, { bid: number; ask: number }>();
  const sorted = [...times].sort((a, b) => a - b);
  let k = 0;
  const touch = () => {
    if (bbo !== undefined && bbo.u >= lastU) return { bid: bbo.bid, ask: bbo.ask };
    return { bid: Math.max(...bids.keys()), ask: Math.min(...asks.keys()) };
  };
  const apply = (into: Map<number, number>, levels: [string, string][]) => {
    for (const [p, q] of levels) Number(q) > 0 ? into.set(Number(p), Number(q)) : into.delete(Number(p));
  };
  for (const r of rows) {
    while (k < sorted.length && sorted[k]! < r.T) out.set(sorted[k]!, touch()), k++;
    if (r.kind === 'snap') {
      bids.clear();
      asks.clear();
      apply(bids, r.d['bids'] as [string, string][]);
      apply(asks, r.d['asks'] as [string, string][]);
      lastU = r.d['lastUpdateId'] as number;
    } else if (r.kind === 'depth') {
      if (lastU < 0 || (r.d['u'] as number) < lastU) continue;
      apply(bids, r.d['b'] as [string, string][]);
      apply(asks, r.d['a'] as [string, string][]);
      lastU = r.d['u'] as number;
    } else bbo = { u: r.d['u'] as number, bid: Number(r.d['b']), ask: Number(r.d['a']) };
  }
  return out;
}

const csv = (path: string): Record<string, string>[] => {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
};

test("the hedge's taker orders meet the perpetual's book of their arrival: no fill better than the touch the raw capture showed then (a bookTicker published after a sweep no longer holds the swept levels on the book)", () => {
  const raw = sharedUsdmFiles();
  const out = join(dir, 'hedged');
  execFileSync(process.execPath, cliArgs('backtest', '--config', join(REPO_ROOT, 'config', 'examples', 'hedged.yaml'), '--events', ensureSharedSpot0808Arrow(), ensureSharedUsdmArrow(), '--out', out, '--json'), { cwd: CLI_CWD, encoding: 'utf8' });
  const orders = new Map(csv(join(out, 'usdm', 'orders.csv')).map((o) => [o['order_id']!, o]));
  const fills = csv(join(out, 'usdm', 'fills.csv')).filter((f) => f['liquidity'] === 'taker');
  assert.ok(fills.length > 10, `the hedge's taker fills: ${fills.length}`);
  const arrivals = fills.map((f) => Number(orders.get(f['order_id']!)!['arrived_us']) / 1000);
  const touch = touchesAt(bookRows(raw), arrivals);
  const better = fills.filter((f, i) => {
    const t = touch.get(arrivals[i]!)!;
    const px = Number(f['price']);
    return f['side'] === 'buy' ? px < t.ask - 1e-9 : px > t.bid + 1e-9;
  });
  assert.deepEqual(better.map((f) => `${f['side']} ${f['qty']} at ${f['price']} (order ${f['order_id']})`), [], 'taker fills better than the touch at arrival');

  // verify-fills: a buy taking 0.002 at 61620.3 when it arrives at 23:58:39.708 (exchange time) is refused: the
  // asks up to 61661.6 were swept at …672, which the depth message and the bookTicker of that update both say
  // (their T); the bookTicker was published only at …732.
  const hedge = join(out, 'usdm');
  assert.equal(verifyFills(hedge, raw).violations_total, 0);
  const d = join(dir, 'stale');
  cpSync(hedge, d, { recursive: true });
  const arrive = '1723161519708000';
  const fl = readFileSync(join(hedge, 'fills.csv'), 'utf8').trimEnd().split('\n');
  const ol = readFileSync(join(hedge, 'orders.csv'), 'utf8').trimEnd().split('\n');
  const id = '9999';
  ol.push([id, 'buy', '61620.3', '0.002', String(Number(arrive) - 8000), arrive, arrive, 'filled', ''].join(','));
  fl.push([String(Number(arrive) / 1000 + 8), 'buy', '61620.3', '0.002', '0.0616203000', 'taker', id, '263', arrive, ''].join(','));
  writeFileSync(join(d, 'orders.csv'), ol.join('\n') + '\n');
  writeFileSync(join(d, 'fills.csv'), fl.join('\n') + '\n');
  const v = verifyFills(d, raw);
  assert.equal(v.violations.taker_price, 1, JSON.stringify(v.violations));
});
