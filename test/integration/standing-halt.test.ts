// A halt left standing (kill-switch file, or a halt from the dashboard) is announced when a session starts: stderr, the first JSON line, the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHaltFile } from '../../src/risk/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

test('a standing halt: one line on stderr with how to clear it, halted in the first JSON line and on the dashboard; nothing is quoted', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-standing-'));
  const halt = join(dir, 'HALT');
  writeHaltFile(halt, 'operator halt: exchange maintenance');
  const config = join(dir, 'paper.yaml');
  writeFileSync(config, 'quoting: { order_qty: 0.001, max_inventory_qty: 0.01 }\nfeatures: { sigma_sample_ms: 100, sigma_window: 10 }\n');
  const events = ensureSharedCaptureArrow();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'realtime', '--replay', events, '--speed', '20', '--poll-seconds', '0.2', '--iterations', 'forever', '--config', config,
      '--ledger', join(dir, 'ledger.sqlite'), '--halt-file', halt, '--out-dir', join(dir, 'out'), '--dashboard-port', '0'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const until = async (what: string, pred: () => boolean): Promise<void> => {
    const deadline = Date.now() + 120_000;
    while (!pred()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what}: not seen; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until('the dashboard URL and three iterations', () => /dashboard: http/.test(err) && lines().filter((l) => 'iteration' in l).length >= 3);
    const first = err.split('\n')[0]!;
    assert.match(first, /^halted: a halt is standing \(halt file .*: operator halt: exchange maintenance\); this session quotes nothing until it is cleared with: marketmakerl halt --clear --halt-file \S+HALT \(then restart\)$/);
    const head = lines()[0]!;
    assert.equal(head['event'], 'halt_standing');
    assert.equal(head['trading_state'], 'halted');
    assert.match(String(head['reason']), /operator halt: exchange maintenance/);
    assert.equal(head['clear'], `marketmakerl halt --clear --halt-file ${halt}`);

    // The dashboard says so, with the reason, from its first answer.
    const url = new URL(/dashboard: (\S+)/.exec(err)![1]!);
    const token = url.searchParams.get('token')!;
    const state = (await (await fetch(new URL('/api/state', url.origin), { headers: { authorization: `Bearer ${token}` } })).json()) as { stats: { trading_state: string; halt_reason: string | null } };
    assert.equal(state.stats.trading_state, 'halted');
    assert.match(String(state.stats.halt_reason), /operator halt: exchange maintenance/);
    const health = await fetch(new URL('/healthz', url.origin));
    assert.equal(health.status, 503, 'the health check tells halted from healthy');

    // Every iteration is halted and quotes nothing.
    for (const l of lines().filter((x) => 'iteration' in x)) {
      assert.equal(l['trading_state'], 'halted');
      assert.equal(l['open_orders'], 0);
    }
    child.kill('SIGTERM');
    assert.equal(await exit, 0, err);
    assert.ok(existsSync(halt), 'the halt still stands: only the operator clears it');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
