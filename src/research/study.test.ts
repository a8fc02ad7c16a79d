// The market study: variance ratios on known series, simulated markets with known memory, and the real 1m file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/index.js';
import { loadKlines, readEvents, simulateBars, defaultSimulateParams } from '../data/index.js';
import { EventFlag, EventType, L2Book, eventRows } from '../market/index.js';
import { bookAtSeconds, studyBars, varianceRatio } from './study.js';
import { KLINES_1M } from '../../test/fixtures/shared-data.js';
import { EventBuilder } from '../../test/fixtures/tick-events.js';
import { ensureSharedCaptureArrow } from '../../test/fixtures/capture.js';

test('variance ratio: 0 for a perfect bounce, about 1 for independent returns', () => {
  const bounce = Float64Array.from({ length: 1000 }, (_, i) => (i % 2 ? -0.001 : 0.001));
  assert.ok(varianceRatio(bounce, 2).value < 0.01);
  const rng = new Rng(4);
  const iid = Float64Array.from({ length: 20_000 }, () => rng.normal() * 0.001);
  for (const q of [2, 5, 15, 60]) {
    const v = varianceRatio(iid, q);
    assert.ok(Math.abs(v.z) < 3.5, `q ${q}: VR ${v.value}, z ${v.z}`);
  }
});

test('simulated markets: a random walk shows no memory, a mean-reverting one shows it, vol as set', () => {
  const base = { ...defaultSimulateParams, seed: 3, bars: 20_000, regimeSwitchProb: 0 };
  const walk = studyBars(simulateBars(base).bars);
  assert.ok(Math.abs(walk.returns.autocorrelation[0]!.value) < 0.03);
  for (const v of walk.returns.variance_ratio) assert.ok(Math.abs(v.z) < 3.5, `walk VR(${v.bars}) z ${v.z}`);
  const expectedVol = base.volPerBar * Math.sqrt((365 * 86_400) / base.barSeconds) * 100;
  assert.ok(Math.abs(walk.returns.annualised_vol_pct / expectedVol - 1) < 0.05, `${walk.returns.annualised_vol_pct} vs ${expectedVol}`);
  assert.ok(Math.abs(walk.returns.kurtosis - 3) < 0.3);
  const mr = studyBars(simulateBars({ ...base, meanReversion: 0.05 }).bars);
  const vr = (s: typeof mr, q: number) => s.returns.variance_ratio.find((v) => v.bars === q)!;
  assert.ok(vr(mr, 15).value < 0.8 && vr(mr, 15).z < -5, JSON.stringify(vr(mr, 15)));
  assert.ok(vr(mr, 60).value < vr(mr, 15).value);
  // Homoskedastic returns: the robust statistic agrees with the plain one.
  for (const v of [...walk.returns.variance_ratio, ...mr.returns.variance_ratio]) assert.ok(Math.abs(v.z_robust - v.z) < 0.15 * Math.abs(v.z) + 0.3, JSON.stringify(v));
});

test('the real 1m file: fat tails, a full grid, every hour of the day', () => {
  const bars = loadKlines(KLINES_1M).bars;
  const s = studyBars(bars);
  assert.equal(s.bars, 41_761);
  assert.equal(s.missing_bars, 0);
  assert.ok(s.returns.annualised_vol_pct > 20 && s.returns.annualised_vol_pct < 150, String(s.returns.annualised_vol_pct));
  assert.ok(s.returns.kurtosis > 10, 'crypto minute returns are far from normal');
  // Volatility clustering: the plain z overstates the variance ratios' significance.
  for (const v of s.returns.variance_ratio) assert.ok(Math.abs(v.z_robust) < Math.abs(v.z), JSON.stringify(v));
  assert.equal(s.hourly.length, 24);
  assert.equal(s.hourly.reduce((a, h) => a + h.bars, 0), bars.length - 1);
  assert.ok(s.intensity.k_per_price_unit > 0);
  assert.ok(s.price.min <= s.price.first && s.price.first <= s.price.max);
});

test('the book at each second of the capture: the state before the boundary, unchanged by anything after it', () => {
  const ev = readEvents(ensureSharedCaptureArrow());
  const tick = 0.01;
  const full = bookAtSeconds(ev, tick);
  const sec = (i: number): number => Math.floor((ev.tsExchange[i]! - full.first) / 1e6);
  const same = (x: number, y: number): boolean => x === y || (x !== x && y !== y);
  // A replay of a prefix agrees on every boundary the prefix reached.
  for (const k of [Math.floor(ev.length * 0.1), Math.floor(ev.length * 0.37), Math.floor(ev.length * 0.8)]) {
    const p = bookAtSeconds(eventRows(ev, 0, k), tick);
    let reached = -1;
    for (let i = 0; i < k; i++) reached = Math.max(reached, sec(i));
    assert.ok(reached > 10);
    for (let b = 0; b <= Math.min(reached, p.seconds); b++) {
      assert.ok(same(p.mid[b]!, full.mid[b]!) && same(p.spreadTicks[b]!, full.spreadTicks[b]!) && same(p.bidQty[b]!, full.bidQty[b]!), `cut ${k}, boundary ${b}`);
    }
  }
  // And each boundary holds what a plain replay of the rows before it ends with.
  for (const b of [5, 120, 333, 600]) {
    let j = 0;
    while (j < ev.length && sec(j) < b) j++;
    const book = new L2Book(tick);
    let mid = Number.NaN;
    for (let i = 0; i < j; i++) {
      if (ev.type[i] === EventType.Trade) continue;
      book.apply(ev, i);
      if ((ev.flags[i]! & EventFlag.EndOfMessage) === 0) continue;
      const bid = book.bestBid();
      const ask = book.bestAsk();
      if (bid > 0 && ask > bid) mid = (bid + ask) / 2;
    }
    assert.equal(full.mid[b], mid, `boundary ${b}`);
  }
});

test('the event study samples no second inside a gap of the depth stream (the book unknown until the snapshot that resyncs it)', () => {
  const S = 1_000_000;
  const b = new EventBuilder().snapshot(0, [[100, 1]], [[100.02, 1]]);
  for (let s = 1; s <= 9; s++) {
    if (s === 3) b.gap(3 * S);
    if (s === 6) b.snapshot(6.5 * S, [[100, 2]], [[100.02, 2]]);
    b.delta(s * S + 100_000, [[1, 100, 1 + s]]).trade(s * S + 200_000, 1, 100.02, 0.1);
  }
  const bs = bookAtSeconds(b.build(), 0.01);
  const known = Array.from(bs.mid, (m) => m === m);
  // Seconds 4..6 stand inside the gap (each takes the book as it was before the second's first row).
  assert.deepEqual(known.slice(1, 9), [true, true, true, false, false, false, true, true]);
});
