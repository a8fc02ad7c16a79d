// `run` in paper (and live) mode: a signal reaches the agents in their worker threads; they stop, cancel, and the run ends with its summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FakeBinance } from '../fake-exchange/index.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';
import { writeConfig } from './runtime-helpers.js';

test('SIGTERM to a paper run trading the exchange: the agent stops at once, its orders cancelled and its run recorded; the summary says why; exit 143', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-run-signal-'));
  const fake = new FakeBinance({ stepMs: 10 });
  const url = await fake.start();
  try {
    writeConfig(dir, {
      mode: 'paper',
      seed: 3,
      paths: { artifacts_dir: 'out', data_dir: '.' },
      market: { exchange: 'binance', symbol: 'BTC/USDT' },
      quoting: { order_qty: 0.001, max_inventory_qty: 0.01 },
      agents: [
        { name: 'data', role: 'data', params: { source: 'simulated', bars: 600 } },
        { name: 'model', role: 'ml', inputs: ['data'], params: { gamma: 0.1 } },
        // Ten minutes of trading: only the signal ends it within the test.
        { name: 'exec', role: 'execution', inputs: ['model'], params: { feed: 'exchange', duration: '10m' } },
      ],
    });
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], MARKETMAKERL_EXCHANGE_URL: url };
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'run', '--config', 'config.yaml', '--run-id', 'sig', '--max-workers', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    const ledgerPath = join(dir, 'out', 'sig_exec_ledger.sqlite');
    const quoted = (): boolean => {
      if (!existsSync(ledgerPath)) return false;
      const db = new Database(ledgerPath, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM quotes').get() as { n: number }).n > 3;
      } catch {
        return false; // the schema is being created
      } finally {
        db.close();
      }
    };
    const deadline = Date.now() + 180_000;
    while (!quoted()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the paper agent did not trade; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const t0 = Date.now();
    child.kill('SIGTERM');
    assert.equal(await exit, 143, err);
    assert.ok(Date.now() - t0 < 60_000, 'the run stops at the signal, not at the end of its duration');
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { status: string; stopped_by?: string; failures: number };
    assert.equal(summary.stopped_by, 'SIGTERM');
    assert.equal(summary.failures, 0, err);
    assert.match(err, /"event":"runtime_signal","signal":"SIGTERM"/);
    const db = new Database(ledgerPath, { readonly: true });
    try {
      assert.equal((db.prepare('SELECT status FROM runs').get() as { status: string }).status, 'SIGTERM');
      const open = (db.prepare("SELECT count(*) AS n FROM orders WHERE status IN ('pending-new', 'open', 'pending-cancel')").get() as { n: number }).n;
      assert.equal(open, 0, 'every paper order cancelled');
    } finally {
      db.close();
    }
    assert.ok(existsSync(join(dir, 'out', 'sig_exec_metrics.json')), 'the agent wrote its artifacts');
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
