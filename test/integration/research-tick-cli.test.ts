// analyze --engine tick as a user runs it: artifacts from an event file, workers = serial, one-line errors, nothing half-written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents, writeEvents } from '../../src/data/index.js';
import { eventRows } from '../../src/market/index.js';
import { KLINES_5M } from '../fixtures/shared-data.js';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'mm-analyze-tick-'));
const events = ensureSharedCaptureArrow();
const cli = (...args: string[]) => spawnSync(process.execPath, cliArgs('analyze', ...args), { cwd: CLI_CWD, encoding: 'utf8' });
const SMALL = ['--events', events, '--train-minutes', '2', '--test-minutes', '1', '--max-combinations', '4', '--seed', '3', '--maker-fee-bps', '0'];

const stable = (dir: string): string => {
  const f = readdirSync(dir).find((n) => n.endsWith('_analysis.json'))!;
  const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { meta: Record<string, unknown> };
  delete j.meta['run'];
  return JSON.stringify(j);
};

test('analyze --events writes every artifact under one stamp; two workers give the serial analysis.json', () => {
  const out = join(tmp, 'ok');
  const r = cli(...SMALL, '--budgets', '5000,10000', '--workers', '2', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(out).filter((n) => n !== '.marketmakerl').sort();
  const stamp = files[0]!.split('_')[0]!;
  for (const f of ['blocks.csv', 'strategy_runs.csv', 'budget_summary.csv', 'format_summary.csv', 'walk_forward.csv', 'oos_trace.csv', 'oos_fills.csv', 'analysis.json', 'report.html']) {
    assert.ok(files.includes(`${stamp}_${f}`), f);
  }
  const summary = JSON.parse(r.stdout.trim()) as { windows: number; ready_for_live_keys: boolean };
  assert.equal(summary.windows, 8);
  const progress = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { done: number; total: number });
  assert.equal(progress[progress.length - 1]!.done, 4 * 2 * 10);
  const a = JSON.parse(readFileSync(join(out, `${stamp}_analysis.json`), 'utf8'));
  assert.equal(a.meta.engine, 'tick');
  assert.equal(a.meta.data.kind, 'events');
  assert.equal(a.meta.walk_forward.blocks.length, 10);
  assert.equal(a.readiness.by_budget.length, 2);
  assert.equal(readFileSync(join(out, `${stamp}_walk_forward.csv`), 'utf8').trim().split('\n').length, 1 + 2 * 8);
  const html = readFileSync(join(out, `${stamp}_report.html`), 'utf8');
  assert.ok((html.match(/<svg/g) ?? []).length >= 7);
  assert.match(html, /Tick engine/);
  assert.doesNotMatch(html, /<script|<link|src="http/);
  const serial = join(tmp, 'serial');
  assert.equal(cli(...SMALL, '--budgets', '5000,10000', '--workers', '1', '--out', serial, '--quiet').status, 0);
  assert.equal(stable(serial), stable(out));
});

test('bad tick input: one line naming the flag, exit 2, nothing written', async () => {
  const short = join(tmp, 'short.arrow');
  writeEvents(short, eventRows(readEvents(events), 0, 60_000));
  const notArrow = join(tmp, 'not-arrow.arrow');
  writeFileSync(notArrow, 'this is not an Arrow file\n');
  const cases: Array<[string[], RegExp]> = [
    [['--engine', 'tick'], /^error: --events: --engine tick needs an event file/],
    [['--engine', 'tick', '--data', KLINES_5M], /--engine tick: reads an event file \(--events FILE\), not klines \(--data\)/],
    [['--events', join(tmp, 'missing.arrow')], /--events: cannot read event file/],
    [['--events', notArrow], /--events: /],
    [['--events', short], /--events: .*short\.arrow spans 1\.\d+ minutes of exchange time; one walk-forward window needs 4/],
    [['--events', events, '--days', '3'], /--days: not used with --engine tick/],
    [['--events', events, '--engine', 'bar'], /--events: an event file is analysed with --engine tick/],
    [['--events', events, '--test-minutes', '0.5', '--train-minutes', '1'], /--test-minutes: a test window must hold at least 50 trace samples/],
    [['--data', KLINES_5M, '--test-minutes', '1'], /--test-minutes: window lengths in minutes are for --engine tick/],
    [['--events', events, '--queue', 'redis:/nope'], /--queue: expected redis:\/\/HOST:PORT/],
  ];
  // Two at a time: each is a CLI start from source.
  const check = async ([args, msg]: [string[], RegExp]): Promise<void> => {
    const out = join(tmp, `bad-${args.join('_').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 120));
    const r = await cliAsync(...args, '--out', out, '--quiet');
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, msg);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `nothing written for ${args.join(' ')}`);
  };
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map(check));
});

function cliAsync(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, cliArgs('analyze', ...args), { cwd: CLI_CWD });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (status) => resolve({ status, stderr }));
  });
}
