// The feature frame equals the bar-by-bar features at every bar, on real klines and for every estimator choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarFeatureFrame, BarFeatures, defaultBarFeatureParams, type BarFeatureParams } from './index.js';
import { loadKlines } from '../data/index.js';
import { sliceBars } from '../market/index.js';
import { KLINES_1M } from '../../test/fixtures/shared-data.js';

const bars = sliceBars(loadKlines(KLINES_1M).bars, 0, 5000);

function check(params: BarFeatureParams): void {
  const frame = new BarFeatureFrame(bars, params, 60);
  const sig = frame.signals();
  const f = new BarFeatures(params, 60);
  const same = (a: number, b: number, what: string, t: number): void => {
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) assert.fail(`${what} at bar ${t}: frame ${a}, bar by bar ${b}`);
  };
  let warmSeen = -1;
  for (let t = 0; t < bars.length; t++) {
    f.update(bars.high[t]!, bars.low[t]!, bars.close[t]!);
    const v = f.values;
    same(frame.sigmaPerSecond[t]!, v.sigmaPerSecond, 'sigma', t);
    same(frame.intensityK[t]!, v.intensityK, 'k', t);
    same(frame.intensityA, v.intensityA, 'A', t);
    same(sig.trendStrength[t]!, v.trendStrength, 'trend', t);
    same(sig.momentum[t]!, v.momentum, 'momentum', t);
    same(sig.meanReversion[t]!, v.meanReversion, 'mean reversion', t);
    assert.equal(frame.warmAt(t), f.warm, `warm at bar ${t}`);
    if (f.warm && warmSeen < 0) warmSeen = t;
  }
  assert.ok(warmSeen > 0, 'the estimators warm up');
}

test('frame columns equal BarFeatures after each bar (EWMA σ, defaults)', () => check(defaultBarFeatureParams));

test('frame columns equal BarFeatures after each bar (rolling σ, other windows)', () => {
  check({ volWindow: 7, ewmaHalfLife: 5, volEstimator: 'rolling', signalWindow: 12, intensityWindow: 30 });
  check({ volWindow: 90, ewmaHalfLife: 3, volEstimator: 'ewma', signalWindow: 4, intensityWindow: 8 });
});

test('frame entry t does not depend on bars after t', () => {
  const a = new BarFeatureFrame(bars, defaultBarFeatureParams, 60);
  const close = bars.close.slice();
  const high = bars.high.slice();
  const low = bars.low.slice();
  for (let t = 3000; t < bars.length; t++) {
    close[t] = close[t]! * 1.3;
    high[t] = high[t]! * 1.3;
    low[t] = low[t]! * 1.3;
  }
  const b = new BarFeatureFrame({ length: bars.length, high, low, close }, defaultBarFeatureParams, 60);
  const bs = b.signals();
  const as = a.signals();
  for (let t = 0; t < 3000; t++) {
    assert.ok(Object.is(a.sigmaPerSecond[t], b.sigmaPerSecond[t]) && Object.is(a.intensityK[t], b.intensityK[t]) && Object.is(as.momentum[t], bs.momentum[t]), `bar ${t}`);
  }
  assert.notEqual(a.sigmaPerSecond[3000], b.sigmaPerSecond[3000]);
});
