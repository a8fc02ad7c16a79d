// kill -9 of a running realtime loop (replayed capture) at random points: the ledger opens, its invariants hold, a restart continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { CAPTURE_DIR, REPO_ROOT } from '../fixtures/shared-data.js';

const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

/** Run `realtime`; kill -9 it after `killAfterLines` JSON lines (or let it end). Returns the lines and the exit. */
function realtime(args: string[], killAfterLines?: number): Promise<{ lines: Record<string, unknown>[]; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'realtime', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
        if (killAfterLines !== undefined && lines.length === killAfterLines) child.kill('SIGKILL');
      }
    });
    child.on('close', (code, signal) => resolve({ lines, code, signal, stderr }));
  });
}

function inspect(path: string): { fills: number; position: number; open: number } {
  const l = new Ledger(path);
  try {
    assert.deepEqual(checkLedgerInvariants(l.db), []);
    const r = l.resume('BTC/USDT');
    assert.ok(r, 'the ledger resumes');
    return { fills: r.fills, position: r.position, open: r.openOrders.length };
  } finally {
    l.close();
  }
}

test('kill -9 of the realtime loop (several seeds): ledger sound, a restart resumes the same position and continues', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-crash-'));
  try {
    for (const seed of [1, 2]) {
      const rng = new Rng(seed * 104_729);
      const ledger = join(dir, `ledger-${seed}.sqlite`);
      const common = ['--replay', join(CAPTURE_DIR, 'btcusdt_20240808.gz'), '--speed', '20', '--poll-seconds', '0.5', '--ledger', ledger, '--halt-file', join(dir, 'HALT'), '--out-dir', dir];
      const crashed = await realtime([...common, '--iterations', 'forever'], 6 + rng.int(10));
      assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
      const before = inspect(ledger);
      const again = await realtime([...common, '--iterations', '3']);
      assert.equal(again.code, 0, again.stderr);
      const resumed = again.lines[0]!;
      assert.equal(resumed['resumed'], true);
      assert.equal(resumed['inventory'], before.position, 'the restart starts from the position of every committed fill');
      assert.equal(resumed['fills'], before.fills);
      assert.equal(resumed['open_orders'], before.open, 'orders open at the crash are carried over');
      assert.equal(again.lines.filter((l) => 'iteration' in l).length, 3);
      const after = inspect(ledger);
      assert.ok(after.fills >= before.fills);
      assert.equal(after.open, 0, 'the clean stop cancels what the crash left open');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
