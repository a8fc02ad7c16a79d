// Hedged market making on the shared captures (spot quoted, USD-M perpetual hedge): the split sums, cash and positions are conserved, hedge orders only meet the book after their latency, the README's figures come from the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TradingConfigSchema, hedgePlan, hedgeRecord, marketConfigs, runTickJob, runTickMarketsJob, type MarketJobResult } from '../../src/engine/index.js';
import { ensureSharedSpot0808Arrow } from '../fixtures/spot-0808-capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

const spot = ensureSharedSpot0808Arrow();
const usdm = ensureSharedUsdmArrow();
const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'hedged.yaml');

/** config/examples/hedged.yaml on the test's copies of the captures, with `hedge` fields over it. */
function example(hedge: Record<string, unknown> = {}) {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown> & { markets: Record<string, unknown>[]; hedge: Record<string, unknown> };
  raw.markets[0]!['events'] = spot;
  raw.markets[1]!['events'] = usdm;
  raw.hedge = { ...raw.hedge, ...hedge };
  const cfg = TradingConfigSchema.parse(raw);
  const ms = marketConfigs(cfg);
  return { cfg, ms, plan: hedgePlan(cfg, ms)! };
}

const runs = new Map<string, ReturnType<typeof runExample>>();
function runExample(mode: 'taker' | 'passive') {
  const { ms, plan } = example({ mode });
  const r = runTickMarketsJob(ms, {}, {}, undefined, [], plan);
  return { ms, r, rec: hedgeRecord(r) };
}
function hedged(mode: 'taker' | 'passive') {
  if (!runs.has(mode)) runs.set(mode, runExample(mode));
  return runs.get(mode)!;
}

test('the PnL split sums to the total PnL, taker and passive; fees and funding are the markets\' own', () => {
  for (const mode of ['taker', 'passive'] as const) {
    const { r, rec } = hedged(mode);
    const s = rec.pnl_split;
    const sum = s.quoting + s.hedging + s.basis + s.fees + s.funding;
    assert.ok(Math.abs(sum - s.total) < 1e-9, `${mode}: ${sum} vs ${s.total}`);
    const [a, b] = r.markets as [MarketJobResult, MarketJobResult];
    assert.ok(Math.abs(s.total - (a.metrics.total_pnl + b.metrics.total_pnl)) < 1e-9);
    assert.ok(Math.abs(s.fees + a.metrics.fees + b.metrics.fees) < 1e-12);
    assert.equal(s.funding, b.metrics.pnl_funding);
    assert.ok(b.metrics.funding_payments === 1 && s.funding !== 0, `${mode}: the hedge holds a position at 00:00 and pays or receives funding`);
    assert.ok(Math.abs(s.quoting - (a.metrics.total_pnl + a.metrics.fees)) < 1e-9, 'quoting: the spot leg before fees');
    assert.ok(b.metrics.fills > 5, `${mode}: the hedge traded (${b.metrics.fills} fills)`);
  }
});

test('the quoted market trades exactly as quoting it alone (the hedge never moves its quotes)', () => {
  const { ms, r } = hedged('taker');
  const alone = runTickJob(ms[0]!.config);
  const a = r.markets[0]!;
  const fills = (f: typeof a.core.fills) => Array.from({ length: f.length }, (_, i) => [f.ts[i], f.side[i], f.price[i], f.qty[i], f.fee[i]].join(',')).join('\n');
  assert.equal(fills(a.core.fills), fills(alone.core.fills));
  assert.equal(a.metrics.total_pnl, alone.metrics.total_pnl);
  assert.equal(a.metrics.max_abs_inventory, alone.metrics.max_abs_inventory);
});

test('cash and positions are conserved in both markets: the books equal an independent replay of the fills', () => {
  for (const mode of ['taker', 'passive'] as const) {
    const { r } = hedged(mode);
    for (const m of r.markets) {
      const f = m.core.fills;
      const p = m.core.portfolio;
      let pos = 0;
      let flow = 0; // Σ side × qty × price
      let fees = 0;
      for (let i = 0; i < f.length; i++) {
        pos += f.side[i]! * f.qty[i]!;
        flow += f.side[i]! * f.qty[i]! * f.price[i]!;
        fees += f.fee[i]!;
      }
      assert.ok(Math.abs(p.position - pos) < 1e-9, `${mode} ${m.name}: position`);
      const mark = m.core.view.mid;
      const funding = (m.funding ?? []).reduce((x, y) => x + y.amount, 0);
      // Spot: cash pays for what is bought. Perpetual (1 BTC a contract): no notional changes hands.
      if (m.name === 'spot') assert.ok(Math.abs(p.cash - (p.initialCash - flow - fees)) < 1e-6, `${mode} spot: cash`);
      const equity = p.initialCash + pos * mark - flow - fees + funding;
      assert.ok(Math.abs(p.equity(mark) - equity) < 1e-6, `${mode} ${m.name}: equity ${p.equity(mark)} vs ${equity}`);
    }
  }
});

test('every hedge order is decided on the timer, reaches the perpetual after its 8 ms entry latency, and fills only from then on, within its limit, with the taker fee', () => {
  const { r } = hedged('taker');
  const b = r.markets[1]!;
  const au = b.exchange.audit;
  assert.ok(au.length > 5);
  const arrival = new Map<number, { arrived: number; price: number; side: number }>();
  for (let i = 0; i < au.length; i++) {
    assert.equal(au.sent[i]! % 100_000, 0, 'sent at a decision of the 100 ms grid');
    assert.equal(au.arrived[i]! - au.sent[i]!, 8_000);
    arrival.set(au.id[i]!, { arrived: au.arrived[i]!, price: au.price[i]!, side: au.side[i]! });
  }
  const f = b.core.fills;
  for (let i = 0; i < f.length; i++) {
    const o = arrival.get(f.clientId[i]!)!;
    assert.equal(f.taker[i], 1);
    assert.ok(b.stats.exchangeTs[i]! >= o.arrived, 'filled at or after its arrival');
    assert.ok(o.side > 0 ? f.price[i]! <= o.price + 1e-9 : f.price[i]! >= o.price - 1e-9, 'within its limit');
    assert.ok(Math.abs(f.fee[i]! - f.price[i]! * f.qty[i]! * 0.0005) < 1e-9, 'taker fee 5 bps');
  }
});

/** The numbers of a README table row that starts with `label`. */
function readmeRow(label: string): number[] {
  const line = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith(`| ${label} |`));
  assert.ok(line !== undefined, `README row '${label}'`);
  return line.split('|').slice(2, -1).map((c) => Number(c.trim().replace(/,/g, '').replace('−', '-')));
}

/** `x` as shown with the decimals of `shown` (the README's rounding). */
function agrees(x: number, shown: number): boolean {
  const d = String(shown).split('.')[1]?.length ?? 0;
  return Math.abs(x - shown) <= 0.5 * 10 ** -d + 1e-12;
}

test("README's hedged table: `backtest --config config/examples/hedged.yaml --events SPOT PERP [--hedge-mode passive]` writes every figure", () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-hedged-'));
  try {
    const out = join(dir, 'run');
    execFileSync(process.execPath, cliArgs('backtest', '--config', EXAMPLE, '--events', spot, usdm, '--out', out, '--json'), { cwd: CLI_CWD, encoding: 'utf8' });
    const book = (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { book: Record<string, any> }).book;
    const h = book['hedge'];
    const s = book['pnl_split'];
    const alone = h.quoted_alone;
    const passive = join(dir, 'passive');
    execFileSync(process.execPath, cliArgs('backtest', '--config', EXAMPLE, '--hedge-mode', 'passive', '--events', spot, usdm, '--out', passive, '--json'), { cwd: CLI_CWD, encoding: 'utf8' });
    const pb = (JSON.parse(readFileSync(join(passive, 'metrics.json'), 'utf8')) as { book: Record<string, any> }).book;
    const ph = pb['hedge'];
    const ps = pb['pnl_split'];
    assert.equal(ph.mode, 'passive');
    const rows: [string, number[]][] = [
      ['spot alone', [alone.inventory.max_abs, alone.inventory.std, alone.pnl_split.quoting, 0, 0, alone.pnl_split.fees, alone.pnl_split.funding, alone.total_pnl]],
      ['spot + USD-M hedge (taker)', [h.net_inventory.max_abs, h.net_inventory.std, s.quoting, s.hedging, s.basis, s.fees, s.funding, s.total]],
      ['spot + USD-M hedge (passive)', [ph.net_inventory.max_abs, ph.net_inventory.std, ps.quoting, ps.hedging, ps.basis, ps.fees, ps.funding, ps.total]],
    ];
    for (const [label, want] of rows) {
      const got = readmeRow(label);
      assert.equal(got.length, want.length, label);
      got.forEach((g, k) => assert.ok(agrees(want[k]!, g), `README '${label}' column ${k + 1}: shows ${g}, the run gives ${want[k]}`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the paper replay on the event clock (realtime --clock event) hedges as the backtest does: the same fills in each market, the same split', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-hedged-paper-'));
  try {
    const line = execFileSync(process.execPath, cliArgs('realtime', '--config', EXAMPLE, '--replay', spot, usdm, '--clock', 'event', '--out-dir', dir), { cwd: CLI_CWD, encoding: 'utf8' });
    const runDir = (JSON.parse(line.trim().split('\n').pop()!) as { run_dir: string }).run_dir;
    const { r, rec } = hedged('taker');
    for (const m of r.markets) {
      const rows = readFileSync(join(runDir, m.name, 'fills.csv'), 'utf8').trim().split('\n').slice(1);
      const f = m.core.fills;
      assert.equal(rows.length, f.length, `${m.name}: fills`);
      rows.forEach((row, i) => {
        const c = row.split(',');
        assert.ok(Math.abs(Number(c[0]) * 1000 - f.ts[i]!) < 1, `${m.name} fill ${i}: time`);
        assert.equal(Number(c[2]), f.price[i], `${m.name} fill ${i}: price`);
      });
    }
    const book = (JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')) as { book: Record<string, any> }).book;
    assert.deepEqual(book['pnl_split'], rec.pnl_split);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
