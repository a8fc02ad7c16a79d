// backtest --events A B and realtime --clock event with two markets (the shared spot and USD-M captures): one run folder, and paper ≡ backtest per market.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

const CONFIG = [
  'capital: 20000',
  'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }',
  'sim: { queue: power:2, maker_fee_bps: -0.5, feed_latency_ms: 5 }',
  'risk: { warn_fraction: 1 }',
  'portfolio: { max_loss: 50, max_drawdown: 60, max_notional: 5000 }',
  'markets:',
  '  - { name: spot, symbol: BTC/USDT }',
  '  - { name: usdm, symbol: BTC/USDT:USDT, tick_size: 0.1, lot_size: 0.001, sim: { maker_fee_bps: 2, entry_latency_ms: 8 } }',
  '',
].join('\n');

test('two markets: backtest --events A B writes the book and each market; realtime --clock event gives each market the same fills byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-markets-cli-'));
  const config = join(dir, 'two.yaml');
  writeFileSync(config, CONFIG);
  const files = [ensureSharedCaptureArrow(), ensureSharedUsdmArrow()];

  const bt = cli(['backtest', '--config', config, '--events', ...files, '--out', join(dir, 'bt'), '--json']);
  assert.equal(bt.status, 0, bt.stderr);
  const line = JSON.parse(bt.stdout) as { markets: { name: string; fills: number }[]; total_pnl: number };
  assert.deepEqual(line.markets.map((m) => m.name), ['spot', 'usdm']);
  assert.ok(line.markets.every((m) => m.fills > 20), bt.stdout);
  assert.deepEqual(readdirSync(join(dir, 'bt')).filter((f) => !f.startsWith('.')).sort(), ['config.json', 'metrics.json', 'spot', 'usdm']);
  const metrics = JSON.parse(readFileSync(join(dir, 'bt', 'metrics.json'), 'utf8')) as { book: { total_pnl: number; fills: number; markets: number; limits: unknown }; markets: Record<string, { total_pnl: number; fills: number; risk: unknown }> };
  assert.equal(metrics.book.markets, 2);
  assert.equal(metrics.book.fills, metrics.markets['spot']!.fills + metrics.markets['usdm']!.fills);
  assert.ok(Math.abs(metrics.book.total_pnl - (metrics.markets['spot']!.total_pnl + metrics.markets['usdm']!.total_pnl)) < 1e-6);
  assert.deepEqual(metrics.book.limits, { max_notional: 5000, max_loss: 50, max_drawdown: 60 });
  for (const m of ['spot', 'usdm']) assert.deepEqual(readdirSync(join(dir, 'bt', m)).sort(), ['config.json', 'fills.csv', 'metrics.json', 'metrics.schema.json', 'orders.csv', 'trace.csv']);

  const out = join(dir, 'paper');
  const rt = cli(['realtime', '--config', config, '--replay', ...files, '--clock', 'event', '--out-dir', out, '--quiet']);
  assert.equal(rt.status, 0, rt.stderr);
  const run = readdirSync(out).find((f) => f !== '.marketmakerl' && !f.endsWith('.sqlite') && !f.endsWith('.lock'))!;
  for (const m of ['spot', 'usdm']) {
    for (const f of ['fills.csv', 'trace.csv']) assert.equal(readFileSync(join(out, run, m, f), 'utf8'), readFileSync(join(dir, 'bt', m, f), 'utf8'), `${m}/${f}: paper replay ≡ backtest`);
    // Every order the same, but those the backtest leaves open: the paper stop cancels them.
    const rows = (d: string) => readFileSync(join(d, m, 'orders.csv'), 'utf8').trimEnd().split('\n');
    const [po, bo] = [rows(join(out, run)), rows(join(dir, 'bt'))];
    assert.equal(po.length, bo.length, `${m}: orders`);
    bo.forEach((r, i) => {
      if (!r.includes(',open,')) assert.equal(po[i], r, `${m}: order row ${i}`);
    });
    const a = metrics.markets[m]!;
    const b = (JSON.parse(readFileSync(join(out, run, 'metrics.json'), 'utf8')) as typeof metrics).markets[m]!;
    assert.deepEqual([b.fills, b.total_pnl, b.risk], [a.fills, a.total_pnl, a.risk], `${m}: metrics`);
    const ledger = new Ledger(join(out, `${run}_${m}_ledger.sqlite`));
    try {
      assert.deepEqual(checkLedgerInvariants(ledger.db), []);
      const n = (ledger.db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
      assert.ok(n >= a.fills, `${m}: ledger fills ${n}, replay fills ${a.fills}`);
      const open = (ledger.db.prepare("SELECT count(*) AS n FROM orders WHERE status IN ('pending-new', 'open', 'pending-cancel')").get() as { n: number }).n;
      assert.equal(open, 0, `${m}: the stop cancelled every order`);
    } finally {
      ledger.close();
    }
  }
});

test('several markets: bad input is one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-markets-cli-'));
  const config = join(dir, 'two.yaml');
  writeFileSync(config, CONFIG);
  const spot = ensureSharedCaptureArrow();
  const cases: [string[], RegExp][] = [
    [['backtest', '--config', config, '--events', spot], /^error: --events: 1 event file for 2 markets; give one per market/],
    [['realtime', '--config', config, '--symbols', 'BTC/USDT,ETH/USDT'], /^error: --symbols: the config names its markets \(markets:\); give one or the other/],
    [['realtime', '--symbols', 'BTC/USDT,BTC/USDT'], /^error: --symbols: a symbol is listed twice in 'BTC\/USDT,BTC\/USDT'/],
    [['realtime', '--config', config, '--replay', spot], /^error: --events: 1 event file for 2 markets/],
    [['realtime', '--config', config, '--replay', spot, spot, '--clock', 'event', '--ledger', join(dir, 'l.sqlite')], /^error: --ledger: several markets keep one ledger each/],
    [['realtime', '--config', config, '--replay', spot, spot, '--clock', 'event', '--record', join(dir, 'r.arrow')], /^error: --record: an event-clock replay of several markets receives exactly its recordings/],
    [['realtime', '--config', config, '--replay', spot, spot, '--record', join(dir, 'r.txt')], /^error: --record: expected an event file name ending in \.arrow/],
    [['analyze', '--config', config, '--events', spot, '--out', join(dir, 'an')], /^error: .*markets: the analysis sweeps one market/],
    [['run', '--config', config], /^error: .*markets: the runtime trades one market/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
