// Runtime end to end: the shipped config, worker-count independence, failures and skips, paper mode, run ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MetricsSchema } from '../../src/engine/index.js';
import { agentSeed, FRAME_COLUMNS, type FittedModel, type RiskReport } from '../../src/runtime/index.js';
import { Ledger, checkLedgerInvariants } from '../../src/ledger/index.js';
import { renderRunReport } from '../../src/report/run-report.js';
import { readRunFolder } from '../../src/report/dashboard/run-folders.js';
import { CAPTURE_DIR, SHARED_DATA } from '../fixtures/shared-data.js';
import { KLINES_1M } from '../fixtures/shared-data.js';
import { writeLinearPolicy } from '../fixtures/policy.js';
import { REPO_ROOT, SHIPPED_CONFIG, cli, files, pipeline, runIn, smallConfig, tmp, writeConfig } from './runtime-helpers.js';

const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

test('the shipped config runs end to end: every artifact, schema-valid metrics, one log line per event', async () => {
  const dir = tmp('shipped');
  const { summary, events } = await runIn(dir, { configPath: SHIPPED_CONFIG, runId: 'e2e' });
  assert.equal(summary.status, 'ok');
  assert.deepEqual([summary.successes, summary.failures, summary.skipped, summary.total], [4, 0, 0, 4]);
  const out = join(dir, 'artifacts');
  assert.deepEqual(files(out), [
    '.marketmakerl',
    'e2e_exec_backtest_config.json',
    'e2e_exec_fills.csv',
    'e2e_exec_metrics.json',
    'e2e_exec_trace.csv',
    'e2e_market_market_data.csv',
    'e2e_model_model.json',
    'e2e_risk_risk_report.json',
    'e2e_runtime_log.jsonl',
    'e2e_summary.json',
  ]);
  const data = read(out, 'e2e_market_market_data.csv').trimEnd().split('\n');
  assert.equal(data[0], FRAME_COLUMNS);
  assert.equal(data.length, 5001);
  const lastRow = data.at(-1)!.split(',');
  assert.ok(lastRow.every((c) => c !== ''), 'features are filled after the warm-up');

  const model = JSON.parse(read(out, 'e2e_model_model.json')) as FittedModel;
  assert.deepEqual(model.test, { from: 2500, to: 5000 });
  assert.ok(model.k > 0 && model.fit.sigma_per_second! > 0);
  assert.ok(model.snapshot.bid! < model.snapshot.mid && model.snapshot.mid < model.snapshot.ask!);

  const metrics = MetricsSchema.parse(JSON.parse(read(out, 'e2e_exec_metrics.json')));
  assert.equal(metrics.samples, 2500, 'execution tests only the bars after the fit');
  assert.ok(metrics.fills > 0);
  assert.equal(read(out, 'e2e_exec_trace.csv').split('\n')[0], 'ts,bid,ask,inventory,cash,equity,mid,reservation,trading_state');
  assert.equal(summary.pnl['exec'], Math.round(metrics.total_pnl * 1e6) / 1e6, 'the summary states the PnL');

  const risk = JSON.parse(read(out, 'e2e_risk_risk_report.json')) as RiskReport;
  assert.ok(risk.status === 'ok' || risk.status === 'breach');
  assert.deepEqual(
    risk.checks.map((c) => c.check),
    ['risk_halt', 'max_drawdown_pct', 'max_abs_inventory', 'min_fills', 'max_daily_return_pct', 'max_fee_share', 'min_total_pnl', 'max_halted_share'],
  );
  assert.equal(risk.status, risk.checks.some((c) => c.verdict === 'breach') ? 'breach' : 'ok');
  for (const c of risk.checks) assert.ok(['pass', 'breach', 'n/a'].includes(c.verdict) && typeof c.limit === 'number');

  // Logs: JSON lines with event, run_id, mode, ts; each event once; the file holds the same lines.
  for (const e of events) {
    assert.equal(e['run_id'], 'e2e');
    assert.equal(e['mode'], 'backtest');
    assert.ok(!Number.isNaN(Date.parse(String(e['ts']))));
  }
  const keys = events.map((e) => `${String(e['event'])}:${String(e['agent'] ?? '')}`);
  assert.deepEqual(keys, [...new Set(keys)], 'no event is logged twice');
  assert.deepEqual(events[0], { ...events[0], event: 'runtime_start', agents: 4, workers: 2 });
  assert.deepEqual(events.at(-1), { ...events.at(-1), event: 'runtime_complete', failures: 0, successes: 4, skipped: 0, total: 4 });
  const completed = events.filter((e) => e['event'] === 'agent_completed');
  assert.deepEqual(
    completed.map((e) => e['agent']),
    ['market', 'model', 'exec', 'risk'],
  );
  for (const e of completed) assert.ok(Array.isArray(e['outputs']) && typeof e['duration_ms'] === 'number' && typeof e['role'] === 'string');
  assert.equal(read(out, 'e2e_runtime_log.jsonl').trimEnd().split('\n').length, events.length);
});

test('artifacts are byte-identical with 1 and 4 workers', async () => {
  const run = async (workers: number): Promise<string> => {
    const dir = tmp(`w${workers}`);
    const { summary } = await runIn(dir, { configPath: join(REPO_ROOT, 'config', 'examples', 'two-pipelines.yaml'), runId: 'same', maxWorkers: workers });
    assert.equal(summary.status, 'ok');
    assert.equal(summary.workers, Math.min(workers, 7));
    return join(dir, 'artifacts');
  };
  const [one, four] = [await run(1), await run(4)];
  const names = files(one).filter((f) => !f.endsWith('_runtime_log.jsonl') && !f.endsWith('_summary.json') && f !== '.marketmakerl');
  assert.deepEqual(files(four).filter((f) => names.includes(f)), names);
  assert.equal(names.length, 13);
  for (const f of names) assert.ok(readFileSync(join(one, f)).equals(readFileSync(join(four, f))), `${f} differs`);
  const strip = (s: string): unknown => ({ ...(JSON.parse(s) as Record<string, unknown>), workers: 0 });
  assert.deepEqual(strip(read(one, 'same_summary.json')), strip(read(four, 'same_summary.json')));
});

test("an agent's seed depends on the run seed and its own name only", () => {
  assert.equal(agentSeed(7, 'market'), agentSeed(7, 'market'));
  assert.notEqual(agentSeed(7, 'market'), agentSeed(8, 'market'));
  assert.notEqual(agentSeed(7, 'market'), agentSeed(7, 'market2'));
});

/** A klines file that exists (so the config is valid) but breaks at line 3. */
function badKlines(dir: string, name = 'broken.csv'): string {
  writeFileSync(join(dir, name), 'timestamp,open,high,low,close,volume\n1704067200000,100,101,99,100,5\n1704067260000,100,oops,99,100,5\n');
  return name;
}

test('a failing agent: agent_failed, its downstream skipped and reported, the other pipeline completes, exit 1', async () => {
  const dir = tmp('fail');
  const file = badKlines(dir);
  const agents = [...pipeline('bad-'), ...pipeline('good-')];
  agents[0] = { name: 'bad-data', role: 'data', params: { source: 'file', file } };
  const path = writeConfig(dir, smallConfig(agents));
  const { summary, events } = await runIn(dir, { configPath: path, runId: 'f' });
  assert.equal(summary.status, 'failed');
  assert.deepEqual([summary.successes, summary.failures, summary.skipped, summary.total], [4, 1, 3, 8]);
  const failed = events.filter((e) => e['event'] === 'agent_failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!['agent'], 'bad-data');
  assert.equal(failed[0]!['role'], 'data');
  assert.match(String(failed[0]!['error']), /broken\.csv:3: high: expected a positive number/);
  const byName = new Map(summary.agents.map((a) => [a.agent, a]));
  assert.equal(byName.get('bad-model')!.reason, "input 'bad-data' failed");
  assert.equal(byName.get('bad-exec')!.reason, "input 'bad-model' was skipped");
  assert.equal(byName.get('bad-risk')!.status, 'skipped');
  assert.ok(['good-data', 'good-model', 'good-exec', 'good-risk'].every((n) => byName.get(n)!.status === 'completed'));
  const started = events.filter((e) => e['event'] === 'agent_started').map((e) => e['agent']);
  assert.ok(!started.includes('bad-model') && !started.includes('bad-risk'), 'skipped agents never start');
  assert.deepEqual(events.at(-1), { ...events.at(-1), event: 'runtime_complete', failures: 1, successes: 4, skipped: 3, total: 8 });
  assert.ok(!files(join(dir, 'out')).some((f) => f.startsWith('f_bad-')), 'a failed or skipped agent writes nothing');

  // The CLI: exit code 1 and stdout ending with the JSON summary.
  const r = cli(['run', '--config', 'config.yaml', '--run-id', 'f-cli', '--max-workers', '1'], dir);
  assert.equal(r.code, 1);
  const last = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { failures: number; skipped: number };
  assert.deepEqual([last.failures, last.skipped], [1, 3]);
  assert.equal(r.stderr.trimEnd().split('\n').filter((l) => l.includes('"agent_failed"')).length, 1);
});

test('paper mode offline: the execution agent replays data.events on its own clock for its duration, writing a ledger, metrics and trace; risk judges the PnL', async () => {
  const dir = tmp('paper');
  const agents = pipeline('');
  agents[1] = { ...agents[1]!, params: { gamma: 0.0001, horizon_seconds: 60 } };
  agents[2] = { ...agents[2]!, params: { duration: '90s' } };
  const capture = join(CAPTURE_DIR, 'btcusdt_20240808.gz');
  // An order rate tight enough that the gate denies some places: they are orders denied, not placed.
  const tightRate = { max_orders_per_window: 2, order_rate_window_ms: 5_000 };
  const path = writeConfig(dir, { ...smallConfig(agents), market: { symbol: 'BTC/USDT' }, capital: 10_000, quoting: { order_qty: 0.001, max_inventory_qty: 0.01 }, risk: tightRate, data: { events: capture } });
  const { summary, events } = await runIn(dir, { configPath: path, runId: 'p', mode: 'paper' });
  assert.equal(summary.mode, 'paper');
  assert.deepEqual(
    summary.agents.map((a) => [a.agent, a.status, a.error]),
    [['data', 'completed', undefined], ['model', 'completed', undefined], ['exec', 'completed', undefined], ['risk', 'completed', undefined]],
  );
  assert.ok(events.every((e) => e['mode'] === 'paper'));
  const out = join(dir, 'out');
  const metrics = MetricsSchema.parse(JSON.parse(read(out, 'p_exec_metrics.json')));
  assert.ok(metrics.samples >= 85 && metrics.samples <= 91, `90 s of market time in 1 s samples, got ${metrics.samples}`);
  assert.ok(metrics.orders_placed > 0);
  assert.equal(summary.pnl['exec'], Math.round(metrics.total_pnl * 1e6) / 1e6);
  assert.equal(summary.agents[2]!.total_pnl, Math.round(metrics.total_pnl * 1e6) / 1e6);
  const ledger = new Ledger(join(out, 'p_exec_ledger.sqlite'));
  try {
    assert.deepEqual(checkLedgerInvariants(ledger.db), []);
    const placed = (ledger.db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n;
    const denied = (ledger.db.prepare("SELECT count(*) AS n FROM order_events WHERE type = 'denied'").get() as { n: number }).n;
    assert.ok(metrics.orders_denied > 0, `the order rate denied some places (${JSON.stringify(metrics.risk.denials_by_rule)})`);
    assert.equal(placed, metrics.orders_placed, 'orders_placed: the orders sent to the venue, each in the ledger');
    assert.equal(denied, metrics.orders_denied, 'orders_denied: each denial journaled');
    const fills = (ledger.db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
    assert.ok(fills >= metrics.fills, 'every fill of the replay is in the ledger (and those in flight at the stop)');
  } finally {
    ledger.close();
  }
  const risk = JSON.parse(read(out, 'p_risk_risk_report.json')) as RiskReport;
  assert.equal(risk.total_pnl, metrics.total_pnl);
  const pnl = risk.checks.find((c) => c.check === 'min_total_pnl')!;
  assert.equal(pnl.verdict, metrics.total_pnl >= 0 ? 'pass' : 'breach', 'a losing run is a breach');
  // `report` and the dashboard read the paper agent's output as they read a backtest's.
  const html = await renderRunReport(join(out, 'p_exec_metrics.json'));
  assert.match(html, /<title>Run report — p · exec<\/title>/);
  assert.match(html, /<h2>Risk events<\/h2>/);
  const snap = readRunFolder(join(out, 'runs'), 'runtime:p_exec', 5_000, out)!;
  assert.match(snap.stats.source, /^runtime output · [A-Z]+ paper replay BTC\/USDT/);
  assert.equal(snap.stats.fills, metrics.fills);
});

test('default run ids are run_<UTC YYYYMMDDTHHMMSSZ> and never overwrite; an explicit id in use is refused', async () => {
  const dir = tmp('ids');
  const path = writeConfig(dir, smallConfig([{ name: 'd', role: 'data', params: { bars: 100 } }]));
  const now = (): Date => new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
  const a = await runIn(dir, { configPath: path, now });
  const b = await runIn(dir, { configPath: path, now });
  assert.equal(a.summary.run_id, 'run_20250102T030405Z');
  assert.equal(b.summary.run_id, 'run_20250102T030405Z_2');
  await assert.rejects(runIn(dir, { configPath: path, runId: 'run_20250102T030405Z' }), /already has artifacts/);
  await assert.rejects(runIn(dir, { configPath: path, runId: 'bad id' }), { message: "--run-id: expected letters, digits, '.', '_' or '-', got 'bad id'" });
});

test('a data agent reads the real BTC/USDT 1m klines through paths.data_dir', { skip: !existsSync(KLINES_1M) && 'no ../shared/data' }, async () => {
  const dir = tmp('real');
  const agents = pipeline('btc-');
  agents[0] = { name: 'btc-data', role: 'data', params: { source: 'file', file: 'binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv', max_bars: 3000 } };
  agents[1] = { name: 'btc-model', role: 'ml', inputs: ['btc-data'], params: { gamma: 0.0005 } };
  const path = writeConfig(dir, { ...smallConfig(agents), market: { symbol: 'BTC/USDT' }, paths: { data_dir: dirname(dirname(KLINES_1M)), artifacts_dir: 'out' } });
  const { summary } = await runIn(dir, { configPath: path, runId: 'real' });
  assert.equal(summary.status, 'ok');
  const csv = read(join(dir, 'out'), 'real_btc-data_market_data.csv').split('\n');
  assert.equal(csv.length, 3002);
  assert.equal(csv[1]!.split(',').slice(0, 5).join(','), '1733007600000,96466.11,96495.52,96440.00,96440.00');
  const model = JSON.parse(read(join(dir, 'out'), 'real_btc-model_model.json')) as FittedModel;
  assert.equal(model.symbol, 'BTC/USDT');
  assert.ok(model.snapshot.bid! < model.snapshot.ask!);
});

test('risk breach: the summary names it; exit 0 by default, 4 with --fail-on-breach', async () => {
  const dir = tmp('breach');
  const agents = pipeline('');
  agents[3] = { ...agents[3]!, params: { min_fills: 1_000_000, min_total_pnl: -1e12 } };
  const path = writeConfig(dir, smallConfig(agents));
  const { summary } = await runIn(dir, { configPath: path, runId: 'b' });
  assert.equal(summary.status, 'ok', 'a breach is not an agent failure');
  assert.equal(summary.risk_status, 'breach');
  assert.deepEqual(summary.risk_breaches, ['risk: min_fills']);

  const plain = cli(['run', '--config', 'config.yaml', '--run-id', 'b-cli', '--max-workers', '1'], dir);
  assert.equal(plain.code, 0);
  const strict = cli(['run', '--config', 'config.yaml', '--run-id', 'b-strict', '--max-workers', '1', '--fail-on-breach'], dir);
  assert.equal(strict.code, 4);
  assert.match(strict.stderr, /^risk breach: risk: min_fills$/m);
  const last = JSON.parse(strict.stdout.trimEnd().split('\n').at(-1)!) as { risk_status: string };
  assert.equal(last.risk_status, 'breach');

  // Without a breach the flag changes nothing.
  const ok = writeConfig(dir, smallConfig(pipeline('').map((a) => (a['role'] === 'risk' ? { ...a, params: { min_fills: 0, max_drawdown_pct: 100, max_daily_return_pct: 1e6, max_fee_share: 1e6, min_total_pnl: -1e12 } } : a))), 'ok.yaml');
  const r = cli(['run', '--config', ok, '--run-id', 'ok-strict', '--max-workers', '1', '--fail-on-breach'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { risk_status: string }).risk_status, 'ok');
});

test("a run its session halted for drawdown is a risk breach naming the reason, and the drawdown is checked against the file's risk.max_drawdown; allow_halt lets the halt pass", async () => {
  const dir = tmp('halted');
  const risk = { max_drawdown: 0.05, daily_loss_limit: 0.1, warn_fraction: 0.99 };
  const { summary } = await runIn(dir, { configPath: writeConfig(dir, { ...smallConfig(), risk }), runId: 'h' });
  assert.equal(summary.agents.find((a) => a.agent === 'exec')!.trading_state, 'halted');
  const metrics = MetricsSchema.parse(JSON.parse(read(join(dir, 'out'), 'h_exec_metrics.json')));
  const halt = metrics.risk.halts[0]!;
  assert.match(halt.reason, /reached (max_drawdown 0\.05|daily_loss_limit 0\.1)/);
  assert.equal(summary.risk_status, 'breach');
  assert.ok(summary.risk_breaches.some((b) => b.startsWith('risk: risk_halt (') && b.includes(`${halt.condition} at ${halt.ts}: ${halt.reason}`)), JSON.stringify(summary.risk_breaches));
  const report = JSON.parse(read(join(dir, 'out'), 'h_risk_risk_report.json')) as RiskReport;
  const dd = report.checks.find((c) => c.check === 'max_drawdown')!;
  assert.deepEqual([dd.value, dd.limit, dd.verdict], [metrics.max_drawdown, 0.05, 'breach']);
  assert.equal(report.checks.find((c) => c.check === 'max_drawdown_pct'), undefined, 'the file states the limit: no second, looser one');

  const agents = pipeline('').map((a) => (a['role'] === 'risk' ? { ...a, params: { allow_halt: true, max_drawdown: 1e9, min_fills: 0, max_daily_return_pct: 1e6, max_fee_share: 1e6, min_total_pnl: -1e12 } } : a));
  const allowed = await runIn(dir, { configPath: writeConfig(dir, { ...smallConfig(agents), risk }, 'allowed.yaml'), runId: 'h-allowed' });
  assert.equal(allowed.summary.risk_status, 'ok', JSON.stringify(allowed.summary.risk_breaches));
});

test('model rl in the ml agent: a trained policy file runs in the execution agent; a missing or absent policy is refused before anything runs', async () => {
  const dir = tmp('rl');
  writeLinearPolicy(join(dir, 'policy.json'), {
    features: ['inventory', 'volatility', 'momentum'],
    decisionSeconds: 60,
    signals: { bar_seconds: 60, window: 30 },
    base: { model: 'glft', gamma: 0.2, horizon: 'rolling', horizon_seconds: 600 },
  });
  const agents = pipeline('');
  agents[1] = { ...agents[1]!, params: { model: 'rl', policy: 'policy.json' } };
  const { summary } = await runIn(dir, { configPath: writeConfig(dir, smallConfig(agents)), runId: 'rl' });
  assert.equal(summary.status, 'ok');
  const model = JSON.parse(readFileSync(join(dir, 'out', 'rl_model_model.json'), 'utf8')) as { model: string; gamma: number; policy: { base_model: string } };
  assert.deepEqual([model.model, model.gamma, model.policy.base_model], ['rl', 0.2, 'glft'], 'the policy’s base model and γ are what runs');
  const cfg = JSON.parse(readFileSync(join(dir, 'out', 'rl_exec_backtest_config.json'), 'utf8')) as { quoting: { model: string; policy_path: string } };
  assert.equal(cfg.quoting.model, 'rl');
  assert.equal(cfg.quoting.policy_path, join(dir, 'policy.json'));

  // The identity policy above quotes as its base model: the same metrics as model glft, γ 0.2.
  const plainAgents = pipeline('');
  plainAgents[1] = { ...plainAgents[1]!, params: { model: 'glft', gamma: 0.2 } };
  await runIn(dir, { configPath: writeConfig(dir, smallConfig(plainAgents), 'plain.yaml'), runId: 'plain' });
  const m = (id: string) => JSON.parse(readFileSync(join(dir, 'out', `${id}_exec_metrics.json`), 'utf8')) as { total_pnl: number; fills: number };
  assert.deepEqual([m('rl').total_pnl, m('rl').fills], [m('plain').total_pnl, m('plain').fills]);

  for (const [p, msg] of [
    [{ model: 'rl' }, /agents\[1\]\.params\.policy: required with model: rl/],
    [{ model: 'rl', policy: 'nope.json' }, /agents\[1\]\.params\.policy: cannot read file/],
    [{ model: 'as', policy: 'policy.json' }, /agents\[1\]\.params\.policy: only used with model: rl/],
  ] as const) {
    const bad = pipeline('');
    bad[1] = { ...bad[1]!, params: p };
    const path = writeConfig(dir, smallConfig(bad), 'bad.yaml');
    await assert.rejects(runIn(dir, { configPath: path, runId: 'bad' }), (e: unknown) => msg.test((e as Error).message));
  }
});

test('make run MODE=paper: the shipped config, offline, replays the shared capture for 5 minutes and trades near the touch', { skip: !existsSync(join(CAPTURE_DIR, 'btcusdt_20240808.gz')) && 'no ../shared/data' }, async () => {
  // A working folder whose ../shared is the shared data, as beside a checkout: the shipped paths hold as written.
  const top = tmp('shipped-paper');
  const cwd = join(top, 'repo');
  mkdirSync(cwd);
  symlinkSync(join(SHARED_DATA, '..'), join(top, 'shared'));
  const { summary } = await runIn(cwd, { configPath: SHIPPED_CONFIG, runId: 'sp', mode: 'paper' });
  assert.deepEqual(summary.agents.map((a) => a.status), ['completed', 'completed', 'completed', 'completed']);
  const metrics = MetricsSchema.parse(JSON.parse(read(join(cwd, 'artifacts'), 'sp_exec_metrics.json')));
  assert.ok(metrics.samples >= 295 && metrics.samples <= 301, `5 minutes of market time, ${metrics.samples} samples`);
  assert.ok(metrics.fills >= 10, `quotes near the touch trade: ${metrics.fills} fills`);
  // Every quote within 0.1% of the mid (~60 USDT on BTC): a model whose γ fits the market it trades.
  const rows = read(join(cwd, 'artifacts'), 'sp_exec_trace.csv').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const quoted = rows.filter((r) => r[1]! > 0 && r[2]! > 0);
  assert.ok(quoted.length > 100, `${quoted.length} quoted samples`);
  for (const [, bid, ask, , , , mid] of quoted) assert.ok(mid! - bid! < 0.001 * mid! && ask! - mid! < 0.001 * mid!, `bid ${bid} ask ${ask} around ${mid}`);
  assert.equal(summary.pnl['exec'], Math.round(metrics.total_pnl * 1e6) / 1e6, 'the summary states the PnL');
});
