// Sampling bounds, walk-forward planning and the readiness gate's rules, on known inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, UserError, expectedMaxSharpe, returnSumsOf, sharpeStats } from '../core/index.js';
import { sampleSpace } from './sampling.js';
import { comboKey, defaultParamSpace, gridSize, type ParamSpace } from './param-space.js';
import { deflate, planWalkForward, type Pooled } from './walk-forward.js';
import { assessReadiness, defaultReadinessRules, type OosEvidence } from './readiness.js';

const small: ParamSpace = { ...defaultParamSpace, model: ['as'], gamma_s: [10, 30], k_mode: ['calibrated'], spread_floor_bps: [0, 5], order_pct: [1], inventory_lots: [10], requote_bps: [0, 2] };

test('the grid is used whole when it fits in max-combinations', () => {
  const s = sampleSpace(small, 8, 'auto', 1);
  assert.equal(s.method, 'grid');
  assert.equal(s.combos.length, gridSize(small));
  assert.equal(new Set(s.combos.map(comboKey)).size, 8);
});

test('beyond the grid: at most max-combinations distinct points, seeded', () => {
  for (const max of [1, 7, 12, 64, 200]) {
    for (const method of ['auto', 'lhs', 'random'] as const) {
      const s = sampleSpace(defaultParamSpace, max, method, 3);
      assert.ok(s.combos.length <= max && s.combos.length >= Math.min(max, 1), `${method} ${max}`);
      assert.equal(new Set(s.combos.map(comboKey)).size, s.combos.length);
      assert.deepEqual(sampleSpace(defaultParamSpace, max, method, 3).combos, s.combos);
    }
  }
  assert.equal(sampleSpace(defaultParamSpace, 12, 'auto', 3).method, 'lhs');
  assert.throws(() => sampleSpace(defaultParamSpace, 12, 'grid', 3), UserError);
});

test('Latin hypercube spreads every dimension over its levels', () => {
  const s = sampleSpace(defaultParamSpace, 60, 'lhs', 5);
  const gammas = new Set(s.combos.map((c) => c.gamma_s));
  assert.equal(gammas.size, defaultParamSpace.gamma_s.length);
  const counts = defaultParamSpace.gamma_s.map((g) => s.combos.filter((c) => c.gamma_s === g).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, counts.join(','));
});

test('walk-forward plan: end-aligned equal blocks, rolling windows, and a clear error when too short', () => {
  const p = planWalkForward(1000, 100, 3);
  assert.equal(p.blocks.length, 10);
  assert.deepEqual(p.blocks[9], [900, 1000]);
  assert.equal(p.windows.length, 7);
  assert.deepEqual(p.windows[0], { index: 0, train: [0, 1, 2], test: 3 });
  const q = planWalkForward(1050, 100, 3);
  assert.equal(q.unusedBars, 50);
  assert.deepEqual(q.blocks[0], [50, 150]);
  assert.throws(() => planWalkForward(350, 100, 3), /too few bars for one walk-forward window/);
});

const good: OosEvidence = {
  budget: 10_000,
  windows: 10,
  pnl: 120,
  sharpe: 2.5,
  sharpe_confidence: 0.99,
  oos_days: 10,
  max_drawdown: 300,
  fills: 400,
  profitable_windows: 7,
  window_markout_bps: [1, 2, -1, 0.5, 1, 1, 2, -0.5, 1, 1],
  window_return_pct: [0.2, 0.1, -0.1, 0.3, 0.1, 0.1, 0.2, -0.2, 0.3, 0.2],
  selection: { deflated_sharpe_confidence: 0.97, pbo: 0.1, trials: 40 },
};

test('readiness passes only when every check passes, and each check can fail on its own', () => {
  assert.equal(assessReadiness(good, defaultReadinessRules).ready_for_live_keys, true);
  const cases: Array<[string, Partial<OosEvidence>]> = [
    ['pnl_after_fees', { pnl: -1 }],
    ['sharpe', { sharpe: 0.3 }],
    ['sharpe_confidence', { sharpe_confidence: 0.8 }],
    ['oos_days', { oos_days: 0.05 }],
    ['max_drawdown_pct', { max_drawdown: 1500 }],
    ['fills', { fills: 20 }],
    ['profitable_window_share', { profitable_windows: 3 }],
    ['adverse_markout_window_share', { window_markout_bps: [-1, -2, -1, 0.5, -1, -1, 2, -0.5, 1, -1] }],
    ['plausibility_max_window_return_pct', { window_return_pct: [0.2, 9] }],
    ['deflated_sharpe_confidence', { selection: { deflated_sharpe_confidence: 0.6, pbo: 0.1, trials: 40 } }],
    ['deflated_sharpe_confidence', { selection: { deflated_sharpe_confidence: null, pbo: 0.1, trials: 40 } }],
    ['pbo', { selection: { deflated_sharpe_confidence: 0.97, pbo: 0.4, trials: 40 } }],
    ['pbo', { selection: { deflated_sharpe_confidence: 0.97, pbo: null, trials: 40 } }],
  ];
  for (const [name, change] of cases) {
    const r = assessReadiness({ ...good, ...change }, defaultReadinessRules);
    assert.equal(r.ready_for_live_keys, false, name);
    assert.deepEqual(Object.entries(r.checks).filter(([, c]) => !c.pass).map(([k]) => k), [name]);
  }
  // A single trial ever: no selection, so no PBO to fail.
  assert.equal(assessReadiness({ ...good, selection: { deflated_sharpe_confidence: 0.97, pbo: null, trials: 1 } }, defaultReadinessRules).ready_for_live_keys, true);
  const strict = assessReadiness(good, { ...defaultReadinessRules, min_sharpe: 3 });
  assert.equal(strict.checks['sharpe']!.pass, false);
  assert.equal(strict.checks['sharpe']!.limit, 3);
});

test('progress: a redrawn bar with rate and ETA on a terminal, JSON lines otherwise', async () => {
  const { streamProgress } = await import('./progress.js');
  const sink = (tty: boolean) => {
    const chunks: string[] = [];
    const s = { isTTY: tty, write: (c: string) => chunks.push(c) > 0 } as unknown as NodeJS.WriteStream;
    return { s, chunks };
  };
  let now = 0;
  const t = sink(true);
  const p = streamProgress(t.s, () => now);
  p.start(100, 'analyze');
  now = 1000;
  p.tick(50);
  p.finish();
  assert.ok(t.chunks.every((c) => c.startsWith('\r')));
  assert.match(t.chunks[1]!, /\[#{15}-{15}\] 50\/100 cases {2}50\/s {2}ETA 1\.0s/);
  assert.ok(t.chunks[t.chunks.length - 1]!.endsWith('\n'));
  const j = sink(false);
  now = 0;
  const q = streamProgress(j.s, () => now);
  q.start(10, 'analyze');
  now = 600;
  q.tick(5);
  q.finish();
  const lines = j.chunks.map((c) => JSON.parse(c) as { done: number; total: number; eta_s: number | null });
  assert.deepEqual(lines.map((l) => l.done), [0, 5, 10]);
  assert.equal(lines[1]!.eta_s, 0.6);
});

test('analysis files: all put into place, or none when one cannot be written; a name in the way moves the whole set to the next stamp', async () => {
  const { mkdtempSync, mkdirSync, readdirSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { writeAnalysisFiles } = await import('./analysis-artifacts.js');
  const dir = mkdtempSync(join(tmpdir(), 'mm-art-'));
  const ok = writeAnalysisFiles(dir, 'S1', { 'a.csv': 'x\n', 'analysis.json': '{}\n' });
  assert.equal(ok.length, 2);
  assert.ok(ok[1]!.endsWith('S1_analysis.json'), 'analysis.json is placed last');
  mkdirSync(join(dir, 'S2_b.csv')); // a folder in the way of the second file: the set goes under S2_2, the folder is left alone
  const s2 = writeAnalysisFiles(dir, 'S2', { 'a.csv': 'x\n', 'b.csv': 'y\n', 'analysis.json': '{}\n' });
  assert.deepEqual(s2.map((p) => p.slice(dir.length + 1)), ['S2_2_a.csv', 'S2_2_b.csv', 'S2_2_analysis.json']);
  rmSync(join(dir, 'S2_b.csv'), { recursive: true });
  for (const p of s2) rmSync(p);
  assert.deepEqual(readdirSync(dir).sort(), ['S1_a.csv', 'S1_analysis.json'], 'nothing left under S2 but what it placed');
  mkdirSync(join(dir, 'S2_b.csv'));
  // A temp folder a killed run left (its pid is gone) is swept at the next write; a folder the failed
  // write created is removed again.
  mkdirSync(join(dir, '.S0.marketmakerl-999999999-1.tmp'));
  writeAnalysisFiles(dir, 'S3', { 'analysis.json': '{}\n' });
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temp left behind');
  const nested = join(dir, 'new', 'deeper');
  assert.throws(() => writeAnalysisFiles(nested, 'S4', { 'a/b.csv': 'x\n' }));
  assert.deepEqual(readdirSync(dir).sort(), ['S1_a.csv', 'S1_analysis.json', 'S2_b.csv', 'S3_analysis.json'], 'the folders it created are gone');
});

test('two analyses into one folder under the same stamp never mix or replace each other\'s files: the second set goes whole under <stamp>_2', async () => {
  const { mkdtempSync, readdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { writeAnalysisFiles } = await import('./analysis-artifacts.js');
  const dir = mkdtempSync(join(tmpdir(), 'mm-art-'));
  const set = (who: string, first: string) => ({ [first]: `${who}\n`, 'budget_summary.csv': `${who}\n`, 'report.html': `${who}\n`, 'analysis.json': `{"who":"${who}"}\n` });
  const a = writeAnalysisFiles(dir, 'T', set('a', 'klines.csv'));
  // Another engine's set (blocks.csv, not klines.csv): its first file is placed, then budget_summary.csv is taken.
  const b = writeAnalysisFiles(dir, 'T', set('b', 'blocks.csv'));
  const c = writeAnalysisFiles(dir, 'T', set('c', 'klines.csv'));
  const rel = (ps: string[]) => ps.map((p) => p.slice(dir.length + 1));
  assert.deepEqual(rel(a), ['T_budget_summary.csv', 'T_klines.csv', 'T_report.html', 'T_analysis.json']);
  assert.deepEqual(rel(b), ['T_2_blocks.csv', 'T_2_budget_summary.csv', 'T_2_report.html', 'T_2_analysis.json']);
  assert.deepEqual(rel(c), ['T_3_budget_summary.csv', 'T_3_klines.csv', 'T_3_report.html', 'T_3_analysis.json']);
  for (const [who, paths] of [['a', a], ['b', b], ['c', c]] as const) {
    for (const p of paths) assert.ok(readFileSync(p, 'utf8').includes(who), `${p} is ${who}'s`);
  }
  assert.equal(readdirSync(dir).filter((n) => n.startsWith('T_blocks')).length, 0, 'the file b placed under T before the clash was taken back');
  // A file of yours under the stamp's names is never replaced either.
  writeFileSync(join(dir, 'U_analysis.json'), 'mine');
  const u = writeAnalysisFiles(dir, 'U', { 'analysis.json': '{}\n' });
  assert.deepEqual(rel(u), ['U_2_analysis.json']);
  assert.equal(readFileSync(join(dir, 'U_analysis.json'), 'utf8'), 'mine');
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no temp left behind');
});

test('lastDays selects by time, so a gap does not shorten the span, and refuses more days than the data spans', async () => {
  const { lastDays } = await import('./bar-analysis.js');
  const { allocBars } = await import('../market/index.js');
  const step = 300e6; // 5m in µs
  const n = 3 * 288;
  const b = allocBars(n, step);
  for (let i = 0; i < n; i++) {
    b.ts[i] = (i < 400 ? i : i + 12) * step; // one hour missing after bar 400
    b.open[i] = b.high[i] = b.low[i] = b.close[i] = 100;
  }
  const two = lastDays(b, 2);
  assert.equal(two.ts[two.length - 1]! + step - two.ts[0]!, 2 * 86_400e6);
  assert.equal(two.length, 2 * 288 - 12);
  assert.throws(() => lastDays(b, 4), /--days: 4 days requested, the data spans 3\.04 days .*: pass --days 3 or fewer/);
});

/** `count` skill-less candidates whose returns are AR(1) with coefficient `rho` (inventory carried from sample to sample). */
function arCandidates(rng: Rng, count: number, n: number, rho: number): Pooled[] {
  return Array.from({ length: count }, () => {
    const r = new Float64Array(n);
    let e = 0;
    for (let i = 0; i < n; i++) {
      e = rho * e + rng.normal();
      r[i] = e * 1e-4;
    }
    return { returns: returnSumsOf(r) } as Pooled;
  });
}

test('deflation: each candidate is judged against the best-of-N hurdle at its own effective sample count', () => {
  const cands = [...arCandidates(new Rng(3), 16, 2000, 0.6), ...arCandidates(new Rng(4), 16, 2000, 0)];
  const d = deflate(cands, 8);
  assert.equal(d.trials, 40);
  // A candidate that never traded (no Sharpe) was tried all the same: it counts.
  const flat = { returns: returnSumsOf(new Float64Array(2000)) } as Pooled;
  assert.equal(deflate([...cands, flat], 8).trials, 41);
  const hurdle = expectedMaxSharpe(40, 1);
  d.confidence.forEach((c, i) => {
    const s = sharpeStats(cands[i]!.returns);
    assert.ok(s.effectiveSamples < (i < 16 ? 700 : 2001), `candidate ${i}: n_eff ${s.effectiveSamples}`);
    assert.equal(c, sharpeStats(cands[i]!.returns, hurdle / Math.sqrt(s.effectiveSamples - 1)).confidence);
  });
});

test('deflation: the winner of skill-less autocorrelated candidates rarely passes a 0.95 gate', () => {
  // Autocorrelation 0.6 leaves a quarter of the samples independent. Against a hurdle taken at the raw
  // sample count (half as high in standard deviations), about one selection in nine would pass.
  const rng = new Rng(11);
  let passed = 0;
  const selections = 60;
  for (let k = 0; k < selections; k++) {
    const cands = arCandidates(rng, 32, 1000, 0.6);
    const d = deflate(cands);
    let best = 0;
    for (let i = 1; i < cands.length; i++) if (sharpeStats(cands[i]!.returns).perPeriod! > sharpeStats(cands[best]!.returns).perPeriod!) best = i;
    if (d.confidence[best]! >= 0.95) passed++;
  }
  assert.ok(passed <= 2, `${passed} of ${selections} skill-less winners passed`);
});
