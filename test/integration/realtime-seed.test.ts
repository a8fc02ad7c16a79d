// `realtime --seed` is refused in every mode (one line, exit 2): nothing a realtime session does is drawn at random from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env });

const REFUSED = /^error: --seed: realtime draws nothing at random: the paper venue fills from the market's trades by its queue model \(the seed drives simulated bars and bar touch fills; retry and reconnect jitter differs per process on purpose\)\n$/;

test('realtime --seed: refused in one line, exit 2, before anything starts, in every mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-rt-seed-'));
  const out = ['--out-dir', join(dir, 'out'), '--ledger', join(dir, 'l.sqlite')];
  const cases: [string, string[], NodeJS.ProcessEnv?][] = [
    ['paper on the live feed', ['realtime', '--seed', '3', ...out]],
    ['paper replay on the wall clock', ['realtime', '--replay', join(dir, 'none.arrow'), '--seed', '3', ...out]],
    ['paper replay on the event clock', ['realtime', '--replay', join(dir, 'none.arrow'), '--clock', 'event', '--seed', '3', ...out]],
    ['several markets', ['realtime', '--symbols', 'BTC/USDT,ETH/USDT', '--seed', '3', ...out]],
    ['live', ['realtime', '--mode', 'live', '--confirm-live', '--seed', '3', ...out], { ...process.env, PAPER_ONLY: '0', EXCHANGE_API_KEY: 'k', EXCHANGE_API_SECRET: 's' }],
  ];
  for (const [name, args, env] of cases) {
    const r = cli(args, env);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, REFUSED, name);
    assert.equal(r.stdout, '', name);
  }
});
