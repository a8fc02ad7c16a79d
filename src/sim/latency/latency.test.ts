// Latency models: constant values, interpolation of a series, loading a series file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constantLatency, SeriesLatency, loadLatencySeries } from './index.js';

test('constant latency returns its values', () => {
  const l = constantLatency(5000, 7000);
  assert.equal(l.entry(123), 5000);
  assert.equal(l.response(456), 7000);
  assert.throws(() => constantLatency(-1));
});

test('series latency interpolates between samples and holds the ends', () => {
  const l = new SeriesLatency(Float64Array.of(0, 1000), Float64Array.of(100, 300), Float64Array.of(10, 10));
  assert.equal(l.entry(-5), 100);
  assert.equal(l.entry(500), 200);
  assert.equal(l.entry(2000), 300);
  assert.equal(l.entry(250), 150, 'queries may go back in time');
  assert.equal(l.response(700), 10);
});

test('series file: header, ms units, bad rows named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lat-'));
  const p = join(dir, 'lat.csv');
  writeFileSync(p, 'ts_ms,entry_ms,response_ms\n1000,5,6\n2000,15,6\n');
  const l = loadLatencySeries(p);
  assert.equal(l.entry(1_500_000), 10_000);
  assert.equal(l.response(1_500_000), 6_000);
  writeFileSync(p, '1000,5,6\n2000,x,6\n');
  assert.throws(() => loadLatencySeries(p), /line 2/);
});
