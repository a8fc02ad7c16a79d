// Sweeps at scale from the command line: a killed analyze resumes from its results store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
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
