// The results store: a re-run takes stored cases, an interrupted sweep resumes, shared pass or not, and foreign files are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadKlines } from '../../src/data/index.js';
import { cloneBars } from '../../src/market/index.js';
import { runAnalysis, type AnalysisResult } from '../../src/research/analysis.js';
import type { AnalysisConfig } from '../../src/research/analysis-config.js';
import { flatAnalysisConfig } from '../fixtures/trading-config.js';
import { serialEvaluator, type Evaluator } from '../../src/research/evaluator.js';
import { silentProgress } from '../../src/research/progress.js';
import { ResultsStore } from '../../src/research/results-store.js';
import { stableAnalysisJson } from '../fixtures/analysis.js';
import { KLINES_5M } from '../fixtures/shared-data.js';

const bars = loadKlines(KLINES_5M).bars;
const settings = { days: 6, max_combinations: 10, walk_forward: { train_days: 2, test_days: 1 }, seed: 5, budgets: [5_000, 10_000] };
const cfg = flatAnalysisConfig(settings);
const CASES = 2 * 10 * 6;
const dir = mkdtempSync(join(tmpdir(), 'mm-resume-'));

interface RunFacts {
  cases_evaluated: number;
  cases_reused: number;
}
const facts = (r: AnalysisResult): RunFacts => (r.json['meta'] as { run: RunFacts }).run;

function analyse(opts: { storePath?: string; evaluator?: Evaluator; c?: AnalysisConfig; sharedPass?: boolean; b?: typeof bars } = {}): Promise<AnalysisResult> {
  return runAnalysis({
    bars: opts.b ?? bars,
    cfg: opts.c ?? cfg,
    source: { kind: 'test' },
    evaluator: opts.evaluator ?? serialEvaluator(),
    progress: silentProgress,
    now: new Date(0),
    ...(opts.storePath ? { openStore: () => ResultsStore.open(opts.storePath!) } : {}),
    ...(opts.sharedPass === undefined ? {} : { sharedPass: opts.sharedPass }),
  });
}

/** A serial evaluator that dies (throws) after `tasks` tasks, as a killed process would stop. */
function dyingEvaluator(tasks: number): Evaluator {
  const inner = serialEvaluator();
  return {
    ...inner,
    async run(list, b, onTaskDone) {
      let n = 0;
      return inner.run(list, b, (t, r) => {
        onTaskDone(t, r);
        if (++n === tasks) throw new Error('killed');
      });
    },
  };
}

const clean = await analyse({ storePath: join(dir, 'clean.sqlite') });
const cleanJson = stableAnalysisJson(clean);

test('a re-run takes every case from the store and gives the same analysis', async () => {
  const path = join(dir, 'rerun.sqlite');
  const first = await analyse({ storePath: path });
  assert.deepEqual({ e: facts(first).cases_evaluated, r: facts(first).cases_reused }, { e: CASES, r: 0 });
  const again = await analyse({ storePath: path });
  assert.deepEqual({ e: facts(again).cases_evaluated, r: facts(again).cases_reused }, { e: 0, r: CASES });
  assert.equal(stableAnalysisJson(first), cleanJson);
  assert.equal(stableAnalysisJson(again), cleanJson);
});

test('an interrupted sweep resumes: stored cases are not run again and the result equals an uninterrupted run', async () => {
  const path = join(dir, 'resume.sqlite');
  await assert.rejects(analyse({ storePath: path, evaluator: dyingEvaluator(3) }), /killed/);
  const db = new Database(path, { readonly: true });
  const stored = db.prepare('SELECT COUNT(*) FROM cases').pluck().get() as number;
  db.close();
  assert.ok(stored > 0 && stored < CASES, `${stored} cases stored before the stop`);
  const resumed = await analyse({ storePath: path });
  assert.equal(facts(resumed).cases_reused, stored);
  assert.equal(facts(resumed).cases_evaluated, CASES - stored);
  assert.equal(stableAnalysisJson(resumed), cleanJson);
});

test('the shared pass and the old path (every case alone) give the same analysis and share stored cases', async () => {
  const path = join(dir, 'paths.sqlite');
  const alone = await analyse({ storePath: path, sharedPass: false });
  assert.equal(stableAnalysisJson(alone), cleanJson);
  const shared = await analyse({ storePath: path, sharedPass: true });
  assert.equal(facts(shared).cases_reused, CASES);
});

test('other data or another config share no stored case', async () => {
  const path = join(dir, 'keys.sqlite');
  await analyse({ storePath: path });
  const fee = await analyse({ storePath: path, c: flatAnalysisConfig({ ...settings, backtest: { maker_fee_bps: 2 } }) });
  assert.equal(facts(fee).cases_reused, 0);
  const moved = cloneBars(bars);
  moved.close[moved.length - 10] = moved.close[moved.length - 10]! * 1.001; // one close of the last block
  const other = await analyse({ storePath: path, b: moved });
  assert.equal(facts(other).cases_reused, 0);
  // A wider budget list reuses the budgets already stored.
  const wider = await analyse({ storePath: path, c: { ...cfg, budgets: [5_000, 10_000, 20_000] } });
  assert.equal(facts(wider).cases_reused, CASES);
  assert.equal(facts(wider).cases_evaluated, CASES / 2);
});

test('a file in the way of the store that is not one is refused, one line, and left as it was', async () => {
  const path = join(dir, 'foreign.sqlite');
  writeFileSync(path, 'not a database, a user file\n');
  await assert.rejects(analyse({ storePath: path }), (e: Error) => /results store .*foreign\.sqlite: the file exists and is not a results store/.test(e.message) && !e.message.includes('\n'));
  assert.equal(readFileSync(path, 'utf8'), 'not a database, a user file\n');
  const other = join(dir, 'other-db.sqlite');
  const db = new Database(other);
  db.exec('CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1);');
  db.close();
  const before = readFileSync(other);
  await assert.rejects(analyse({ storePath: other }), /is not a results store/);
  assert.deepEqual(readFileSync(other), before);
});
