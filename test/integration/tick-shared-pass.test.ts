// The tick shared pass: K strategies over one pass of the shared capture, each byte for byte its own single run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../../src/data/index.js';
import { runTickJob, runTickJobsShared, type TickJobResult, type TradingConfig } from '../../src/engine/index.js';
import { ordersCsv } from '../../src/sim/index.js';
import type { EventColumns } from '../../src/market/index.js';
import { flatConfig } from '../fixtures/trading-config.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { withBookGap } from '../fixtures/book-gaps.js';
import { EventFlag } from '../../src/market/index.js';

const events = readEvents(ensureSharedCaptureArrow());

/** The capture as a stream of small batches (views), so the window moves many times during a run. */
function batches(ev: EventColumns, from: number, to: number, size: number): Iterable<EventColumns> {
  return {
    *[Symbol.iterator]() {
      for (let i = from; i < to; i += size) {
        const j = Math.min(to, i + size);
        yield {
          type: ev.type.subarray(i, j),
          side: ev.side.subarray(i, j),
          flags: ev.flags.subarray(i, j),
          tsExchange: ev.tsExchange.subarray(i, j),
          publishDelay: ev.publishDelay.subarray(i, j),
          tsLocal: ev.tsLocal.subarray(i, j),
          price: ev.price.subarray(i, j),
          size: ev.size.subarray(i, j),
          id: ev.id.subarray(i, j),
          length: j - i,
        };
      }
    },
  };
}

/** Seventeen configurations that differ in every way a sweep varies them. */
function mixedConfigs(): TradingConfig[] {
  const out: TradingConfig[] = [];
  const models = ['as', 'glft'] as const;
  const queues = ['power:2', 'risk-averse', 'log', 'power:3'];
  const latencies = [0, 5, 50, 12];
  const feeds = [5, 0, 20];
  for (let k = 0; k < 17; k++) {
    const qty = [0.001, 0.01, 0.1][k % 3]!;
    out.push(
      flatConfig({
        model: models[k % 2],
        gamma: [0.0001, 0.001, 0.01][k % 3],
        horizon_seconds: 60,
        queue: queues[k % 4],
        order_qty: qty,
        max_inventory_qty: qty * (k % 5 === 0 ? 2 : 10),
        order_latency_ms: latencies[k % 4],
        feed_latency_ms: feeds[k % 3],
        maker_fee_bps: k % 2 === 0 ? -0.5 : 1,
        taker_fee_bps: 4,
        partial_fills: k % 7 !== 3,
        post_only: k % 6 !== 5,
        decision_interval_ms: [100, 250, 50][k % 3],
        sample_interval_ms: [1000, 500][k % 2],
        // Some members meet their risk limits: reducing and halted inside the pass.
        ...(k % 4 === 1 ? { risk: { max_drawdown: 0.5, daily_loss_limit: 1 } } : {}),
      }),
    );
  }
  return out;
}

/** Everything a run produces, as text: metrics, trace, fills, fill statistics, order audit, venue counters. */
function fingerprint(r: TickJobResult): string {
  const f = r.core.fills;
  const t = r.trace;
  const cols = (o: Record<string, unknown>, n: number, names: string[]): string =>
    names.map((k) => `${k}:${Array.from((o[k] as Float64Array).subarray(0, n)).join(',')}`).join('\n');
  return [
    JSON.stringify(r.metrics),
    JSON.stringify(r.resolved),
    cols(t as unknown as Record<string, unknown>, t.length, ['ts', 'mid', 'bid', 'ask', 'reservation', 'inventory', 'cash', 'equity', 'state']),
    `fills ${f.length}`,
    cols(f as unknown as Record<string, unknown>, f.length, ['ts', 'side', 'price', 'qty', 'fee', 'taker', 'clientId', 'sample']),
    JSON.stringify(r.exchange.stats),
    ordersCsv(r.exchange.audit, 2),
    `events ${r.events}`,
    Object.entries(r.stats)
      .filter(([, v]) => ArrayBuffer.isView(v))
      .map(([k, v]) => `${k}:${Array.from(v as Float64Array).join(',')}`)
      .join('\n'),
  ].join('\n');
}

function sameAsSingle(cfgs: TradingConfig[], from: number, to: number, batch: number, ev: EventColumns = events): TickJobResult[] {
  const shared = runTickJobsShared(cfgs, batches(ev, from, to, batch));
  assert.equal(shared.length, cfgs.length);
  cfgs.forEach((c, k) => {
    const single = runTickJob(c, batches(ev, from, to, batch));
    assert.equal(fingerprint(shared[k]!), fingerprint(single), `member ${k} of ${cfgs.length} differs from its own run`);
  });
  return shared;
}

test('K = 1: the shared pass is the single run', () => {
  const [r] = sameAsSingle(mixedConfigs().slice(0, 1), 0, events.length, 50_000);
  assert.ok(r!.core.fills.length > 0, 'the run fills');
});

test('K = 2 on a window of the capture in small batches: each member is its own run', () => {
  const a = flatConfig({ model: 'glft', gamma: 0.0001, horizon_seconds: 60, queue: 'power:2', order_qty: 0.01, max_inventory_qty: 0.1, order_latency_ms: 5, feed_latency_ms: 5, maker_fee_bps: -0.5 });
  const b = flatConfig({ model: 'as', gamma: 0.0001, horizon_seconds: 60, queue: 'power:3', order_qty: 0.001, max_inventory_qty: 0.01, order_latency_ms: 50, feed_latency_ms: 0, decision_interval_ms: 250 });
  const r = sameAsSingle([a, b], 20_000, Math.min(events.length, 200_000), 777);
  assert.ok(r.every((x) => x.core.fills.length >= 100), `fills: ${r.map((x) => x.core.fills.length).join(' ')}`);
});

test('K = 17 mixed models, sizes, queues, latencies, feeds, fees, fill rules, timers and risk limits: each member is its own run', () => {
  const shared = sameAsSingle(mixedConfigs(), 0, events.length, 4096);
  // The pass is not vacuous: members fill, differ from each other, and some meet their risk limits.
  const fills = shared.map((r) => r.core.fills.length);
  assert.ok(fills.filter((n) => n > 0).length >= 12, `members with fills: ${fills.join(' ')}`);
  assert.ok(new Set(shared.map((r) => r.metrics.total_pnl)).size >= 12, 'members differ');
  const states = shared.map((r) => JSON.stringify(r.metrics.risk ?? {}));
  assert.ok(states.some((s) => s.includes('halted')), 'a member halts inside the pass');
});

test('members that replay different books cannot share a pass', () => {
  const a = flatConfig({ model: 'as', order_qty: 0.01 });
  const b = flatConfig({ model: 'as', order_qty: 0.01, market: { tick_size: 0.1 } });
  assert.throws(() => runTickJobsShared([a, b], batches(events, 0, 10_000, 5_000)), /replay one book/);
});

test('runs that end anywhere (40 short windows of the capture, answers in flight at the end): each member is its own run', () => {
  // Two members share a local group (same feed, timer and estimators), one does not; 50 ms order latency
  // leaves answers in flight when the rows run out.
  const base = { horizon_seconds: 60, queue: 'power:2', order_latency_ms: 50, feed_latency_ms: 5, maker_fee_bps: -0.5, intensity_min_trades: 5 };
  const cfgs = [
    flatConfig({ ...base, model: 'glft', gamma: 0.0001, order_qty: 0.01, max_inventory_qty: 0.1 }),
    flatConfig({ ...base, model: 'as', gamma: 0.001, order_qty: 0.001, max_inventory_qty: 0.01 }),
    flatConfig({ ...base, model: 'as', gamma: 0.0001, order_qty: 0.01, max_inventory_qty: 0.1, decision_interval_ms: 30, sample_interval_ms: 70 }),
  ];
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let w = 0; w < 40; w++) {
    const from = Math.floor(rnd() * (events.length - 40_000));
    const to = from + 2_000 + Math.floor(rnd() * 30_000);
    sameAsSingle(cfgs, from, to, 1_000 + Math.floor(rnd() * 9_000));
  }
});

test('gaps in the depth stream (one resynced by a snapshot, one open to the end): each member is its own run, and each met them', () => {
  // The first row of a message at or after `i`.
  const boundary = (ev: EventColumns, i: number): number => {
    while (i > 0 && (ev.flags[i - 1]! & EventFlag.EndOfMessage) === 0) i++;
    return i;
  };
  const once = withBookGap(events, boundary(events, 100_000), boundary(events, 160_000));
  const gapped = withBookGap(once, boundary(once, 330_000), undefined);
  const cfgs = mixedConfigs().slice(0, 6);
  const shared = sameAsSingle(cfgs, 0, gapped.length, 8192, gapped);
  for (const r of shared) {
    assert.equal(r.metrics.book_gaps.count, 2);
    assert.equal(r.metrics.book_gaps.open_at_end, true);
  }
  assert.ok(shared.some((r) => r.metrics.book_gaps.orders_requeued > 0 || r.metrics.book_gaps.fills_suppressed > 0), 'the gaps met resting orders');
  assert.ok(shared.every((r) => r.metrics.risk.transitions.some((t) => t.condition === 'book-gap')), 'every member halted for them');
});
