// The live guard's exact refusals (in process and through the CLI), and that no secret value ever leaves the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/core/index.js';
import { liveGuard } from '../../src/runtime/index.js';
import { cli, files, pipeline, runIn, smallConfig, tmp, writeConfig } from './runtime-helpers.js';

const DISABLED = 'mode=live is disabled while PAPER_ONLY=1';
const KEY = 'KEYVALUE-8c1f3a0b9e';
const SECRET = 'SECRETVALUE-77d2e4f6a1';

test('live guard: PAPER_ONLY defaults to 1 and only 0 lifts it; missing keys are named, never their values', () => {
  const refuses = (env: Record<string, string>, message: string): void =>
    assert.throws(
      () => liveGuard('live', env),
      (e: unknown) => e instanceof UserError && e.message === message && e.exitCode === 2,
    );
  refuses({}, DISABLED);
  refuses({ PAPER_ONLY: '1' }, DISABLED);
  refuses({ PAPER_ONLY: 'no', EXCHANGE_API_KEY: KEY, EXCHANGE_API_SECRET: SECRET }, DISABLED);
  refuses({ PAPER_ONLY: '0' }, 'mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET');
  refuses({ PAPER_ONLY: '0', EXCHANGE_API_KEY: KEY }, 'mode=live requires env vars: EXCHANGE_API_SECRET');
  refuses({ PAPER_ONLY: '0', EXCHANGE_API_SECRET: SECRET, EXCHANGE_API_KEY: '' }, 'mode=live requires env vars: EXCHANGE_API_KEY');
  assert.doesNotThrow(() => liveGuard('live', { PAPER_ONLY: '0', EXCHANGE_API_KEY: KEY, EXCHANGE_API_SECRET: SECRET }));
  assert.doesNotThrow(() => liveGuard('backtest', {}));
  assert.doesNotThrow(() => liveGuard('paper', {}));
});

test('a refused live run writes nothing, whatever the config says', async () => {
  const dir = tmp('guard');
  const path = writeConfig(dir, { ...smallConfig(), mode: 'live' });
  await assert.rejects(runIn(dir, { configPath: path }), { message: DISABLED });
  await assert.rejects(runIn(dir, { configPath: path, env: { PAPER_ONLY: '0', EXCHANGE_API_KEY: KEY } }), {
    message: 'mode=live requires env vars: EXCHANGE_API_SECRET',
  });
  assert.deepEqual(files(dir), ['config.yaml']);
});

test('CLI: both refusals with their exact messages and exit code 2', () => {
  const dir = tmp('guardcli');
  writeConfig(dir, smallConfig());
  const live = ['run', '--config', 'config.yaml', '--mode', 'live'];
  assert.deepEqual(cli(live, dir), { code: 2, stdout: '', stderr: `error: ${DISABLED}\n` });
  assert.deepEqual(cli(live, dir, { PAPER_ONLY: '0' }), { code: 2, stdout: '', stderr: 'error: mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET\n' });
  const keyOnly = cli(live, dir, { PAPER_ONLY: '0', EXCHANGE_API_KEY: KEY });
  assert.deepEqual(keyOnly, { code: 2, stdout: '', stderr: 'error: mode=live requires env vars: EXCHANGE_API_SECRET\n' });
  assert.deepEqual(files(dir), ['config.yaml']);
});

test('no secret value appears in any log line, the summary or an artifact', async () => {
  const dir = tmp('secrets');
  // Live trading goes to the exchange of market.exchange: here a local port nothing listens on.
  const env = { PAPER_ONLY: '0', EXCHANGE_API_KEY: KEY, EXCHANGE_API_SECRET: SECRET, MARKETMAKERL_EXCHANGE_URL: 'http://127.0.0.1:9' };
  // A data file whose name carries the key: its parse error would print it if nothing scrubbed it.
  const leaky = `${KEY}.csv`;
  writeFileSync(join(dir, leaky), 'timestamp,open,high,low,close,volume\n1704067200000,100,101,99,100,5\nnot-a-time,1,1,1,1,1\n');
  const agents = [...pipeline('a-'), { name: 'leak', role: 'data', params: { source: 'file', file: leaky } }];
  const path = writeConfig(dir, smallConfig(agents));
  const lines: string[] = [];
  const summaries: string[] = [];
  for (const [mode, runId] of [['backtest', 's1'], ['live', 's2']] as const) {
    const r = await runIn(dir, { configPath: path, runId, mode, env });
    lines.push(...r.lines);
    summaries.push(JSON.stringify(r.summary));
    assert.equal(r.summary.agents.find((a) => a.agent === 'leak')!.status, 'failed');
  }
  assert.ok(lines.some((l) => l.includes('[redacted]')), 'the leaky error was scrubbed');
  const out = join(dir, 'out');
  const texts = [...lines, ...summaries, ...readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'))];
  for (const t of texts) {
    assert.ok(!t.includes(KEY) && !t.includes(SECRET), `a secret leaked into: ${t.slice(0, 120)}`);
  }
  // In live mode (guard passed) the execution agent goes to the exchange: unreachable here, it fails without a secret in its error.
  const liveLog = readFileSync(join(out, 's2_runtime_log.jsonl'), 'utf8');
  assert.match(liveLog, /"event":"agent_failed","agent":"a-exec","role":"execution","error":"NetworkFault: /);

  // Through the CLI as well: stdout and stderr.
  const r = cli(['run', '--config', 'config.yaml', '--run-id', 's3', '--max-workers', '1'], dir, env);
  assert.equal(r.code, 1);
  assert.ok(!`${r.stdout}${r.stderr}`.includes(KEY) && !`${r.stdout}${r.stderr}`.includes(SECRET));
});
