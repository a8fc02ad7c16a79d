// Sweeps at scale from the command line: a killed analyze resumes, shards merge into one analysis, the trial count starts over only with a reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-sweep-cli-'));
const children: ChildProcess[] = [];
const cli = (...args: string[]) => spawnSync(CLI, args, { cwd: REPO_ROOT, encoding: 'utf8' });

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** analysis.json without meta.run (the run's own facts). */
const stable = (path: string): string => {
  const j = JSON.parse(readFileSync(path, 'utf8')) as { meta: Record<string, unknown> };
  delete j.meta['run'];
  return JSON.stringify(j);
};
const analysisIn = (dir: string): string => join(dir, readdirSync(dir).find((f) => f.endsWith('_analysis.json'))!);
const storedCases = (dir: string): number => {
  const db = new Database(join(dir, 'results.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM cases').pluck().get() as number;
  } finally {
    db.close();
  }
};

// 30 days of 5m bars, up to 512 combinations (479 distinct Latin-hypercube points): 14,370 cases, about a second of work on one quiet core.
const BIG = ['--data', KLINES_5M, '--days', '30', '--max-combinations', '512', '--seed', '7', '--workers', '1'];
const TOTAL = 479 * 30;

test('analyze killed mid-sweep (SIGKILL) resumes: stored cases are skipped and the analysis equals an uninterrupted one', async () => {
  const out = join(tmp, 'killed');
  const child = spawn(CLI, ['analyze', ...BIG, '--out', out], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  // Progress lines (JSON on a pipe) come as cases finish; the first with done > 0 means cases are stored.
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const p = JSON.parse(l) as { done: number; total: number };
        assert.equal(p.total, TOTAL);
        if (p.done > 0 && p.done < p.total) {
          child.kill('SIGKILL');
          resolve();
        }
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`analyze ended (${code}) before it could be killed`))));
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  assert.equal(child.signalCode, 'SIGKILL');
  assert.ok(!readdirSync(out).some((f) => f.endsWith('_analysis.json')), 'no artifacts from the killed run');
  const stored = storedCases(out);
  assert.ok(stored > 0 && stored < TOTAL, `${stored} of ${TOTAL} cases stored before the kill`);

  const resumed = cli('analyze', ...BIG, '--out', out, '--quiet');
  assert.equal(resumed.status, 0, resumed.stderr);
  const run = (JSON.parse(readFileSync(analysisIn(out), 'utf8')) as { meta: { run: { cases_reused: number; cases_evaluated: number } } }).meta.run;
  assert.ok(run.cases_reused >= stored, `${run.cases_reused} reused`);
  assert.equal(run.cases_reused + run.cases_evaluated, TOTAL);
  assert.equal(storedCases(out), TOTAL);

  const fresh = join(tmp, 'fresh');
  assert.equal(cli('analyze', ...BIG, '--out', fresh, '--quiet').status, 0);
  assert.equal(stable(analysisIn(out)), stable(analysisIn(fresh)));
});

// ---- Shards without Redis: each shard evaluates its share into an Arrow file; the merge builds the analysis.
const SMALL = ['--data', KLINES_5M, '--days', '6', '--train-days', '2', '--test-days', '1', '--max-combinations', '8', '--budgets', '5000,10000', '--seed', '4', '--quiet'];
const artifacts = (dir: string): Map<string, string> =>
  new Map(readdirSync(dir).filter((f) => /^\d{8}T\d{6}Z_/.test(f)).map((f) => [f.replace(/^\d{8}T\d{6}Z_/, ''), readFileSync(join(dir, f), 'utf8')]));

test('analyze --shard I/N into three folders, then --merge: the same analysis.json, report and tables as one local run', () => {
  const dirs = [0, 1, 2].map((i) => join(tmp, `shard-${i}`));
  const sums = dirs.map((d, i) => {
    const r = cli('analyze', ...SMALL, '--shard', `${i}/3`, '--out', d);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { file: string; cases: number; evaluated: number };
  });
  assert.equal(sums.reduce((s, x) => s + x.cases, 0), 2 * 8 * 6, 'the shards split every case between them');
  assert.ok(sums.every((s) => s.file.endsWith('.arrow') && s.evaluated === s.cases));
  assert.ok(dirs.every((d) => !readdirSync(d).some((f) => f.endsWith('_analysis.json'))), 'a shard writes no analysis');
  // A shard run again (a retried pod) finds its cases stored and writes the same file.
  const again = cli('analyze', ...SMALL, '--shard', '1/3', '--out', dirs[1]!);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { evaluated: number }).evaluated, 0);

  const merged = join(tmp, 'merged');
  const m = cli('analyze', ...SMALL, '--merge', ...dirs, '--out', merged);
  assert.equal(m.status, 0, m.stderr);
  const local = join(tmp, 'local');
  assert.equal(cli('analyze', ...SMALL, '--workers', '1', '--out', local).status, 0);
  assert.equal(stable(analysisIn(merged)), stable(analysisIn(local)));
  const a = artifacts(merged);
  const b = artifacts(local);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, text] of a) if (name !== 'analysis.json') assert.equal(text, b.get(name), name);
  const run = (JSON.parse(readFileSync(analysisIn(merged), 'utf8')) as { meta: { run: { evaluator: string; cases_evaluated: number; shards: string[] } } }).meta.run;
  assert.equal(run.evaluator, 'merge');
  assert.equal(run.cases_evaluated, 0);
  assert.equal(run.shards.length, 3);

  // Refusals, one line each, exit 2, nothing written.
  const refused = (args: string[], re: RegExp, out = join(tmp, `refused-${Math.random().toString(36).slice(2)}`)): void => {
    const r = cli('analyze', ...args, '--out', out);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `nothing written for ${args.join(' ')}`);
  };
  refused([...SMALL, '--merge', dirs[0]!, dirs[2]!], /--merge: shard 1 of 3 missing/);
  refused(['--data', KLINES_5M, '--days', '6', '--train-days', '2', '--test-days', '1', '--max-combinations', '8', '--budgets', '5000,10000', '--seed', '5', '--quiet', '--merge', ...dirs], /belongs to another sweep/);
  refused([...SMALL, '--merge', join(tmp, 'nowhere')], /--merge: .*nowhere: cannot read the folder/);
  refused([...SMALL, '--shard', '3/3'], /--shard: expected I\/N with 0 <= I < N/);
  refused([...SMALL, '--shard', '0/2', '--merge', dirs[0]!], /--shard: a run either evaluates one shard or merges/);
  refused([...SMALL, '--fresh-trials', 'why not'], /--fresh-trials: state why/);
  // Another sweep's shard file in the way is not replaced.
  const clash = cli('analyze', ...SMALL.map((x) => (x === '4' ? '5' : x)), '--shard', '0/3', '--out', dirs[0]!);
  assert.equal(clash.status, 2, clash.stderr);
  assert.match(clash.stderr, /exists and holds another sweep's shard/);
});

test('analyze --fresh-trials REASON: the count starts over and the report says why', () => {
  const out = join(tmp, 'fresh');
  assert.equal(cli('analyze', ...SMALL, '--out', out).status, 0);
  const other = SMALL.map((x) => (x === '8' ? '6' : x === '4' ? '9' : x));
  const second = cli('analyze', ...other, '--out', out);
  assert.equal(second.status, 0, second.stderr);
  const counted = (JSON.parse(readFileSync(JSON.parse(second.stdout).analysis_json, 'utf8')) as { selection: { trials: { counted: number; earlier: number } } }).selection.trials;
  assert.ok(counted.earlier > 0, 'the second space counts the first one');
  const reason = 'maker fee schedule changed on the venue';
  const fresh = cli('analyze', ...other, '--fresh-trials', reason, '--out', out);
  assert.equal(fresh.status, 0, fresh.stderr);
  const s = JSON.parse(fresh.stdout) as { analysis_json: string; report: string };
  const t = (JSON.parse(readFileSync(s.analysis_json, 'utf8')) as { selection: { trials: { earlier: number; fresh_trials_reason: string } } }).selection.trials;
  assert.equal(t.earlier, 0);
  assert.equal(t.fresh_trials_reason, reason);
  assert.ok(readFileSync(s.report, 'utf8').includes(reason), 'the report states the reason');
});
