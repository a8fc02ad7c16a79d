// Crash safety of the ledger: kill -9 a writer at random points (several seeds), reopen, check invariants, resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const CHILD = join(REPO_ROOT, 'test', 'integration', 'paper-ledger-child.ts');

interface ChildRun {
  lastFill: number;
  ready: { fills: number; position: number } | undefined;
  done: boolean;
}

/** Run the writer; kill it with SIGKILL `killAfterMs` after it is ready (or let it finish when undefined). */
function runChild(path: string, seed: number, steps: number, killAfterMs: number | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(seed), String(steps)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: ChildRun = { lastFill: 0, ready: undefined, done: false };
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (line[0] === 'ready') {
          out.ready = { fills: Number(line[1]), position: Number(line[2]) };
          if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        } else if (line[0] === 'fill') out.lastFill = Number(line[1]);
        else if (line[0] === 'done') out.done = true;
      }
    });
    child.on('error', reject);
    // 'close', not 'exit': every line the writer sent has been read by then.
    child.on('close', () => resolve(out));
  });
}

function fillCount(path: string): { fills: number; position: number } {
  const l = new Ledger(path);
  try {
    const r = l.resume('BTC/USDT');
    const problems = checkLedgerInvariants(l.db);
    assert.deepEqual(problems, [], `ledger invariants after a crash: ${problems.join('; ')}`);
    return { fills: r?.fills ?? 0, position: r?.position ?? 0 };
  } finally {
    l.close();
  }
}

test('kill -9 at random points never loses a committed fill and never breaks the ledger; a restart continues', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
  try {
    for (const seed of [1, 2, 3]) {
      const path = join(dir, `ledger-${seed}.sqlite`);
      const rng = new Rng(seed * 7919);
      let expectedFills = 0;
      for (let round = 0; round < 2; round++) {
        const run = await runChild(path, seed * 10 + round, 1e9, 40 + rng.int(160));
        assert.ok(run.ready, 'the writer started');
        assert.equal(run.ready.fills, expectedFills, 'a restart resumes from every fill of the previous runs');
        const after = fillCount(path);
        assert.ok(after.fills >= run.lastFill, `acknowledged fill ${run.lastFill} is in the ledger (has ${after.fills})`);
        assert.ok(after.fills <= run.lastFill + 1, 'at most the in-flight fill beyond the last acknowledged one');
        assert.ok(after.fills > expectedFills, 'the writer made progress before the kill');
        expectedFills = after.fills;
      }
      // A clean restart continues from the crashed state and ends with a consistent ledger.
      const last = await runChild(path, seed * 10 + 9, 300, undefined);
      assert.equal(last.done, true);
      assert.equal(last.ready?.fills, expectedFills);
      const end = fillCount(path);
      assert.equal(end.fills, last.lastFill);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
