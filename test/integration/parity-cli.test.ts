// `parity`: a paper session recorded with --record, replayed from its ledger: every fill matched and the same PnL; a changed simulator shows its gap; bad input is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSharedCaptureArrow } from '../fixtures/capture.js';
import { REPO_ROOT } from '../fixtures/shared-data.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
const sha256 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

interface Line {
  fills_live: number;
  fills_replay: number;
  fills_matched: number;
  fills_only_live: number;
  fills_only_replay: number;
  fill_ratio: number;
  orders_matched_share: number;
  pnl_live: number;
  pnl_replay: number;
  pnl_gap: number;
  ack_latency_ms_live: number;
  ack_latency_ms_replay: number;
  order_level_orders_same_fate_share: number;
  order_level_fills_matched: number;
  order_level_fill_ratio: number;
  order_level_pnl_gap: number;
  max_pnl_gap_exceeded?: boolean;
  out: string;
}

const dir = mkdtempSync(join(tmpdir(), 'mm-parity-'));
const config = join(dir, 'cfg.yaml');
const sim = (latencyMs: number) => `sim: { queue: power:2, maker_fee_bps: -0.5, feed_latency_ms: 5, entry_latency_ms: ${latencyMs}, response_latency_ms: ${latencyMs} }`;
writeFileSync(config, ['capital: 10000', 'quoting: { gamma: 0.0001, horizon_seconds: 60, order_qty: 0.001, max_inventory_qty: 0.01 }', sim(10), 'risk: { max_drawdown: 5, warn_fraction: 1 }', ''].join('\n'));

/** A paper session on the event clock over the first 2 minutes of the shared capture, recorded. */
function session(name: string, extra: string[] = []): { ledger: string; recording: string; line: { run_id: string; fills: number; total_pnl: number } } {
  const ledger = join(dir, `${name}.sqlite`);
  const recording = join(dir, `${name}.arrow`);
  const r = cli(['realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '2m', '--out-dir', join(dir, `${name}-out`), '--ledger', ledger, '--record', recording, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return { ledger, recording, line: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { run_id: string; fills: number; total_pnl: number } };
}

const parity = (args: string[]) => {
  const r = cli(['parity', ...args]);
  return { ...r, line: r.status === 0 || r.status === 1 ? (JSON.parse(r.stdout.trim()) as Line) : undefined };
};

test('a paper session replayed by parity: every fill matched, the same PnL, and the ledger untouched', () => {
  const s = session('paper');
  assert.ok(s.line.fills > 20, `the session fills (${s.line.fills})`);
  const before = sha256(s.ledger);
  const out = join(dir, 'parity-same');
  const r = parity(['--ledger', s.ledger, '--out', out, '--max-pnl-gap', '0']);
  assert.equal(r.status, 0, r.stderr);
  const l = r.line!;
  assert.ok(l.fills_live >= s.line.fills, 'the ledger holds every fill of the session (and those in flight at its stop)');
  assert.equal(l.fills_matched, l.fills_live);
  assert.equal(l.fills_replay, l.fills_live);
  assert.equal(l.fills_only_live + l.fills_only_replay, 0);
  assert.equal(l.fill_ratio, 1);
  assert.equal(l.orders_matched_share, 1);
  assert.equal(l.pnl_replay, l.pnl_live);
  assert.equal(l.pnl_gap, 0);
  assert.equal(l.max_pnl_gap_exceeded, false);
  // The session's own order stream on the same venue: every order meets the same fate.
  assert.equal(l.order_level_orders_same_fate_share, 1);
  assert.equal(l.order_level_fills_matched, l.fills_live);
  assert.equal(l.order_level_fill_ratio, 1);
  assert.equal(l.order_level_pnl_gap, 0);
  assert.equal(sha256(s.ledger), before, 'parity never writes the ledger');

  const j = JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8')) as { events: { path: string; linked: boolean; same_as_linked: boolean }; comparison: { live: { pnl: Record<string, number>; latency_ms: { ack: { median: number } } }; replay: { pnl: Record<string, number> } } };
  assert.equal(j.events.path, s.recording, '--events defaults to the linked recording');
  assert.equal(j.events.linked, true);
  assert.equal(j.events.same_as_linked, true);
  assert.deepEqual(j.comparison.replay.pnl, j.comparison.live.pnl, 'the PnL split agrees part by part');
  const p = j.comparison.live.pnl;
  assert.ok(Math.abs(p['spread_capture']! + p['inventory']! - p['fees']! - p['total']!) < 1e-5, 'total = spread capture + inventory − fees');
  assert.equal(j.comparison.live.latency_ms.ack.median, 20, 'acknowledged after entry + response latency (10 + 10 ms)');
  const html = readFileSync(join(out, 'parity.html'), 'utf8');
  assert.match(html, /data-figure="fill-ratio">\d+ of \d+ \(100(\.0)?%\)/);
  assert.ok(!/<script/i.test(html), 'a self-contained page without scripts');

  // The weekly report measures the same agreement for each recorded run, from a folder moved with its recording.
  const wk = join(dir, 'weekly');
  mkdirSync(join(wk, 'ledgers'), { recursive: true });
  copyFileSync(s.ledger, join(wk, 'ledgers', 'paper.sqlite'));
  copyFileSync(s.recording, join(wk, 'ledgers', 'paper.arrow'));
  const w = cli(['weekly-report', '--ledgers', join(wk, 'ledgers'), '--runs', join(wk, 'runs'), '--out', join(wk, 'out')]);
  assert.equal(w.status, 0, w.stderr);
  const doc = JSON.parse(readFileSync(join(wk, 'out', 'weekly-report.json'), 'utf8')) as { runs: { fill_agreement: { status: string; fill_ratio: number; pnl_gap: number; order_level_fill_ratio: number; order_level_pnl_gap: number; events: string; page: string } }[] };
  const a = doc.runs[0]!.fill_agreement;
  assert.equal(a.status, 'measured');
  assert.equal(a.fill_ratio, 1);
  assert.equal(a.pnl_gap, 0);
  assert.equal(a.events, join(wk, 'ledgers', 'paper.arrow'), 'the recording found beside the moved ledger');
  assert.match(readFileSync(join(wk, 'out', a.page), 'utf8'), /against its replay/);
  assert.equal(a.order_level_fill_ratio, 1);
  assert.equal(a.order_level_pnl_gap, 0);
  const week = readFileSync(join(wk, 'out', 'weekly-report.html'), 'utf8');
  assert.match(week, new RegExp(`href="${a.page}"`));
  // Parity per session over time: a chart of each session's share of fills matched, by its start, and the table.
  assert.match(week, /Share of live fills each replay reproduced, per session[\s\S]*<svg|<svg[\s\S]*Share of live fills each replay reproduced, per session/);
  assert.match(week, /data-figure="order-level">\d+ of \d+ \(100(\.0)?%\)/);

  // A simulator with 10× the latency: the replay's acknowledgements come 10× later, fills stop matching and the PnL moves.
  const slow = join(dir, 'slow.yaml');
  writeFileSync(slow, sim(100) + '\n');
  const g = parity(['--ledger', s.ledger, '--sim-config', slow, '--out', join(dir, 'parity-slow'), '--max-pnl-gap', '0']);
  assert.equal(g.status, 1, 'the gap exceeds a zero limit: exit 1');
  assert.match(g.stderr, /^parity: the PnL gap [-+−][\d.]+ exceeds --max-pnl-gap 0\n$/);
  const gl = g.line!;
  assert.equal(gl.ack_latency_ms_live, 20);
  assert.equal(gl.ack_latency_ms_replay, 200);
  assert.ok(gl.fill_ratio < 0.9, `fewer fills matched (${gl.fill_ratio})`);
  assert.ok(gl.order_level_fill_ratio < 1, `the session's own orders fare otherwise on a slower venue (${gl.order_level_fill_ratio})`);
  assert.ok(gl.fills_only_live > 0 && gl.fills_only_replay >= 0);
  assert.notEqual(gl.pnl_gap, 0);
  assert.equal(gl.pnl_live, l.pnl_live, 'the session side does not change');
  assert.equal(sha256(s.ledger), before);
});

test('a wall-clock paper session: its own orders on a venue fed as its venue was (receive times) meet every fill; at exchange time, as the backtest feeds it, the output says what the feed delay changes', () => {
  const ledger = join(dir, 'wall.sqlite');
  const recording = join(dir, 'wall.arrow');
  const r = cli(['realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), '--speed', '20', '--duration', '90s', '--poll-seconds', '0.2', '--quiet', '--out-dir', join(dir, 'wall-out'), '--ledger', ledger, '--record', recording]);
  assert.equal(r.status, 0, r.stderr);
  const p = parity(['--ledger', ledger, '--out', join(dir, 'parity-wall')]);
  assert.equal(p.status, 0, p.stderr);
  const l = p.line! as Line & { order_level_venue_clock: string; order_level_fill_ratio_at_exchange_time: number };
  assert.ok(l.fills_live > 0, `the session fills (${l.fills_live})`);
  assert.equal(l.order_level_venue_clock, 'local');
  assert.equal(l.order_level_fills_matched, l.fills_live, 'the recording holds what the venue saw: every fill of the session');
  assert.equal(l.order_level_pnl_gap, 0);
  assert.ok(l.order_level_fill_ratio_at_exchange_time >= 0 && l.order_level_fill_ratio_at_exchange_time <= 1);
  const j = JSON.parse(readFileSync(join(dir, 'parity-wall', 'parity.json'), 'utf8')) as { notes: string[]; session: { clock: string } };
  assert.equal(j.session.clock, 'wall');
  assert.ok(j.notes.some((n) => /wall-clock paper session: its simulated venue saw each row when the session received it/.test(n) && /cannot be 100 %/.test(n)), j.notes.join('\n'));
});

test('a session run with a different simulator: parity with the original sim shows the gap the right way', () => {
  // The session itself ran with 60 ms latencies; replayed with the 10 ms of the config, the replay acknowledges sooner and fills differ.
  const s = session('slow-session', ['--order-latency-ms', '60']);
  const fast = join(dir, 'fast.yaml');
  writeFileSync(fast, sim(10) + '\n');
  const own = parity(['--ledger', s.ledger, '--out', join(dir, 'parity-own')]);
  assert.equal(own.status, 0, own.stderr);
  assert.equal(own.line!.fill_ratio, 1, 'with its own config the replay is the session');
  const r = parity(['--ledger', s.ledger, '--sim-config', fast, '--out', join(dir, 'parity-fast')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.line!.ack_latency_ms_live, 120);
  assert.equal(r.line!.ack_latency_ms_replay, 20);
  assert.ok(r.line!.fill_ratio < own.line!.fill_ratio, 'fewer fills matched than with the session’s own simulator');
  assert.ok(Math.abs(r.line!.pnl_gap) > Math.abs(own.line!.pnl_gap), 'a larger PnL gap');
});

test('parity: bad input is one line, exit 2, nothing written', () => {
  const bad = (args: string[], re: RegExp) => {
    const r = cli(['parity', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
  };
  const out = join(dir, 'never');
  bad(['--ledger', join(dir, 'none.sqlite'), '--out', out], /^error: --ledger: no ledger at /);
  writeFileSync(join(dir, 'text.sqlite'), 'not a database at all, just some text that is long enough to be read');
  bad(['--ledger', join(dir, 'text.sqlite'), '--out', out], /^error: --ledger: .* is not a marketmakerl ledger/);

  // A session without --record: no linked capture.
  const ledger = join(dir, 'unrecorded.sqlite');
  const r = cli(['realtime', '--config', config, '--replay', ensureSharedCaptureArrow(), '--clock', 'event', '--duration', '5s', '--out-dir', join(dir, 'unrecorded-out'), '--ledger', ledger, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const before = sha256(ledger);
  bad(['--ledger', ledger, '--out', out], /^error: --ledger: run paper_\S+ has no linked recording \(start the session with realtime --record FILE\.arrow, or give --events FILE\.arrow\)$/);
  bad(['--ledger', ledger, '--session', 'nope', '--out', out], /^error: --session: no run 'nope' in .* \(runs: paper_/);
  bad(['--ledger', ledger, '--events', config, '--out', out], /^error: --events: .* is not an event file/);
  bad(['--ledger', ledger, '--events', join(dir, 'missing.arrow'), '--out', out], /^error: --events: no file at /);
  bad(['--ledger', ledger, '--max-pnl-gap', 'lots', '--out', out], /^error: --max-pnl-gap: expected an amount of quote currency \(0\.5\) or a share of the session's PnL \(10%\), got 'lots'$/);
  writeFileSync(join(dir, 'extra.yaml'), 'sim: { entry_latency_ms: 5 }\nquoting: { gamma: 1 }\n');
  bad(['--ledger', ledger, '--sim-config', join(dir, 'extra.yaml'), '--out', out], /^error: --sim-config: .*extra\.yaml: expected only a sim: section, found quoting$/);
  writeFileSync(join(dir, 'typo.yaml'), 'sim: { entry_latncy_ms: 5 }\n');
  bad(['--ledger', ledger, '--sim-config', join(dir, 'typo.yaml'), '--out', out], /entry_latncy_ms/);
  const taken = join(dir, 'taken');
  mkdirSync(taken);
  writeFileSync(join(taken, 'mine.txt'), 'a file of the user');
  bad(['--ledger', ledger, '--out', taken], /^error: --out: /);
  assert.equal(readFileSync(join(taken, 'mine.txt'), 'utf8'), 'a file of the user');
  assert.ok(!existsSync(out), 'nothing written for bad input');
  assert.equal(sha256(ledger), before, 'the ledger untouched');

  // With --events the same unrecorded session replays (the file is taken as its market, and the page says so).
  const withEvents = cli(['parity', '--ledger', ledger, '--events', ensureSharedCaptureArrow(), '--out', join(dir, 'given-events')]);
  assert.equal(withEvents.status, 0, withEvents.stderr);
  const j = JSON.parse(readFileSync(join(dir, 'given-events', 'parity.json'), 'utf8')) as { notes: string[]; events: { linked: boolean } };
  assert.equal(j.events.linked, false);
  assert.ok(j.notes.some((n) => n.includes('links no recording')));
});
