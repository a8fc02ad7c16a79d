// Simulated bars: consistent, seeded, and with the volatility they were asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateBars, defaultSimulateParams } from './simulate.js';
import { firstInconsistentBar } from '../market/index.js';

test('bars are consistent (low ≤ open, close ≤ high) under every regime and process', () => {
  for (const process of ['gbm', 'arithmetic'] as const) {
    const { bars } = simulateBars({ ...defaultSimulateParams, bars: 3000, process, volPerBar: process === 'gbm' ? 0.01 : 1, regimeSwitchProb: 0.05 });
    assert.equal(firstInconsistentBar(bars), -1);
  }
});

test('the same seed gives the same bars; another seed does not', () => {
  const a = simulateBars({ ...defaultSimulateParams, bars: 500 }).bars;
  const b = simulateBars({ ...defaultSimulateParams, bars: 500 }).bars;
  const c = simulateBars({ ...defaultSimulateParams, bars: 500, seed: 8 }).bars;
  assert.deepEqual(Buffer.from(a.close.buffer), Buffer.from(b.close.buffer));
  assert.notDeepEqual(Array.from(a.close), Array.from(c.close));
});

test('realised volatility matches the requested volatility in a single regime', () => {
  const { bars } = simulateBars({ ...defaultSimulateParams, bars: 20000, regimeSwitchProb: 0, volPerBar: 0.002, tickSize: 0.0001 });
  let s = 0;
  for (let i = 1; i < bars.length; i++) {
    const r = Math.log(bars.close[i]! / bars.close[i - 1]!);
    s += r * r;
  }
  const vol = Math.sqrt(s / (bars.length - 1));
  assert.ok(Math.abs(vol - 0.002) / 0.002 < 0.03, `got ${vol}`);
});

test('mean reversion pulls the price back to its anchor', () => {
  const { bars } = simulateBars({ ...defaultSimulateParams, bars: 5000, regimeSwitchProb: 0, meanReversion: 0.2, volPerBar: 0.002 });
  let maxDev = 0;
  for (let i = 1000; i < bars.length; i++) maxDev = Math.max(maxDev, Math.abs(bars.close[i]! - 100));
  assert.ok(maxDev < 5, `max deviation ${maxDev}`);
});
