// The kill switch of paper on the event clock: the halt file is polled on the wall clock between decisions; one found halts the replay (every order cancelled, nothing quoted after), journaled and named in the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventColumns } from '../../src/market/index.js';
import type { MarketView, QuoteTarget, Strategy } from '../../src/strategy/index.js';
import { pollHaltFiles, runEventReplay, runTickJob, type TickBacktest } from '../../src/engine/index.js';
import { HaltFile, haltFileText } from '../../src/risk/index.js';
import { Ledger } from '../../src/ledger/index.js';
import { EventBuilder } from '../fixtures/tick-events.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { ensureSharedUsdmArrow } from '../fixtures/usdm-capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const MS = 1000;
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

/** Quotes 100.00 / 100.02 − its decision count in ticks (a new price at every decision: every decision sends orders); at its decision `at` it writes the halt file. */
class Moving implements Strategy {
  readonly name = 'moving';
  decisions: number[] = [];
  constructor(
    private readonly haltPath: string,
    private readonly at: number,
  ) {}
  decide(v: Readonly<MarketView>, out: QuoteTarget): void {
    this.decisions.push(v.now);
    if (this.decisions.length === this.at) writeFileSync(this.haltPath, haltFileText('operator stop'));
    const k = this.decisions.length % 5;
    out.bidPrice = Math.round((99.95 - k * 0.01) * 100) / 100;
    out.askPrice = Math.round((100.07 + k * 0.01) * 100) / 100;
    out.bidQty = out.askQty = 1;
    out.reservation = Number.NaN;
  }
}

/** A book at 100.00 / 100.02 for 2 s of exchange time, a diff every 50 ms. */
function market(): EventColumns {
  const b = new EventBuilder().snapshot(0, [[100, 5]], [[100.02, 5]]);
  for (let t = 50 * MS; t <= 2_000 * MS; t += 50 * MS) b.delta(t, [[1, 99.99, (t / (50 * MS)) % 3]]);
  return b.build();
}

const cfg = flatConfig({ order_qty: 1, max_inventory_qty: 100, order_latency_ms: 10, feed_latency_ms: 0, decision_interval_ms: 100, sample_interval_ms: 100, queue: 'risk-averse', risk: { max_order_qty: 10, price_band_fraction: 0.5, max_orders_per_window: 100_000 } });

test('paper on the event clock: a halt file found before a decision halts the session there (kill switch, every order cancelled, nothing placed after) and the ledger holds it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-event-halt-'));
  const haltPath = join(dir, 'HALT');
  const strategy = new Moving(haltPath, 6);
  const ledger = new Ledger(':memory:');
  try {
    ledger.startRun({ runId: 'paper_event_halt', mode: 'paper', exchange: 'binance', symbol: cfg.market.symbol, config: cfg, initialCash: cfg.capital }, new Date(0));
    // Polled at every decision (no wall-clock interval): the file written during decision 6 halts decision 7.
    const r = runEventReplay(cfg, market(), ledger, { strategy, haltFiles: [new HaltFile(haltPath, 0)] });
    assert.equal(strategy.decisions.length, 6, 'the strategy is not asked once halted');
    const haltTs = strategy.decisions[5]! + 100 * MS;
    const risk = ledger.db.prepare<[], { ts: number; kind: string; condition: string; to_state: string; reason: string }>('SELECT ts, kind, condition, to_state, reason FROM risk_events WHERE condition IS NOT NULL ORDER BY id').all();
    assert.deepEqual(risk, [{ ts: haltTs, kind: 'raised', condition: 'kill-switch', to_state: 'halted', reason: `halt file ${haltPath}: operator stop` }]);
    assert.equal(r.metrics.risk.final_state, 'halted');
    assert.deepEqual(
      r.metrics.risk.halts.map((h) => h.condition),
      ['kill-switch'],
    );
    const placedAfter = ledger.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM orders WHERE created_ts > ?').get(haltTs)!.n;
    assert.equal(placedAfter, 0, 'nothing placed after the halt');
    const placedBefore = ledger.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM orders').get()!.n;
    assert.ok(placedBefore >= 6, `orders before the halt: ${placedBefore}`);
    // The halt cancelled what rested: every cancel of the run was asked at or before the halt's decision.
    const cancels = ledger.db.prepare<[], { ts: number }>("SELECT ts FROM order_events WHERE type = 'cancel-requested' ORDER BY ts").all();
    assert.ok(cancels.length > 0 && cancels.every((c) => c.ts <= haltTs), JSON.stringify(cancels));
  } finally {
    ledger.close();
  }
});

test('the event clock polls the halt file on the wall clock: at most once per its interval of wall time, whatever market time passes between decisions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-event-halt-'));
  const haltPath = join(dir, 'HALT');
  const strategy = new Moving(haltPath, 3);
  // A wall clock that moves 40 ms at each reading: with a 200 ms interval the file is read at wall times
  // 0, 200, 400 ms …: at the 1st, 6th, 11th … decision. Written during decision 3, it halts decision 6.
  let wall = 0;
  const polls: number[] = [];
  const r = runTickJob(cfg, [market()], {
    strategy,
    onDriver: (d: TickBacktest) =>
      pollHaltFiles(d, [new HaltFile(haltPath, 200)], () => {
        polls.push(wall);
        return (wall += 40) - 40;
      }),
  });
  assert.equal(strategy.decisions.length, 5, 'decisions 4 and 5 quote: the file is not read again until 200 ms of wall time');
  assert.equal(r.metrics.risk.final_state, 'halted');
  assert.equal(r.metrics.risk.halts[0]!.condition, 'kill-switch');
  assert.equal(r.metrics.risk.halts[0]!.ts, new Date((strategy.decisions[4]! + 100 * MS) / 1000).toISOString());
  assert.ok(polls.length > 10, 'polled before every decision, halted or not');
});

test('realtime --clock event --halt-file: a standing halt is announced and the replay quotes nothing; the summary names it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-event-halt-'));
  const haltPath = join(dir, 'HALT');
  writeFileSync(haltPath, haltFileText('maintenance'));
  const config = join(dir, 'cfg.yaml');
  writeFileSync(config, ['capital: 10000', 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', ''].join('\n'));
  const out = join(dir, 'out');
  const r = cli(['realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '60s', '--out-dir', out, '--halt-file', haltPath]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^halted: a halt is standing \(halt file .*HALT: maintenance\)/);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { trading_state: string; halted_by?: string; fills: number };
  assert.equal(summary.trading_state, 'halted');
  assert.equal(summary.halted_by, `halt file ${haltPath}: maintenance`);
  assert.equal(summary.fills, 0);
  const ledger = new Ledger(join(out, readdirSync(out).find((f) => f.endsWith('_ledger.sqlite'))!));
  try {
    assert.equal(ledger.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM orders').get()!.n, 0, 'no order placed');
    assert.equal(ledger.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM risk_events WHERE condition = 'kill-switch' AND kind = 'raised'").get()!.n, 1);
  } finally {
    ledger.close();
  }
  assert.ok(existsSync(haltPath), 'the halt file stays (only halt --clear removes it)');
});

test('realtime --clock event with several markets: <halt file>.<market> halts that market alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-event-halt-'));
  const haltPath = join(dir, 'HALT');
  writeFileSync(`${haltPath}.spot`, haltFileText('spot only'));
  const config = join(dir, 'two.yaml');
  writeFileSync(
    config,
    [
      'capital: 20000',
      'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }',
      'markets:',
      '  - { name: spot, symbol: BTC/USDT }',
      '  - { name: usdm, symbol: BTC/USDT:USDT, tick_size: 0.1, lot_size: 0.001 }',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'out');
  const r = cli(['realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), ensureSharedUsdmArrow(), '--clock', 'event', '--duration', '60s', '--out-dir', out, '--halt-file', haltPath]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { markets: { name: string; trading_state: string; halted_by?: string; ledger: string }[] };
  const [spot, usdm] = summary.markets;
  assert.equal(spot!.trading_state, 'halted');
  assert.equal(spot!.halted_by, `halt file ${haltPath}.spot: spot only`);
  assert.notEqual(usdm!.trading_state, 'halted');
  assert.equal(usdm!.halted_by, undefined);
  const orders = (path: string): number => {
    const l = new Ledger(path);
    try {
      return l.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM orders').get()!.n;
    } finally {
      l.close();
    }
  };
  assert.equal(orders(spot!.ledger), 0, 'the halted market placed nothing');
  assert.ok(orders(usdm!.ledger) > 0, 'the other market quoted');
});
