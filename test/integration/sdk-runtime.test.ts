// The runtime with a strategy module: loaded before any agent (a bad one refused before anything is written), run by the execution agent on its worker thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/core/index.js';
import { REPO_ROOT, files, runIn, smallConfig, tmp, writeConfig } from './runtime-helpers.js';

test('run: the execution agent trades quoting.strategy (a module beside the config) with its params; a bad parameter is exit 2 before anything runs', async () => {
  const dir = tmp('sdk');
  writeFileSync(join(dir, 'my-strategy.ts'), readFileSync(join(REPO_ROOT, 'examples', 'strategies', 'quote-the-touch.ts'), 'utf8'));
  const cfg = { ...smallConfig(), quoting: { strategy: './my-strategy.ts', params: { back: 2 } } };
  const { summary } = await runIn(dir, { configPath: writeConfig(dir, cfg), runId: 'sdk' });
  assert.equal(summary.status, 'ok', JSON.stringify(summary));
  assert.equal(summary.failures, 0);
  const exec = JSON.parse(readFileSync(join(dir, 'out', 'sdk_exec_backtest_config.json'), 'utf8')) as Record<string, any>;
  assert.equal(exec['strategy_module'].name, 'quote-the-touch');
  assert.equal(exec['strategy_module'].path, join(dir, 'my-strategy.ts'));
  assert.deepEqual(exec['strategy_module'].params, { back: 2, lean: 1 });
  const metrics = JSON.parse(readFileSync(join(dir, 'out', 'sdk_exec_metrics.json'), 'utf8')) as { fills: number };
  assert.ok(metrics.fills > 0, 'the module traded');

  const bad = tmp('sdk-bad');
  writeFileSync(join(bad, 'my-strategy.ts'), readFileSync(join(REPO_ROOT, 'examples', 'strategies', 'quote-the-touch.ts'), 'utf8'));
  const badCfg = writeConfig(bad, { ...smallConfig(), quoting: { strategy: './my-strategy.ts', params: { bak: 2 } } });
  await assert.rejects(runIn(bad, { configPath: badCfg, runId: 'bad' }), (e: unknown) => e instanceof UserError && /^agents\.exec: quoting\.params\.bak: strategy 'quote-the-touch' has no parameter 'bak'; did you mean 'back'\?$/.test(e.message));
  assert.deepEqual(files(join(bad, 'out')), [], 'nothing written');
});
