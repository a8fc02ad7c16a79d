// An event file an older converter wrote replays without what later conversions add: every command that replays one says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_CONVERTER_VERSION, captureMeta, olderConversionOf, readEventFile, writeEvents } from '../../src/data/index.js';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

test('what an older conversion lacks, by version; a current one and files not converted from a capture say nothing', () => {
  const meta = (v: number) => ({ ...captureMeta(['x.gz'], 'BTCUSDT'), converter_version: String(v) });
  assert.equal(olderConversionOf(meta(CAPTURE_CONVERTER_VERSION)), undefined);
  assert.equal(olderConversionOf({ source: 'recording' }), undefined);
  assert.equal(olderConversionOf({}), undefined);
  const v1 = olderConversionOf(meta(1))!;
  assert.match(v1, /^converted by converter 1 .*gap rows.*transaction time.*publication times.*convert the capture again$/);
  const v3 = olderConversionOf(meta(3))!;
  assert.ok(!/gap rows|transaction time/.test(v3) && /publication times/.test(v3), v3);
});

test('backtest --events and realtime --clock event warn on stderr, once per older file, and still run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-older-conv-'));
  try {
    const cur = readEventFile(ensureSharedCaptureArrow());
    const n = Math.min(cur.events.length, 60_000);
    const cols = Object.fromEntries(Object.entries(cur.events).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float64Array).subarray(0, n) : v])) as typeof cur.events;
    const old = join(dir, 'old.arrow');
    writeEvents(old, { ...cols, length: n }, { meta: { ...cur.meta, converter_version: '3' } });
    const fresh = join(dir, 'fresh.arrow');
    writeEvents(fresh, { ...cols, length: n }, { meta: cur.meta });
    const warning = new RegExp(`^warning: ${old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: converted by converter 3 \\(this version converts with ${CAPTURE_CONVERTER_VERSION}\\): it lacks publication times`, 'm');
    const bt = cli(['backtest', '--events', old, '--out', join(dir, 'bt')]);
    assert.equal(bt.status, 0, bt.stderr);
    assert.match(bt.stderr, warning);
    assert.equal(bt.stderr.match(/^warning: /gm)!.length, 1);
    const rt = cli(['realtime', '--replay', old, '--clock', 'event', '--out-dir', join(dir, 'rt'), '--halt-file', join(dir, 'HALT'), '--quiet']);
    assert.equal(rt.status, 0, rt.stderr);
    assert.match(rt.stderr, warning);
    const ok = cli(['backtest', '--events', fresh, '--out', join(dir, 'bt2')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /converted by converter/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
