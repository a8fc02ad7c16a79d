// One config for every mode: config/examples/btcusdt.yaml, unchanged, through backtest (bars, tick), analyze, paper replay, live against the fake, and run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { validateConfig } from '../../src/runtime/index.js';
import { startFakePrivateExchange } from '../fake-exchange/private/index.js';
import { SHARED_DATA } from '../fixtures/shared-data.js';
import { REPO_ROOT } from './runtime-helpers.js';
import { TEST_KEY, TEST_SECRET } from './live-helpers.js';

const EXAMPLE = join(REPO_ROOT, 'config', 'examples', 'btcusdt.yaml');

/** A working folder whose `../shared` is the shared data, as beside a checkout: the example's paths hold as written. */
function workdir(): string {
  const top = mkdtempSync(join(tmpdir(), 'mm-example-'));
  const cwd = join(top, 'repo');
  mkdirSync(cwd);
  symlinkSync(join(SHARED_DATA, '..'), join(top, 'shared'));
  return cwd;
}

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Out> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lastJson = (o: Out): Record<string, unknown> => JSON.parse(o.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

test('the example is the one config: it parses strictly, with every section the commands read', () => {
  const doc = parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
  const cfg = validateConfig(doc, workdir());
  for (const k of ['market', 'data', 'quoting', 'risk', 'sim', 'loop', 'live', 'analysis']) assert.ok(k in doc, k);
  assert.equal(cfg.trading.quoting.order_qty, 0.001);
  assert.deepEqual(cfg.agents.map((a) => a.role), ['data', 'ml', 'execution', 'risk'], 'no agents: the default pipeline');
});

test('the same file, unchanged, through backtest (bars and tick), analyze, paper on the event clock, live against the fake, and run', { skip: !existsSync(SHARED_DATA) && 'no ../shared/data', timeout: 600_000 }, async () => {
  const cwd = workdir();
  const out = (name: string): string => join(cwd, 'out', name);

  const bar = await cli(['backtest', '--config', EXAMPLE, '--out', out('bar')], cwd);
  assert.equal(bar.code, 0, bar.stderr);
  const barCfg = JSON.parse(readFileSync(join(out('bar'), 'config.json'), 'utf8')) as { engine: string; risk: { max_drawdown: number }; sim: { maker_fee_bps: number } };
  assert.deepEqual([barCfg.engine, barCfg.risk.max_drawdown, barCfg.sim.maker_fee_bps], ['bar', 150, 10]);
  const barMetrics = JSON.parse(readFileSync(join(out('bar'), 'metrics.json'), 'utf8')) as { risk: { final_state: string } };
  assert.ok(['active', 'reducing', 'halted'].includes(barMetrics.risk.final_state), 'the risk engine ran in the bar backtest');

  const tick = await cli(['backtest', '--config', EXAMPLE, '--engine', 'tick', '--out', out('tick')], cwd);
  assert.equal(tick.code, 0, tick.stderr);
  assert.equal((JSON.parse(readFileSync(join(out('tick'), 'config.json'), 'utf8')) as { engine: string }).engine, 'tick');

  const paper = await cli(['realtime', '--config', EXAMPLE, '--clock', 'event', '--duration', '90s', '--out-dir', out('paper'), '--quiet'], cwd);
  assert.equal(paper.code, 0, paper.stderr);
  const runs = await cli(['analyze', '--config', EXAMPLE, '--out', out('analysis'), '--quiet'], cwd);
  assert.equal(runs.code, 0, runs.stderr);
  assert.equal(typeof lastJson(runs)['ready_for_live_keys'], 'boolean');

  const run = await cli(['run', '--config', EXAMPLE, '--run-id', 'ex', '--max-workers', '1'], cwd);
  assert.equal(run.code, 0, run.stderr);
  const summary = lastJson(run) as { status: string; pnl: Record<string, number>; risk_status: string };
  assert.equal(summary.status, 'ok');
  assert.equal(typeof summary.pnl['exec'], 'number', 'the summary states the PnL');
  const paperRun = await cli(['run', '--config', EXAMPLE, '--run-id', 'ex-paper', '--mode', 'paper', '--max-workers', '1'], cwd);
  assert.equal(paperRun.code, 0, paperRun.stderr);
  const ledger = new Ledger(join(cwd, 'artifacts', 'ex-paper_exec_ledger.sqlite'));
  try {
    assert.deepEqual(checkLedgerInvariants(ledger.db), []);
  } finally {
    ledger.close();
  }

  // Live: the guard, the preflight, real orders through ccxt to the fake exchange, a verified cancel-all.
  const fake = await startFakePrivateExchange({ apiKey: TEST_KEY, secret: TEST_SECRET });
  try {
    const live = await cli(
      ['realtime', '--config', EXAMPLE, '--mode', 'live', '--confirm-live', '--exchange-url', fake.restUrl.replace(/\/api\/v3$/, ''), '--feed', 'rest', '--poll-seconds', '0.2', '--iterations', '5', '--ledger', out('live.sqlite'), '--out-dir', out('live'), '--halt-file', out('HALT'), '--quiet'],
      cwd,
      { PAPER_ONLY: '0', EXCHANGE_API_KEY: TEST_KEY, EXCHANGE_API_SECRET: TEST_SECRET },
    );
    assert.equal(live.code, 0, live.stderr);
    assert.equal(fake.account.openOrders().length, 0);
  } finally {
    await fake.close();
  }
});
